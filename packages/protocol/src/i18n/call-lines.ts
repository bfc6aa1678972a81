import type { CallEndReason, CallInfo, CallKind } from '../calls.js';
import { primaryLanguage } from '../language.js';

/**
 * The transcript line of an ended call (docs/calls.md), in the widget's built-in languages: the server stores
 * the call event's `text` in the conversation's language (as it does its notices), so the widget, its history,
 * emails and API readers show it as it is, and the core needs no code for it; the console renders the event's
 * payload in English with the same function. Not part of the widget's UiStrings: only the server and the
 * console read these, so the widget bundle never carries them.
 */
interface CallLines {
  /** `{kind}`, `{by}` (byVisitor or byAgent), `{duration}` (empty, or comma + duration) and `{reason}`. */
  readonly line: string;
  readonly comma: string;
  readonly kinds: Readonly<Record<CallKind, string>>;
  readonly byVisitor: string;
  /** `{name}`: the agent's. */
  readonly byAgent: string;
  readonly reasons: Readonly<Record<CallEndReason, string>>;
}

const LINES: Readonly<Record<string, CallLines>> = {
  en: {
    line: '{kind} started {by}{duration}, {reason}.',
    comma: ', ',
    kinds: { audio: 'Voice call', video: 'Video call', screen: 'Screen sharing' },
    byVisitor: 'by the visitor',
    byAgent: 'by {name}',
    reasons: {
      hangup: 'ended',
      declined: 'declined',
      failed: 'failed (the connection could not be made or was lost)',
      unanswered: 'not answered',
      'peer-gone': 'ended: a side left',
      'no-device': 'ended: no camera or microphone',
      'permission-denied': 'ended: camera or microphone permission denied',
    },
  },
  de: {
    line: '{kind}, gestartet {by}{duration}, {reason}.',
    comma: ', ',
    kinds: { audio: 'Sprachanruf', video: 'Videoanruf', screen: 'Bildschirmfreigabe' },
    byVisitor: 'vom Besucher',
    byAgent: 'von {name}',
    reasons: {
      hangup: 'beendet',
      declined: 'abgelehnt',
      failed: 'fehlgeschlagen (die Verbindung kam nicht zustande oder brach ab)',
      unanswered: 'nicht angenommen',
      'peer-gone': 'beendet: eine Seite hat den Anruf verlassen',
      'no-device': 'beendet: keine Kamera und kein Mikrofon',
      'permission-denied': 'beendet: Zugriff auf Kamera oder Mikrofon verweigert',
    },
  },
  fr: {
    line: '{kind} lancé {by}{duration}, {reason}.',
    comma: ', ',
    kinds: { audio: 'Appel vocal', video: 'Appel vidéo', screen: 'Partage d’écran' },
    byVisitor: 'par le visiteur',
    byAgent: 'par {name}',
    reasons: {
      hangup: 'terminé',
      declined: 'refusé',
      failed: 'échoué (la connexion n’a pas pu être établie ou a été perdue)',
      unanswered: 'sans réponse',
      'peer-gone': 'terminé : un participant est parti',
      'no-device': 'terminé : pas de caméra ni de micro',
      'permission-denied': 'terminé : accès à la caméra ou au micro refusé',
    },
  },
  es: {
    line: '{kind} iniciada {by}{duration}, {reason}.',
    comma: ', ',
    kinds: { audio: 'Llamada de voz', video: 'Videollamada', screen: 'Pantalla compartida' },
    byVisitor: 'por el visitante',
    byAgent: 'por {name}',
    reasons: {
      hangup: 'finalizada',
      declined: 'rechazada',
      failed: 'fallida (no se pudo establecer la conexión o se perdió)',
      unanswered: 'sin respuesta',
      'peer-gone': 'finalizada: una de las partes salió',
      'no-device': 'finalizada: no hay cámara ni micrófono',
      'permission-denied': 'finalizada: se denegó el permiso de cámara o micrófono',
    },
  },
  it: {
    line: '{kind} avviata {by}{duration}, {reason}.',
    comma: ', ',
    kinds: { audio: 'Chiamata vocale', video: 'Videochiamata', screen: 'Condivisione schermo' },
    byVisitor: 'dal visitatore',
    byAgent: 'da {name}',
    reasons: {
      hangup: 'terminata',
      declined: 'rifiutata',
      failed: 'non riuscita (impossibile stabilire la connessione o connessione persa)',
      unanswered: 'senza risposta',
      'peer-gone': 'terminata: una delle parti è uscita',
      'no-device': 'terminata: nessuna fotocamera o microfono',
      'permission-denied': 'terminata: permesso per fotocamera o microfono negato',
    },
  },
  pt: {
    line: '{kind} iniciada {by}{duration}, {reason}.',
    comma: ', ',
    kinds: { audio: 'Chamada de voz', video: 'Chamada de vídeo', screen: 'Transmissão de tela' },
    byVisitor: 'pelo visitante',
    byAgent: 'por {name}',
    reasons: {
      hangup: 'encerrada',
      declined: 'recusada',
      failed: 'falhou (não foi possível estabelecer a conexão ou ela caiu)',
      unanswered: 'não atendida',
      'peer-gone': 'encerrada: um dos lados saiu',
      'no-device': 'encerrada: nenhuma câmera ou microfone',
      'permission-denied': 'encerrada: permissão de câmera ou microfone negada',
    },
  },
  nl: {
    line: '{kind} gestart {by}{duration}, {reason}.',
    comma: ', ',
    kinds: { audio: 'Spraakoproep', video: 'Video-oproep', screen: 'Scherm delen' },
    byVisitor: 'door de bezoeker',
    byAgent: 'door {name}',
    reasons: {
      hangup: 'beëindigd',
      declined: 'geweigerd',
      failed: 'mislukt (de verbinding kwam niet tot stand of viel weg)',
      unanswered: 'niet beantwoord',
      'peer-gone': 'beëindigd: een van beide partijen is vertrokken',
      'no-device': 'beëindigd: geen camera of microfoon',
      'permission-denied': 'beëindigd: toegang tot camera of microfoon geweigerd',
    },
  },
  ru: {
    line: '{kind}, инициатор: {by}{duration}. {reason}.',
    comma: ', ',
    kinds: { audio: 'Голосовой звонок', video: 'Видеозвонок', screen: 'Демонстрация экрана' },
    byVisitor: 'посетитель',
    byAgent: '{name}',
    reasons: {
      hangup: 'Завершено',
      declined: 'Отклонено',
      failed: 'Не удалось соединиться (соединение не установлено или потеряно)',
      unanswered: 'Нет ответа',
      'peer-gone': 'Завершено: одна из сторон вышла',
      'no-device': 'Завершено: нет камеры или микрофона',
      'permission-denied': 'Завершено: доступ к камере или микрофону запрещён',
    },
  },
  ar: {
    line: '{kind}، بدأها {by}{duration}، {reason}.',
    comma: '، ',
    kinds: { audio: 'مكالمة صوتية', video: 'مكالمة فيديو', screen: 'مشاركة الشاشة' },
    byVisitor: 'الزائر',
    byAgent: '{name}',
    reasons: {
      hangup: 'انتهت',
      declined: 'رُفضت',
      failed: 'فشلت (تعذّر إجراء الاتصال أو انقطع)',
      unanswered: 'لم يتم الرد',
      'peer-gone': 'انتهت: غادر أحد الطرفين',
      'no-device': 'انتهت: لا توجد كاميرا أو ميكروفون',
      'permission-denied': 'انتهت: تم رفض إذن الكاميرا أو الميكروفون',
    },
  },
  he: {
    line: '{kind} {by}{duration}, {reason}.',
    comma: ', ',
    kinds: { audio: 'שיחה קולית', video: 'שיחת וידאו', screen: 'הצגת מסך' },
    byVisitor: 'ביוזמת המבקר',
    byAgent: 'ביוזמת {name}',
    reasons: {
      hangup: 'הסתיימה',
      declined: 'נדחתה',
      failed: 'נכשלה (לא ניתן היה ליצור את החיבור או שהוא נותק)',
      unanswered: 'לא נענתה',
      'peer-gone': 'הסתיימה: אחד הצדדים עזב',
      'no-device': 'הסתיימה: אין מצלמה או מיקרופון',
      'permission-denied': 'הסתיימה: ההרשאה למצלמה או למיקרופון נדחתה',
    },
  },
  hi: {
    line: '{kind}, {by} द्वारा शुरू{duration}, {reason}।',
    comma: ', ',
    kinds: { audio: 'वॉइस कॉल', video: 'वीडियो कॉल', screen: 'स्क्रीन शेयरिंग' },
    byVisitor: 'विज़िटर',
    byAgent: '{name}',
    reasons: {
      hangup: 'समाप्त',
      declined: 'अस्वीकृत',
      failed: 'विफल (कनेक्शन नहीं बन सका या टूट गया)',
      unanswered: 'कोई उत्तर नहीं',
      'peer-gone': 'समाप्त: एक पक्ष चला गया',
      'no-device': 'समाप्त: कोई कैमरा या माइक्रोफ़ोन नहीं',
      'permission-denied': 'समाप्त: कैमरा या माइक्रोफ़ोन की अनुमति अस्वीकृत',
    },
  },
  ja: {
    line: '{by}が開始した{kind}{duration}、{reason}。',
    comma: '、',
    kinds: { audio: '音声通話', video: 'ビデオ通話', screen: '画面共有' },
    byVisitor: '訪問者',
    byAgent: '{name}',
    reasons: {
      hangup: '終了',
      declined: '拒否',
      failed: '失敗（接続できなかったか、切断されました）',
      unanswered: '応答なし',
      'peer-gone': '終了：一方が退出',
      'no-device': '終了：カメラまたはマイクがありません',
      'permission-denied': '終了：カメラまたはマイクの許可が拒否されました',
    },
  },
  zh: {
    line: '{by}发起的{kind}{duration}，{reason}。',
    comma: '，',
    kinds: { audio: '语音通话', video: '视频通话', screen: '屏幕共享' },
    byVisitor: '访客',
    byAgent: '{name}',
    reasons: {
      hangup: '已结束',
      declined: '已拒绝',
      failed: '失败（无法建立连接或连接已断开）',
      unanswered: '无人接听',
      'peer-gone': '已结束：一方已离开',
      'no-device': '已结束：没有摄像头或麦克风',
      'permission-denied': '已结束：摄像头或麦克风权限被拒绝',
    },
  },
};

/** The languages with a call line of their own (the widget's built-in languages); others get English. */
export const CALL_LINE_LANGUAGES: readonly string[] = Object.keys(LINES);

/** `1 h 2 min 3 s`, `2 min 5 s`, `12 s` (SI unit symbols, the same in every language). */
export function formatCallDuration(ms: number): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const min = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return [h > 0 ? `${h} h` : '', h > 0 || min > 0 ? `${min} min` : '', `${s} s`].filter((part) => part !== '').join(' ');
}

/** "Video call started by Nora, 3 min 4 s, ended." in `language` (its primary subtag; English when unknown). */
export function callEventLine(call: Pick<CallInfo, 'kind' | 'caller' | 'durationMs' | 'endReason'>, language: string): string {
  const lines = LINES[primaryLanguage(language)] ?? (LINES['en'] as CallLines);
  const by = call.caller.role === 'visitor' ? lines.byVisitor : lines.byAgent.replace('{name}', () => call.caller.name);
  const duration = call.durationMs === null ? '' : `${lines.comma}${formatCallDuration(call.durationMs)}`;
  const values: Readonly<Record<string, string>> = {
    kind: lines.kinds[call.kind],
    by,
    duration,
    reason: lines.reasons[call.endReason ?? 'hangup'],
  };
  // One pass, by a function: an agent's name is inserted as it is (no `$&`, no placeholder inside it filled in).
  return lines.line.replace(/\{(kind|by|duration|reason)\}/g, (_match, key: string) => values[key] ?? '');
}

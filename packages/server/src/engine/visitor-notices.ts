import { primaryLanguage } from '@parley/protocol';

/**
 * The sentences the server itself says to a visitor (handoff lines, the n8n endpoint's notices), in
 * the widget's built-in languages; anything else gets English. They are stored (or sent) already in
 * the conversation's language, as the bot's apologies are (bots/bot-apologies.ts): a stored message
 * reads the same in the widget, in its history, in an email and through `/n8n`. A stored notice also
 * carries its key in `payload.notice`, so the console can show it to the agent in English.
 * `{name}` is filled in by `noticeText`. Emails to the visitor (offline-mail.ts) take their subject and link line from here too.
 */
export type NoticeKey =
  | 'handoff_waiting'
  | 'handoff_bot_failed'
  | 'human_will_answer'
  | 'agent_joined'
  | 'answer_interrupted'
  | 'not_delivered'
  | 'no_files'
  | 'mail_subject'
  | 'mail_continue';

type Notices = Readonly<Record<NoticeKey, string>>;

const NOTICES: Readonly<Record<string, Notices>> = {
  en: {
    handoff_waiting: 'Waiting for a human to join.',
    handoff_bot_failed: 'The bot could not answer; a human will take over.',
    human_will_answer: 'A person will answer here shortly.',
    agent_joined: '{name} joined the conversation.',
    answer_interrupted: 'The answer was interrupted; please send your message again.',
    not_delivered: 'Your last message could not be delivered. Please send it again.',
    no_files: 'Files cannot be sent in this chat; your text was delivered without them.',
    mail_subject: '{name} replied to your message',
    mail_continue: 'Continue the conversation:',
  },
  de: {
    handoff_waiting: 'Wir warten, bis ein Mensch dazukommt.',
    handoff_bot_failed: 'Der Bot konnte nicht antworten; ein Mensch übernimmt.',
    human_will_answer: 'Ein Mensch antwortet hier in Kürze.',
    agent_joined: '{name} ist dem Gespräch beigetreten.',
    answer_interrupted: 'Die Antwort wurde unterbrochen; bitte senden Sie Ihre Nachricht erneut.',
    not_delivered: 'Ihre letzte Nachricht konnte nicht zugestellt werden. Bitte senden Sie sie erneut.',
    no_files: 'In diesem Chat können keine Dateien gesendet werden; Ihr Text wurde ohne sie zugestellt.',
    mail_subject: '{name} hat auf Ihre Nachricht geantwortet',
    mail_continue: 'Gespräch fortsetzen:',
  },
  fr: {
    handoff_waiting: 'En attente qu’une personne rejoigne la conversation.',
    handoff_bot_failed: 'Le bot n’a pas pu répondre ; une personne va prendre le relais.',
    human_will_answer: 'Une personne va vous répondre ici sous peu.',
    agent_joined: '{name} a rejoint la conversation.',
    answer_interrupted: 'La réponse a été interrompue ; veuillez renvoyer votre message.',
    not_delivered: 'Votre dernier message n’a pas pu être remis. Veuillez le renvoyer.',
    no_files: 'Les fichiers ne peuvent pas être envoyés dans ce chat ; votre texte a été remis sans eux.',
    mail_subject: '{name} a répondu à votre message',
    mail_continue: 'Poursuivre la conversation :',
  },
  es: {
    handoff_waiting: 'Esperando a que se una una persona.',
    handoff_bot_failed: 'El bot no pudo responder; una persona continuará.',
    human_will_answer: 'Una persona le responderá aquí en breve.',
    agent_joined: '{name} se unió a la conversación.',
    answer_interrupted: 'La respuesta se interrumpió; vuelva a enviar su mensaje.',
    not_delivered: 'Su último mensaje no se pudo entregar. Vuelva a enviarlo.',
    no_files: 'En este chat no se pueden enviar archivos; su texto se entregó sin ellos.',
    mail_subject: '{name} respondió a su mensaje',
    mail_continue: 'Continuar la conversación:',
  },
  it: {
    handoff_waiting: 'In attesa che una persona si unisca.',
    handoff_bot_failed: 'Il bot non è riuscito a rispondere; subentrerà una persona.',
    human_will_answer: 'Una persona risponderà qui a breve.',
    agent_joined: '{name} si è unito alla conversazione.',
    answer_interrupted: 'La risposta è stata interrotta; invii di nuovo il messaggio.',
    not_delivered: 'Non è stato possibile consegnare l’ultimo messaggio. Lo invii di nuovo.',
    no_files: 'In questa chat non si possono inviare file; il testo è stato consegnato senza.',
    mail_subject: '{name} ha risposto al suo messaggio',
    mail_continue: 'Continui la conversazione:',
  },
  pt: {
    handoff_waiting: 'Aguardando que uma pessoa entre na conversa.',
    handoff_bot_failed: 'O bot não conseguiu responder; uma pessoa vai assumir.',
    human_will_answer: 'Uma pessoa vai responder aqui em breve.',
    agent_joined: '{name} entrou na conversa.',
    answer_interrupted: 'A resposta foi interrompida; envie a sua mensagem novamente.',
    not_delivered: 'Não foi possível entregar a sua última mensagem. Envie-a novamente.',
    no_files: 'Não é possível enviar arquivos neste chat; o seu texto foi entregue sem eles.',
    mail_subject: '{name} respondeu à sua mensagem',
    mail_continue: 'Continuar a conversa:',
  },
  nl: {
    handoff_waiting: 'Wachten tot een medewerker meedoet.',
    handoff_bot_failed: 'De bot kon niet antwoorden; een medewerker neemt het over.',
    human_will_answer: 'Een medewerker antwoordt hier zo.',
    agent_joined: '{name} neemt deel aan het gesprek.',
    answer_interrupted: 'Het antwoord werd onderbroken; stuur uw bericht opnieuw.',
    not_delivered: 'Uw laatste bericht kon niet worden bezorgd. Stuur het opnieuw.',
    no_files: 'In deze chat kunnen geen bestanden worden verstuurd; uw tekst is zonder bestanden bezorgd.',
    mail_subject: '{name} heeft op uw bericht gereageerd',
    mail_continue: 'Ga verder met het gesprek:',
  },
  ru: {
    handoff_waiting: 'Ожидаем подключения сотрудника.',
    handoff_bot_failed: 'Бот не смог ответить; разговор продолжит сотрудник.',
    human_will_answer: 'Сотрудник скоро ответит здесь.',
    agent_joined: '{name} теперь в разговоре.',
    answer_interrupted: 'Ответ прервался; отправьте сообщение ещё раз.',
    not_delivered: 'Не удалось доставить ваше последнее сообщение. Отправьте его ещё раз.',
    no_files: 'В этом чате нельзя отправлять файлы; ваш текст доставлен без них.',
    mail_subject: '{name} ответил(а) на ваше сообщение',
    mail_continue: 'Продолжить разговор:',
  },
  ja: {
    handoff_waiting: '担当者の参加をお待ちください。',
    handoff_bot_failed: 'ボットが回答できませんでした。担当者が引き継ぎます。',
    human_will_answer: 'まもなく担当者がここで回答します。',
    agent_joined: '{name}が会話に参加しました。',
    answer_interrupted: '回答が中断されました。もう一度メッセージを送信してください。',
    not_delivered: '最後のメッセージを配信できませんでした。もう一度送信してください。',
    no_files: 'このチャットではファイルを送信できません。テキストのみ配信されました。',
    mail_subject: '{name}からメッセージへの返信があります',
    mail_continue: '会話を続ける：',
  },
  zh: {
    handoff_waiting: '正在等待人工客服加入。',
    handoff_bot_failed: '机器人无法回答，将由人工客服接手。',
    human_will_answer: '人工客服很快会在这里回复您。',
    agent_joined: '{name} 加入了对话。',
    answer_interrupted: '回答被中断，请重新发送您的消息。',
    not_delivered: '您的上一条消息未能送达，请重新发送。',
    no_files: '此聊天无法发送文件；您的文字已送达，文件未发送。',
    mail_subject: '{name} 回复了您的消息',
    mail_continue: '继续对话：',
  },
  ar: {
    handoff_waiting: 'في انتظار انضمام أحد الموظفين.',
    handoff_bot_failed: 'لم يتمكن الروبوت من الرد؛ سيتولى شخص المحادثة.',
    human_will_answer: 'سيرد عليك شخص هنا قريبًا.',
    agent_joined: 'انضم {name} إلى المحادثة.',
    answer_interrupted: 'انقطعت الإجابة؛ يُرجى إرسال رسالتك مرة أخرى.',
    not_delivered: 'تعذّر تسليم رسالتك الأخيرة. يُرجى إرسالها مرة أخرى.',
    no_files: 'لا يمكن إرسال الملفات في هذه المحادثة؛ تم تسليم نصك بدونها.',
    mail_subject: 'ردّ {name} على رسالتك',
    mail_continue: 'متابعة المحادثة:',
  },
  he: {
    handoff_waiting: 'ממתינים שנציג יצטרף.',
    handoff_bot_failed: 'הבוט לא הצליח לענות; נציג ימשיך את השיחה.',
    human_will_answer: 'נציג יענה כאן בקרוב.',
    agent_joined: '{name} בשיחה עכשיו.',
    answer_interrupted: 'התשובה נקטעה; נא לשלוח את ההודעה שוב.',
    not_delivered: 'לא ניתן היה למסור את ההודעה האחרונה. נא לשלוח אותה שוב.',
    no_files: 'לא ניתן לשלוח קבצים בצ׳אט הזה; הטקסט נמסר בלעדיהם.',
    mail_subject: '{name} השיב/ה להודעה שלך',
    mail_continue: 'להמשך השיחה:',
  },
  hi: {
    handoff_waiting: 'किसी व्यक्ति के जुड़ने की प्रतीक्षा है।',
    handoff_bot_failed: 'बॉट उत्तर नहीं दे सका; अब कोई व्यक्ति बातचीत संभालेगा।',
    human_will_answer: 'कोई व्यक्ति जल्द ही यहाँ उत्तर देगा।',
    agent_joined: '{name} बातचीत में शामिल हुए।',
    answer_interrupted: 'उत्तर बीच में रुक गया; कृपया अपना संदेश फिर से भेजें।',
    not_delivered: 'आपका पिछला संदेश नहीं पहुँच सका। कृपया इसे फिर से भेजें।',
    no_files: 'इस चैट में फ़ाइलें नहीं भेजी जा सकतीं; आपका टेक्स्ट उनके बिना भेज दिया गया।',
    mail_subject: '{name} ने आपके संदेश का उत्तर दिया',
    mail_continue: 'बातचीत जारी रखें:',
  },
};

/** The languages with a translation of every notice (the widget's built-in languages). */
export const NOTICE_LANGUAGES: readonly string[] = Object.keys(NOTICES);

/** The notice in `language` (its primary subtag; English when unknown), with `{name}` filled in. */
export function noticeText(key: NoticeKey, language: string, name = ''): string {
  const notices = NOTICES[primaryLanguage(language)] ?? NOTICES['en'];
  return (notices?.[key] ?? '').replace('{name}', name);
}

import {
  builtinUiStrings,
  CUSTOM_TEXT_KEYS,
  EN_UI_STRINGS,
  isRtlLanguage,
  mergeWidgetSettings,
  pickPublicSettings,
  primaryLanguage,
  PROTOCOL_VERSION,
  SETTING_KEYS,
  type PartialWidgetSettings,
  type WidgetPreviewMessage as PreviewMessage,
} from '@parley/protocol';

type Values = Readonly<Record<string, unknown>>;

/** The sample conversation, in the widget's language where we have one (an RTL preview needs RTL words). */
const SAMPLES: Readonly<Record<string, readonly [visitor: string, bot: string, reply: string]>> = {
  en: [
    'Do you ship to Canada?',
    'Yes! Orders to Canada arrive in **3–5 business days**.',
    'This is a preview: your bot answers here once the widget is saved.',
  ],
  fr: [
    'Livrez-vous au Canada ?',
    'Oui ! Les commandes arrivent au Canada en **3 à 5 jours ouvrés**.',
    'Ceci est un aperçu : votre bot répondra ici une fois le widget enregistré.',
  ],
  es: [
    '¿Envían a Canadá?',
    '¡Sí! Los pedidos llegan a Canadá en **3–5 días hábiles**.',
    'Esto es una vista previa: su bot responderá aquí cuando guarde el widget.',
  ],
  de: [
    'Liefern Sie nach Kanada?',
    'Ja! Bestellungen kommen in **3–5 Werktagen** in Kanada an.',
    'Dies ist eine Vorschau: Ihr Bot antwortet hier, sobald das Widget gespeichert ist.',
  ],
  ar: ['هل تشحنون إلى كندا؟', 'نعم! تصل الطلبات إلى كندا خلال **3–5 أيام عمل**.', 'هذه معاينة: سيجيب الروبوت هنا بعد حفظ الأداة.'],
  he: ['האם אתם שולחים לקנדה?', 'כן! הזמנות לקנדה מגיעות תוך **3–5 ימי עסקים**.', 'זוהי תצוגה מקדימה: הבוט יענה כאן לאחר שמירת הווידג׳ט.'],
};

/**
 * The widget's public config as the server would serve it for these (unsaved) settings, in the widget's
 * own language: built-in interface texts, with the owner's title, intro, initial and placeholder as typed
 * (setup translates them for other languages only when saved). A setting whose value is not valid yet
 * (`invalid` holds its key) keeps its saved value, so the preview never shows something the server refuses.
 */
export function previewMessage(id: string, values: Values, saved: Values, invalid: ReadonlySet<string>): PreviewMessage {
  const own: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const value = invalid.has(key) ? saved[key] : values[key];
    if (value !== undefined && value !== null) own[key] = value;
  }
  // Built from SETTING_KEYS only, and invalid values were replaced by saved ones above.
  const settings = mergeWidgetSettings(own as PartialWidgetSettings);
  const language = settings.language;
  const texts: Record<string, string> = {};
  for (const key of CUSTOM_TEXT_KEYS) if (settings[key].trim() !== '') texts[key] = settings[key];
  const [visitor, bot, reply] = SAMPLES[primaryLanguage(language)] ?? SAMPLES['en'] ?? ['', '', ''];
  return {
    parley: 'preview',
    config: {
      ...pickPublicSettings(settings),
      id,
      protocolVersion: PROTOCOL_VERSION,
      tools: settings.tools === true || (Array.isArray(settings.tools) && settings.tools.length > 0),
      language,
      // One language: the widget's language menu would fetch another config, and the preview fetches nothing.
      languages: [language],
      dir: isRtlLanguage(language) ? 'rtl' : 'ltr',
      strings: { ...(builtinUiStrings(language) ?? EN_UI_STRINGS), ...texts },
    },
    layout: settings.layout === 'bubble' ? 'bubble' : 'fullscreen',
    sample: [
      { role: 'visitor', text: visitor },
      { role: 'bot', text: bot },
    ],
    reply,
  };
}

/** The top-level keys that hold an error (`theme.primaryColor` → `theme`). */
export function invalidKeys(errors: Readonly<Record<string, string>>): Set<string> {
  return new Set(Object.keys(errors).map((path) => path.split('.')[0] ?? path));
}

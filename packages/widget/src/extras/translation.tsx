import type { ComponentType, VNode } from 'preact';
import { useState } from 'preact/hooks';
import type { Message } from '@parley/protocol';
import type { Controller } from '../ui/controller.js';
import { sheetAdopter } from './sheet.js';

/**
 * Live translation (docs/translation.md), a lazy extra: imported only when a message the visitor reads carries a
 * translation. The visitor reads the agent's (or bot's) words in their language, the original under "Show
 * original"; a failed translation shows the original, marked. Its few words live here, not in the core's strings.
 */
const WORDS: Readonly<Record<string, readonly [translated: string, show: string, hide: string, failed: string]>> = {
  en: ['Translated', 'Show original', 'Hide original', 'Not translated'],
  fr: ['Traduit', 'Voir l’original', 'Masquer l’original', 'Non traduit'],
  de: ['Übersetzt', 'Original anzeigen', 'Original ausblenden', 'Nicht übersetzt'],
  es: ['Traducido', 'Ver original', 'Ocultar original', 'Sin traducir'],
  it: ['Tradotto', 'Mostra originale', 'Nascondi originale', 'Non tradotto'],
  pt: ['Traduzido', 'Ver original', 'Ocultar original', 'Não traduzido'],
  nl: ['Vertaald', 'Origineel tonen', 'Origineel verbergen', 'Niet vertaald'],
  pl: ['Przetłumaczono', 'Pokaż oryginał', 'Ukryj oryginał', 'Nie przetłumaczono'],
  ar: ['مترجم', 'عرض الأصل', 'إخفاء الأصل', 'لم تتم الترجمة'],
  he: ['תורגם', 'הצג מקור', 'הסתר מקור', 'לא תורגם'],
  ja: ['翻訳済み', '原文を表示', '原文を隠す', '翻訳されていません'],
  zh: ['已翻译', '显示原文', '隐藏原文', '未翻译'],
};

const CSS = `.tr{display:block;margin-top:4px;font-size:12px;opacity:.85}
.tr button{background:none;border:0;padding:0;font:inherit;color:inherit;text-decoration:underline;cursor:pointer}
.tr-o{margin-top:6px;padding-inline-start:8px;border-inline-start:2px solid currentColor}`;
/** A ref callback: the shadow root gets this part's styles once. */
const adopt = sheetAdopter(CSS);

/** The core's Markdown renderer comes in as `md`: imported here, it would split the core into a shared chunk. */
type Md = ComponentType<{ readonly text: string; readonly math: boolean }>;

export interface TranslatedProps {
  readonly ctl: Controller;
  readonly message: Message;
  readonly md: Md;
}

export function Translated({ ctl, message, md: Markdown }: TranslatedProps): VNode {
  const [open, setOpen] = useState(false);
  const { language, math } = ctl.store.state.config;
  const words = WORDS[language.split('-')[0] ?? ''] ?? WORDS['en'] ?? ['', '', '', ''];
  const translation = message.translation;
  // The visitor's own words stay as they wrote them: their translation is for the agent.
  if (message.author.role === 'visitor') return <Markdown text={message.text} math={math} />;
  if (translation?.text === undefined) {
    return (
      <>
        <Markdown text={message.text} math={math} />
        <small class="tr" ref={adopt}>
          {words[3]}
        </small>
      </>
    );
  }
  return (
    <>
      <Markdown text={translation.text} math={math} />
      <small class="tr" ref={adopt}>
        {words[0]} ·{' '}
        <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? words[2] : words[1]}
        </button>
      </small>
      {open && (
        <div class="tr-o" lang={translation.from} dir="auto">
          <Markdown text={message.text} math={math} />
        </div>
      )}
    </>
  );
}

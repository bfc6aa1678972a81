import { useState } from 'preact/hooks';
import type { Message } from '@parley/protocol';
import { languageName } from '../ui/language-name.js';
import { Markdown } from './markdown.js';

/**
 * A message that was translated on the way through (docs/translation.md). The agent reads the visitor's words in
 * their own language, the original under "Show original"; their own (and the bot's) messages stay as written, the
 * translation the visitor got under "Show translation". A failed translation shows the original with a mark.
 */
export function TranslatedText(props: { readonly message: Message; readonly text: string }) {
  const { message, text } = props;
  const translation = message.translation;
  const [open, setOpen] = useState(false);
  if (translation === undefined) return <Markdown text={text} live={false} />;
  if (translation.failed === true || translation.text === undefined) {
    return (
      <>
        <Markdown text={text} live={false} />
        <p class="translation-note translation-failed">Not translated to {languageName(translation.to)}: the translator did not answer</p>
      </>
    );
  }
  // The visitor's words are read in the agent's language; what the desk side wrote stays as it was written.
  const forMe = message.author.role === 'visitor';
  const shown = forMe ? translation.text : text;
  const other = forMe ? text : translation.text;
  const note = forMe ? `Translated from ${languageName(translation.from)}` : `Sent to the visitor in ${languageName(translation.to)}`;
  const toggle = forMe ? (open ? 'Hide original' : 'Show original') : open ? 'Hide translation' : 'Show translation';
  return (
    <>
      <Markdown text={shown} live={false} />
      <p class="translation-note">
        <span>{note}</span>
        {' · '}
        <button type="button" class="link-button" aria-expanded={open} onClick={() => setOpen(!open)}>
          {toggle}
        </button>
      </p>
      {open ? (
        <div class="translation-other" lang={forMe ? translation.from : translation.to}>
          <Markdown text={other} live={false} />
        </div>
      ) : null}
    </>
  );
}

import MarkdownIt from 'markdown-it';
import type { InboxContact, InboxConversation } from '@parley/protocol';
import type { TranscriptEntry } from './transcript-lines.js';
import { escapeHtml } from '../http/html-text.js';

export const TRANSCRIPT_FORMATS = ['text', 'html', 'json'] as const;
export type TranscriptFormat = (typeof TRANSCRIPT_FORMATS)[number];

/** Who and what the transcript is about: read once, before the first message is written. */
export interface TranscriptHead {
  readonly conversation: InboxConversation;
  readonly contact: InboxContact;
  readonly widget: { readonly id: string; readonly name: string | null };
  readonly pageUrl: string | null;
  readonly exportedAt: Date;
  readonly timeZone: string;
  readonly locale: string;
  readonly notes: boolean;
}

/**
 * A transcript written as it is read: the caller passes pages of entries and the renderer yields
 * text, so a conversation of any length is exported in bounded memory (one page at a time).
 */
export async function* renderTranscript(format: TranscriptFormat, head: TranscriptHead, pages: AsyncIterable<readonly TranscriptEntry[]>) {
  switch (format) {
    case 'json':
      yield* renderJson(head, pages);
      return;
    case 'text':
      yield* renderText(head, pages);
      return;
    case 'html':
      yield* renderHtml(head, pages);
      return;
  }
}

// ---- shared: dates in the reader's time zone ----------------------------------------------------

/** Formatters made once per export (Intl builds an ICU formatter per call otherwise). */
function clock(head: TranscriptHead) {
  const options = { timeZone: head.timeZone };
  const day = new Intl.DateTimeFormat(head.locale, { ...options, dateStyle: 'full' });
  const time = new Intl.DateTimeFormat(head.locale, { ...options, timeStyle: 'short' });
  const full = new Intl.DateTimeFormat(head.locale, { ...options, dateStyle: 'medium', timeStyle: 'short' });
  return {
    day: (iso: string) => day.format(new Date(iso)),
    time: (iso: string) => time.format(new Date(iso)),
    full: (date: Date) => full.format(date),
  };
}

/** An entry with its time of day and, when it is the first of a new day, that day's heading. */
interface DatedEntry {
  readonly entry: TranscriptEntry;
  readonly day: string | null;
  readonly time: string;
}

/** The pages as they come (one output chunk each), every entry dated in the reader's zone. */
async function* byDay(pages: AsyncIterable<readonly TranscriptEntry[]>, when: ReturnType<typeof clock>): AsyncGenerator<DatedEntry[]> {
  let current = '';
  for await (const page of pages) {
    yield page.map((entry) => {
      const day = when.day(entry.at);
      const opens = day !== current;
      current = day;
      return { entry, day: opens ? day : null, time: when.time(entry.at) };
    });
  }
}

function contactLine(contact: InboxContact): string {
  const name = contact.name ?? (contact.email === null ? 'a visitor' : null);
  return [name, contact.email === null ? null : `<${contact.email}>`].filter((part) => part !== null).join(' ');
}

/** The head's facts as label/value pairs, in the order both the text and the HTML show them. */
function facts(head: TranscriptHead, when: (date: Date) => string): Array<readonly [string, string]> {
  const { conversation } = head;
  const rows: Array<readonly [string, string]> = [
    ['Widget', head.widget.name ?? head.widget.id],
    ['Status', conversation.status],
    ['Started', when(new Date(conversation.createdAt))],
  ];
  if (conversation.assignee !== null) rows.push(['Agent', conversation.assignee.name]);
  if (head.contact.phone !== null) rows.push(['Phone', head.contact.phone]);
  if (head.pageUrl !== null) rows.push(['Page', head.pageUrl]);
  rows.push(['Conversation', conversation.id]);
  rows.push(['Exported', when(head.exportedAt)], ['Time zone', head.timeZone]);
  if (head.notes) rows.push(['Private notes', 'included']);
  return rows;
}

function roleTag(entry: TranscriptEntry): string {
  if (entry.kind === 'note') return ' (private note)';
  return entry.role === 'bot' ? ' (bot)' : entry.role === 'agent' ? ' (agent)' : '';
}

function fileLine(file: NonNullable<TranscriptEntry['file']>): string {
  const size = file.size === null ? '' : `, ${formatBytes(file.size)}`;
  return `File: ${file.name} (${file.mimeType ?? 'file'}${size}) ${file.url}`;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

// ---- text ---------------------------------------------------------------------------------------

async function* renderText(head: TranscriptHead, pages: AsyncIterable<readonly TranscriptEntry[]>) {
  const when = clock(head);
  const lines = [`Conversation with ${contactLine(head.contact)}`, ...facts(head, when.full).map(([label, value]) => `${label}: ${value}`)];
  yield `${lines.join('\n')}\n`;
  let any = false;
  for await (const page of byDay(pages, when)) {
    let out = '';
    for (const { entry, day, time } of page) {
      any = true;
      if (day !== null) out += `\n— ${day} —\n`;
      const indent = ' '.repeat(time.length + 2);
      const body = [entry.text, ...(entry.file === null ? [] : [fileLine(entry.file)]), ...entry.details].filter((line) => line !== '');
      const [first = '', ...rest] = body.join('\n').split('\n');
      const lead = entry.kind === 'event' ? `${time}  · ${first}` : `${time}  ${entry.author}${roleTag(entry)}: ${first}`;
      out += `\n${lead}${rest.map((line) => (line === '' ? '\n' : `\n${indent}${line}`)).join('')}`;
    }
    yield out;
  }
  yield any ? '\n' : '\n(No messages.)\n';
}

// ---- HTML ---------------------------------------------------------------------------------------

/**
 * Markdown as the widget shows it: raw HTML off (so a message can never become markup), links kept
 * to http(s) and mailto by markdown-it's own validateLink, opened without the transcript as referrer.
 */
const markdown = new MarkdownIt({ html: false, linkify: true, breaks: true });
const defaultLinkOpen =
  markdown.renderer.rules['link_open'] ?? ((tokens, index, options, _env, self) => self.renderToken(tokens, index, options));
markdown.renderer.rules['link_open'] = (tokens, index, options, env, self) => {
  const token = tokens[index];
  token?.attrSet('rel', 'noopener noreferrer nofollow');
  token?.attrSet('target', '_blank');
  return defaultLinkOpen(tokens, index, options, env, self);
};

/** Printable on A4 and Letter: one column, no backgrounds needed, notes marked in words as well as colour. */
const STYLE = `
:root{color-scheme:light;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2330;background:#fff}
body{max-width:46rem;margin:2rem auto;padding:0 1.25rem}
h1{font-size:1.35rem;margin:0 0 .75rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:0 0 1.5rem;color:#4a5063;font-size:.9rem}
dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
h2{font-size:.85rem;font-weight:600;color:#4a5063;border-bottom:1px solid #d9dce5;padding-bottom:.25rem;margin:1.5rem 0 .5rem}
.log{list-style:none;margin:0;padding:0}
.log>li{display:grid;grid-template-columns:4.5rem 1fr;gap:.75rem;padding:.35rem 0;break-inside:avoid}
time{color:#4a5063;font-size:.85rem;padding-top:.1rem;font-variant-numeric:tabular-nums}
.who{font-weight:600}.role{font-weight:400;color:#4a5063;font-size:.85rem}
.body{overflow-wrap:anywhere}.body p{margin:.15rem 0}.body ul,.body ol{margin:.25rem 0;padding-left:1.25rem}.body pre{white-space:pre-wrap;background:#f3f4f7;padding:.5rem;border-radius:4px}
.body img{max-width:100%;height:auto}
.body .details{margin:.2rem 0 0;padding:0;list-style:none;color:#4a5063;font-size:.9rem}
.note .body{background:#fff6d6;border-left:3px solid #b58900;padding:.25rem .5rem}
.event{color:#4a5063;font-style:italic}
a{color:#1d4ed8}
@media print{body{margin:0;max-width:none}a{color:inherit}}
`;

async function* renderHtml(head: TranscriptHead, pages: AsyncIterable<readonly TranscriptEntry[]>) {
  const when = clock(head);
  const title = `Conversation with ${contactLine(head.contact)}`;
  const dl = facts(head, when.full)
    .map(([label, value]) => `<dt>${escapeHtml(label)}</dt><dd><bdi>${escapeHtml(value)}</bdi></dd>`)
    .join('');
  // The labels are English; names, dates in the reader's locale and URLs are isolated so an RTL value keeps its order.
  yield `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main><h1>${escapeHtml(title)}</h1><dl>${dl}</dl>`;
  // The first entry opens the first day, so `any` also says whether a day's list is open.
  let any = false;
  for await (const page of byDay(pages, when)) {
    let out = '';
    for (const { entry, day, time } of page) {
      if (day !== null) out += `${any ? '</ol></section>' : ''}<section><h2><bdi>${escapeHtml(day)}</bdi></h2><ol class="log">`;
      any = true;
      out += htmlEntry(entry, time);
    }
    yield out;
  }
  yield `${any ? '</ol></section>' : '<p>No messages.</p>'}</main></body></html>\n`;
}

function htmlEntry(entry: TranscriptEntry, time: string): string {
  const stamp = `<time datetime="${escapeHtml(entry.at)}"><bdi>${escapeHtml(time)}</bdi></time>`;
  if (entry.kind === 'event') return `<li class="event">${stamp}<div class="body">${escapeHtml(entry.text)}</div></li>`;
  const file =
    entry.file === null
      ? ''
      : `<p>File: <a href="${escapeHtml(entry.file.url)}" rel="noopener noreferrer nofollow" target="_blank">${escapeHtml(entry.file.name)}</a> <span class="role">(${escapeHtml(
          entry.file.mimeType ?? 'file',
        )}${entry.file.size === null ? '' : `, ${formatBytes(entry.file.size)}`})</span></p>`;
  const details =
    entry.details.length === 0 ? '' : `<ul class="details">${entry.details.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>`;
  const role = roleTag(entry).trim();
  return `<li class="${entry.kind === 'note' ? 'note' : entry.role}">${stamp}<div><bdi class="who">${escapeHtml(entry.author)}</bdi>${
    role === '' ? '' : ` <span class="role">${escapeHtml(role)}</span>`
  }<div class="body">${entry.text === '' ? '' : markdown.render(entry.text)}${file}${details}</div></div></li>`;
}

// ---- JSON ---------------------------------------------------------------------------------------

async function* renderJson(head: TranscriptHead, pages: AsyncIterable<readonly TranscriptEntry[]>) {
  const opening = {
    object: 'transcript',
    conversation: head.conversation,
    contact: head.contact,
    widget: head.widget,
    pageUrl: head.pageUrl,
    timeZone: head.timeZone,
    notes: head.notes,
    exportedAt: head.exportedAt.toISOString(),
  };
  // The object is written around the streamed array: everything but `messages`, then the array.
  yield `${JSON.stringify(opening).slice(0, -1)},"messages":[`;
  let first = true;
  for await (const page of pages) {
    if (page.length === 0) continue;
    yield `${first ? '' : ','}${page.map((entry) => JSON.stringify(entry)).join(',')}`;
    first = false;
  }
  yield ']}\n';
}

import type { ComponentChildren } from 'preact';

/**
 * A small Markdown subset for message bubbles: paragraphs, line breaks, `- ` lists, **bold**,
 * *italic*, `code`, ``` blocks and [links](https://…). It builds vnodes from text and never
 * parses HTML, so a message cannot inject markup; links are limited to http(s) and mailto.
 */
export function Markdown(props: { text: string; live?: boolean }) {
  // A streamed reply changes with every piece: kept, its partial texts would only push real messages out.
  return <div class="md">{props.live === true ? blocks(props.text) : parsed(props.text)}</div>;
}

/** A Markdown text as the words a reader sees, marks removed: for one-line previews such as the inbox list's. */
export function plainText(text: string): string {
  return textOf(parsed(text)).replace(/\s+/g, ' ').trim();
}

/** The text of rendered vnodes; blocks and line breaks end with a space so their words stay apart. */
function textOf(node: ComponentChildren): string {
  if (typeof node === 'string' || typeof node === 'number') return String(node);
  if (Array.isArray(node)) return node.map(textOf).join('');
  if (typeof node !== 'object' || node === null || !('props' in node)) return '';
  const children = (node.props as { readonly children?: ComponentChildren }).children;
  return textOf(children) + (/^(p|li|br|pre)$/.test(String(node.type)) ? ' ' : '');
}

/** Texts parsed lately: a message's Markdown is parsed once, not on every render of the timeline. */
const PARSED = new Map<string, ComponentChildren[]>();
const KEEP_PARSED = 400;

function parsed(text: string): ComponentChildren[] {
  let nodes = PARSED.get(text);
  if (nodes === undefined) {
    nodes = blocks(text);
    // Preact clones a vnode already mounted elsewhere, so the same nodes may serve several messages.
    if (PARSED.size >= KEEP_PARSED) PARSED.delete(PARSED.keys().next().value ?? '');
    PARSED.set(text, nodes);
  }
  return nodes;
}

function blocks(text: string): ComponentChildren[] {
  return text.split(/```/).map((block, index) =>
    index % 2 === 1 ? (
      <pre>
        <code>{block.replace(/^[a-z]*\n/, '')}</code>
      </pre>
    ) : (
      paragraphs(block)
    ),
  );
}

function paragraphs(text: string): ComponentChildren[] {
  return text
    .split(/\n{2,}/)
    .filter((part) => part.trim() !== '')
    .map((part) => {
      const lines = part.split('\n');
      if (lines.every((line) => /^\s*[-*] /.test(line))) {
        return (
          <ul>
            {lines.map((line) => (
              <li>{inline(line.replace(/^\s*[-*] /, ''))}</li>
            ))}
          </ul>
        );
      }
      return <p>{lines.flatMap((line, i) => (i === 0 ? inline(line) : [<br />, ...inline(line)]))}</p>;
    });
}

const TOKEN = /(`[^`]+`|\*\*[^*]+\*\*|\*[^*\s][^*]*\*|_[^_\s][^_]*_|\[[^\]]+\]\([^)\s]+\)|https?:\/\/[^\s<>()]+)/g;

function inline(text: string): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  let last = 0;
  for (const found of text.matchAll(TOKEN)) {
    const token = found[0];
    const at = found.index;
    if (at > last) out.push(text.slice(last, at));
    last = at + token.length;
    if (token.startsWith('`')) out.push(<code>{token.slice(1, -1)}</code>);
    else if (token.startsWith('**')) out.push(<strong>{token.slice(2, -2)}</strong>);
    else if (token.startsWith('*') || token.startsWith('_')) out.push(<em>{token.slice(1, -1)}</em>);
    else if (token.startsWith('[')) {
      const close = token.indexOf('](');
      out.push(link(token.slice(close + 2, -1), token.slice(1, close)));
    } else out.push(link(token, token));
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function link(href: string, label: string): ComponentChildren {
  if (!/^(https?:|mailto:)/i.test(href)) return label;
  return (
    <a href={href} target="_blank" rel="noopener noreferrer">
      {label}
    </a>
  );
}

import type { ComponentChildren, VNode } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/**
 * Markdown → Preact vnodes, never HTML: text is only ever a text node, so nothing anyone writes
 * (visitor, bot, agent, webhook) can inject markup. Covers what chat messages use: paragraphs, line
 * breaks, lists, headings, quotes, code, bold/italic/strike, links (http, https, mailto only), and
 * math (`$…$`, `$$…$$`, `\(…\)`) whose renderer is loaded only when a message has math.
 */
export function Markdown({ text, math, live }: { readonly text: string; readonly math: boolean; readonly live?: boolean }): VNode {
  // A streamed reply changes with every piece: kept, its partial texts would only push real messages out.
  return <>{live === true ? blocks(text, math) : parsed(text, math)}</>;
}

/** A Markdown text as the words a reader sees, marks removed: for one-line previews such as the peek above the launcher. */
export function plainText(text: string): string {
  return textOf(blocks(text, false)).replace(/\s+/g, ' ').trim();
}

/** The text of rendered vnodes; blocks and line breaks end with a space so their words stay apart. */
function textOf(node: ComponentChildren): string {
  if (typeof node === 'string') return node;
  if (Array.isArray(node)) return node.map(textOf).join('');
  if (typeof node !== 'object' || node === null || !('props' in node)) return '';
  const props = node.props as { readonly children?: ComponentChildren; readonly tex?: string };
  return textOf(props.children ?? props.tex) + (/^(p|li|br|h3|pre)$/.test(String(node.type)) ? ' ' : '');
}

/** Texts parsed lately: a message's Markdown is parsed once, not on every render of the list around it. */
const PARSED = new Map<string, ComponentChildren[]>();
const KEEP_PARSED = 400;

function parsed(text: string, math: boolean): ComponentChildren[] {
  const key = (math ? 'm' : 't') + text;
  let nodes = PARSED.get(key);
  if (nodes === undefined) {
    nodes = blocks(text, math);
    // Preact clones a vnode that is already mounted elsewhere, so the same nodes may serve several messages.
    if (PARSED.size >= KEEP_PARSED) PARSED.delete(PARSED.keys().next().value ?? '');
    PARSED.set(key, nodes);
  }
  return nodes;
}

/** A list item's marker: `-`, `*`, `+`, `1.` or `1)`. */
const LIST_ITEM = /^\s*([-*+]|\d+[.)])\s+/;

function blocks(text: string, math: boolean): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    if (line.trim() === '') {
      i++;
      continue;
    }
    if (line.startsWith('```')) {
      const code: string[] = [];
      for (i++; i < lines.length && !(lines[i] ?? '').startsWith('```'); i++) code.push(lines[i] ?? '');
      i++;
      out.push(
        <pre>
          <code>{code.join('\n')}</code>
        </pre>,
      );
      continue;
    }
    if (math && line.trim().startsWith('$$')) {
      const tex: string[] = [line.trim().slice(2)];
      while (!tex.join('\n').includes('$$') && i + 1 < lines.length) tex.push(lines[++i] ?? '');
      i++;
      out.push(<MathView tex={tex.join('\n').replace(/\$\$\s*$/, '')} display />);
      continue;
    }
    const heading = /^(#{1,4})\s+(.*)$/.exec(line);
    if (heading !== null) {
      out.push(<h3>{inline(heading[2] ?? '', math)}</h3>);
      i++;
      continue;
    }
    const listMatch = LIST_ITEM.exec(line);
    if (listMatch !== null) {
      const ordered = /\d/.test(listMatch[1] ?? '');
      const items: ComponentChildren[] = [];
      while (i < lines.length && LIST_ITEM.test(lines[i] ?? '')) {
        items.push(<li>{inline((lines[i] ?? '').replace(LIST_ITEM, ''), math)}</li>);
        i++;
      }
      out.push(ordered ? <ol>{items}</ol> : <ul>{items}</ul>);
      continue;
    }
    if (line.startsWith('>')) {
      const quote: string[] = [];
      while (i < lines.length && (lines[i] ?? '').startsWith('>')) quote.push((lines[i++] ?? '').replace(/^>\s?/, ''));
      out.push(<blockquote>{blocks(quote.join('\n'), math)}</blockquote>);
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && (lines[i] ?? '').trim() !== '' && !/^(```|#{1,4}\s|>|\s*([-*+]|\d+[.)])\s)/.test(lines[i] ?? '')) {
      para.push(lines[i++] ?? '');
    }
    if (para.length === 0) para.push(lines[i++] ?? '');
    out.push(<p>{para.flatMap((part, n) => (n === 0 ? inline(part, math) : [<br />, ...inline(part, math)]))}</p>);
  }
  return out;
}

/**
 * One inline token at a time. `_` and `__` close only before a non-word character and open only after
 * one (checked in `inline`): CommonMark's rule, so `my_var_name` stays as written. Inline `$…$` math, as
 * Pandoc and KaTeX's auto-render read it: no space just inside either `$` and no digit right after the
 * closing one, so prices ("$5 and $10") stay text.
 */
const INLINE =
  /(`[^`]+`)|(\*\*[^*]+\*\*|__[^_]+__(?![\p{L}\p{N}_]))|(\*[^*\s][^*]*\*|_[^_\s][^_]*_(?![\p{L}\p{N}_]))|(~~[^~]+~~)|(\[[^\]]+\]\([^)\s]+\))|(https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"])|(\\\(.+?\\\)|\$\$[^$]+\$\$|\$[^\s$](?:[^$]*[^\s$])?\$(?!\d))/u;

function inline(text: string, math: boolean): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  let rest = text;
  while (rest !== '') {
    const match = INLINE.exec(rest);
    if (match === null) {
      out.push(rest);
      break;
    }
    const token = match[0];
    // An underscore inside a word (`snake_case`) is a letter of it, not emphasis.
    const at = match.index;
    if (token[0] === '_' && at > 0 && /[\p{L}\p{N}_]/u.test(rest[at - 1] ?? '')) {
      out.push(rest.slice(0, at + 1));
      rest = rest.slice(at + 1);
      continue;
    }
    if (at > 0) out.push(rest.slice(0, at));
    rest = rest.slice(at + token.length);
    if (match[1] !== undefined) out.push(<code>{token.slice(1, -1)}</code>);
    else if (match[2] !== undefined) out.push(<strong>{inline(token.slice(2, -2), math)}</strong>);
    else if (match[3] !== undefined) out.push(<em>{inline(token.slice(1, -1), math)}</em>);
    else if (match[4] !== undefined) out.push(<s>{inline(token.slice(2, -2), math)}</s>);
    else if (match[5] !== undefined) {
      const split = token.lastIndexOf('](');
      out.push(link(token.slice(split + 2, -1), inline(token.slice(1, split), math)));
    } else if (match[6] !== undefined) out.push(link(token, [token]));
    else if (match[7] !== undefined) {
      // `$x$` has one-character delimiters; `$$x$$` and `\(x\)`, two.
      const cut = token[1] === '$' || token[0] === '\\' ? 2 : 1;
      out.push(math ? <MathView tex={token.slice(cut, -cut)} display={token[1] === '$'} /> : token);
    }
  }
  return out;
}

/** Only web and mail links: `javascript:` and `data:` URLs stay plain text. */
function link(href: string, children: ComponentChildren[]): ComponentChildren {
  if (!/^(https?:|mailto:)/i.test(href)) return children;
  return (
    <a href={href} target="_blank" rel="noopener noreferrer nofollow">
      {children}
    </a>
  );
}

/** Shows the TeX source until the math extra (KaTeX, MathML output: no fonts, no CSS) has loaded. */
function MathView({ tex, display }: { readonly tex: string; readonly display: boolean }): VNode {
  const ref = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    let live = true;
    void import('../extras/math.js').then(({ renderMath }) => {
      if (live && ref.current !== null) renderMath(ref.current, tex, display);
    });
    return () => void (live = false);
  }, [tex, display]);
  return <span ref={ref}>{tex}</span>;
}

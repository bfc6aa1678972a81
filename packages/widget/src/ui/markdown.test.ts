import { describe, expect, it } from 'vitest';
import type { ComponentChildren } from 'preact';
import { Markdown, plainText } from './markdown.js';

/** The vnodes as compact HTML-like text; math shows as `<math:tex>` (inline) or `<MATH:tex>` (display). */
function html(node: ComponentChildren): string {
  if (typeof node === 'string' || typeof node === 'number') return String(node);
  if (Array.isArray(node)) return node.map(html).join('');
  if (typeof node !== 'object' || node === null || !('props' in node)) return '';
  const props = node.props as { children?: ComponentChildren; tex?: string; display?: boolean; href?: string };
  if (typeof node.type === 'function') {
    if (props.tex !== undefined) return `<${props.display === true ? 'MATH' : 'math'}:${props.tex}>`;
    return html(props.children);
  }
  const tag = String(node.type);
  return `<${tag}${props.href === undefined ? '' : ` ${props.href}`}>${html(props.children)}</${tag}>`;
}
const md = (text: string, math = false): string => html(Markdown({ text, math }));

describe('Markdown', () => {
  it('keeps underscores inside words as letters (CommonMark): my_var_name is not emphasis', () => {
    expect(md('set my_var_name and snake_case_too')).toBe('<p>set my_var_name and snake_case_too</p>');
    expect(md('call __init__ from foo__bar__baz')).toBe('<p>call <strong>init</strong> from foo__bar__baz</p>');
  });

  it('still reads underscores around a word as emphasis', () => {
    expect(md('this is _important_, really')).toBe('<p>this is <em>important</em>, really</p>');
    expect(md('(_a_) and __b__!')).toBe('<p>(<em>a</em>) and <strong>b</strong>!</p>');
    expect(md('*star* and **bold**')).toBe('<p><em>star</em> and <strong>bold</strong></p>');
  });

  it('renders inline $…$ math when math is on, and leaves it as written when off', () => {
    expect(md('Euler: $e^{i\\pi}+1=0$ holds', true)).toBe('<p>Euler: <math:e^{i\\pi}+1=0> holds</p>');
    expect(md('Euler: $e^{i\\pi}+1=0$ holds', false)).toBe('<p>Euler: $e^{i\\pi}+1=0$ holds</p>');
    expect(md('inline \\(x^2\\) and $$y$$', true)).toBe('<p>inline <math:x^2> and <MATH:y></p>');
  });

  it('does not take prices for math: a space inside a $ or a digit after the closing one', () => {
    expect(md('It costs $5 and $10 a month', true)).toBe('<p>It costs $5 and $10 a month</p>');
    expect(md('between $5,$10 and $ 3 $', true)).toBe('<p>between $5,$10 and $ 3 $</p>');
  });

  it('renders a display block between $$ lines', () => {
    expect(md('$$\n\\frac{a}{b}\n$$', true)).toBe('<MATH:\n\\frac{a}{b}\n>');
  });
});

describe('plainText', () => {
  it('removes the marks and keeps the words, one space between blocks', () => {
    expect(plainText('**Demo admin** joined')).toBe('Demo admin joined');
    expect(plainText('# Plans\n- _Basic_: free\n- [Pro](https://example.com): `$9`')).toBe('Plans Basic: free Pro: $9');
    expect(plainText('line one\nline two')).toBe('line one line two');
  });
});

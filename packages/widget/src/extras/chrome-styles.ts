// The chrome extra's styles: the restart question, the mail dialog, the peek, the language choice, the emoji frame.

const CHROME_CSS = `
.btn{border:0;border-radius:10px;background:var(--p-primary);color:var(--p-on-primary);padding:9px 14px;font-weight:600}
.btn.ghost{background:var(--p-soft);color:var(--p-fg)}
.peek{max-width:300px;background:var(--p-bg);color:var(--p-fg);border-radius:var(--p-radius);box-shadow:0 8px 28px rgba(16,24,40,.18);position:relative;font-size:14px;border:1px solid var(--p-line)}
.peek-open{display:block;width:100%;border:0;background:none;padding:12px;padding-inline:14px 36px;text-align:start;border-radius:inherit}
.peek b{display:block;font-size:13px;margin-bottom:2px}
.peek .x{position:absolute;top:6px;inset-inline-end:6px;border:0;background:none;width:26px;height:26px;border-radius:50%;color:var(--p-muted);display:grid;place-items:center}
.peek .x:hover{background:var(--p-soft)}
.peek .x svg{width:16px;height:16px}
.peek p{margin:0;display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical;overflow:hidden}
.head select{background:rgba(0,0,0,.18);border:0;color:inherit;border-radius:8px;padding:4px 2px;font-size:13px;max-width:58px;margin-inline-end:2px}
.head select option{color:#1b1f24}
.overlay{position:absolute;inset:0;background:rgba(16,24,40,.45);display:grid;place-items:center;z-index:5;padding:24px}
.dialog{background:var(--p-bg);border-radius:var(--p-radius);padding:18px;max-width:300px;box-shadow:0 10px 30px rgba(0,0,0,.25)}
.dialog p{margin:0 0 14px}
.dialog .row2{display:flex;gap:8px;justify-content:flex-end}
.emoji{position:absolute;bottom:58px;inset-inline-end:10px;width:280px;max-width:calc(100% - 20px);max-height:240px;overflow:auto;background:var(--p-bg);border:1px solid var(--p-line);border-radius:12px;box-shadow:0 8px 24px rgba(0,0,0,.16);padding:8px;display:grid;grid-template-columns:repeat(8,1fr);gap:2px;z-index:4}
.emoji button{border:0;background:none;font-size:20px;padding:3px;border-radius:6px}
.emoji button:hover{background:var(--p-soft)}
.mail{color:var(--p-fg);width:300px;max-width:100%}
.mail h3{margin:0 0 12px;font-size:16px;line-height:1.3}
.mail p{margin:0 0 12px;font-size:14px}
.mail label{display:flex;flex-direction:column;gap:4px;font-size:13px;font-weight:600;margin-bottom:12px}
.mail input{width:100%;min-width:0;border:1px solid #8a929c;border-radius:8px;padding:8px 10px;font-size:14px;background:var(--p-bg);color:var(--p-fg);font-weight:400}
.mail .err{color:#b3261e;font-size:12.5px;font-weight:500}
.dark .mail .err{color:#ffb4ab}
`;
let sheet: CSSStyleSheet | undefined;

/**
 * A ref callback: the widget's shadow root gets these styles once. (Each extra keeps its own copy, as
 * rich.tsx and unfurl.tsx do: a module two extras import becomes a chunk of its own, a second round trip.
 * Only the chrome extra's own modules import this one, so it stays inside the chrome chunk; the extras the chrome
 * loads get it as a prop.)
 */
export function adoptChromeStyles(element: Element | null): void {
  const root = element?.getRootNode();
  if (!(root instanceof ShadowRoot)) return;
  if (sheet === undefined) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CHROME_CSS);
  }
  if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
}

import type { Theme } from '@parley/protocol';

/** Colours that meet WCAG AA against the defaults; a site's theme replaces them through custom properties. */
export function themeVariables(theme: Theme, dark: boolean): string {
  const base = dark
    ? { bg: '#16191d', fg: '#eef1f4', soft: '#23272e', muted: '#aab2bd', line: '#343a42' }
    : { bg: theme.backgroundColor ?? '#ffffff', fg: theme.textColor ?? '#1b1f24', soft: '#f1f3f6', muted: '#59626e', line: '#e2e5ea' };
  const primary = theme.primaryColor ?? '#1f5fd1';
  return [
    `--p-primary:${primary}`,
    // The primary colour as text or outline on the window's background: on the dark one, mixed with white to keep 4.5:1.
    `--p-accent:${dark ? mixWhite(primary, 0.55) : primary}`,
    `--p-on-primary:${theme.textOnPrimaryColor ?? '#ffffff'}`,
    `--p-bg:${base.bg}`,
    `--p-fg:${base.fg}`,
    `--p-soft:${base.soft}`,
    `--p-muted:${base.muted}`,
    `--p-line:${base.line}`,
    `--p-radius:${theme.radius ?? 14}px`,
    `--p-font:${theme.fontFamily ?? 'system-ui,-apple-system,"Segoe UI",Roboto,sans-serif'}`,
    `--p-x:${theme.offsetX ?? 20}px`,
    `--p-y:${theme.offsetY ?? 20}px`,
  ].join(';');
}

/** `#rgb`, `#rrggbb` or `#rrggbbaa` (the theme's colours are validated hex) mixed with `share` of white, as `#rrggbb`. */
function mixWhite(hex: string, share: number): string {
  const digits = hex.length < 7 ? hex.replace(/\w/g, '$&$&').slice(1) : hex.slice(1);
  const channel = (at: number) => Math.round(parseInt(digits.slice(at, at + 2), 16) * (1 - share) + 255 * share);
  return `#${[0, 2, 4].map((at) => channel(at).toString(16).padStart(2, '0')).join('')}`;
}

/** The whole stylesheet, scoped by the shadow root: nothing leaks in or out. */
export const CSS = `
:host{all:initial;display:contents}
*{box-sizing:border-box}
.root{font-family:var(--p-font);font-size:15px;line-height:1.45;color:var(--p-fg);-webkit-font-smoothing:antialiased}
button,input,textarea,select{font:inherit;color:inherit}
button{cursor:pointer}
:focus-visible{outline:2px solid var(--p-accent);outline-offset:2px}
.root.fill{height:100%}
[dir=rtl] .float{align-items:flex-start}[dir=rtl].left .float{align-items:flex-end}
.dark .chip{color:var(--p-fg)}.dark .head :focus-visible{outline-color:currentColor}.dark .bub a{color:inherit}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.float{position:fixed;bottom:var(--p-y);right:var(--p-x);z-index:2147483000;display:flex;flex-direction:column;align-items:flex-end;gap:14px}
.left .float{right:auto;left:var(--p-x);align-items:flex-start}
.launcher{position:relative;width:60px;height:60px;border-radius:50%;border:0;background:var(--p-primary);color:var(--p-on-primary);box-shadow:0 6px 20px rgba(16,24,40,.25),0 2px 6px rgba(16,24,40,.15);display:grid;place-items:center;transition:transform .15s ease}
.launcher:hover{transform:scale(1.06)}
.launcher svg{width:28px;height:28px}
.badge{position:absolute;top:-3px;right:-3px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#c62828;color:#fff;font-size:12px;font-weight:700;display:grid;place-items:center;border:2px solid #fff}
.win{width:380px;height:min(640px,calc(100vh - 120px));background:var(--p-bg);border-radius:calc(var(--p-radius) + 4px);box-shadow:0 12px 48px rgba(16,24,40,.22),0 2px 8px rgba(16,24,40,.1);display:flex;flex-direction:column;overflow:hidden;border:1px solid var(--p-line);animation:pop .18s ease-out}
.win.max{width:min(760px,calc(100vw - 40px));height:calc(100vh - 120px)}
@keyframes pop{from{opacity:0;transform:translateY(12px) scale(.98)}to{opacity:1;transform:none}}
@media (prefers-reduced-motion:reduce){.win{animation:none}.launcher{transition:none}}
.inline .win,.full .win{width:100%;height:100%;border-radius:0;box-shadow:none;animation:none}
.inline{height:100%;min-height:420px;display:flex}
.inline .win{border-radius:var(--p-radius)}
.full{position:fixed;inset:0;z-index:2147483000;display:flex}
.full .head,.full .compose,.full .conn{padding-inline:max(14px,calc(50% - 360px))}.full .inner{max-width:720px;margin:0 auto}
@media (max-width:480px){.float .win{position:fixed;inset:0;width:100%;height:100%;border-radius:0;border:0}.float.open .launcher,.float.open .peek,.float .max-btn{display:none}}
.head{background:var(--p-primary);color:var(--p-on-primary);padding:14px 8px 14px 14px;display:flex;align-items:center;gap:10px;flex:none}
.head .who{flex:1;min-width:0}
.head h2{font-size:17px;line-height:1.25;margin:0;font-weight:650;overflow-wrap:anywhere;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden}
.head .avail{font-size:13px;line-height:1.3;opacity:.92;display:flex;align-items:baseline;gap:6px;margin-top:2px}
.head .avail span:last-child{display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden}
.dot{width:8px;height:8px;border-radius:50%;background:#7ee2a8;flex:none;align-self:center}.dot.away{background:none;box-shadow:inset 0 0 0 1.5px currentColor}
.ctl{display:flex;gap:2px;flex:none}
.ib{border:0;background:transparent;color:inherit;width:32px;height:34px;border-radius:9px;display:grid;place-items:center;padding:0}
.ib:hover{background:rgba(255,255,255,.16)}
.ib svg{width:19px;height:19px}
.conn{background:#fff4d6;color:#5c4400;font-size:13px;padding:6px 14px;text-align:center;flex:none}
.log{flex:1;overflow-y:auto;padding:16px 14px 8px;overscroll-behavior:contain;position:relative}
.inner{display:flex;flex-direction:column;gap:3px}
.intro{text-align:center;padding:4px 18px 10px;margin:0 0 6px;font-size:13.5px;color:var(--p-muted);border-bottom:1px solid var(--p-line)}
.ava{width:36px;height:36px;border-radius:50%;background:rgba(255,255,255,.2);display:grid;place-items:center;font-weight:700;font-size:16px;flex:none;overflow:hidden}
.ava img{width:100%;height:100%;object-fit:cover}
.day{align-self:center;font-size:12px;color:var(--p-muted);margin:12px 0 6px;font-weight:600}
.earlier{align-self:center;border:1px solid var(--p-line);background:var(--p-bg);color:var(--p-muted);border-radius:14px;padding:5px 12px;font-size:12.5px;font-weight:600;margin:0 0 8px}
.row{display:flex;flex-direction:column;align-items:flex-start;max-width:100%}
.row.me{align-items:flex-end}
.name{font-size:12.5px;color:var(--p-muted);margin:10px 2px 4px;display:flex;align-items:center;gap:6px;font-weight:600}
.name .ava{width:24px;height:24px;font-size:10.5px;background:var(--p-primary);color:var(--p-on-primary)}
.tag{font-size:10.5px;font-weight:700;border:1px solid var(--p-line);border-radius:6px;padding:0 5px;text-transform:uppercase;letter-spacing:.03em}
.me.start{margin-top:10px}
.bub{max-width:min(82%,34em);padding:9px 13px;border-radius:18px;background:var(--p-soft);color:var(--p-fg);overflow-wrap:anywhere;border-start-start-radius:6px}
.me .bub{background:var(--p-primary);color:var(--p-on-primary);border-start-start-radius:18px;border-start-end-radius:6px}
.me .bub a{color:inherit}
.bub a{color:var(--p-primary);text-decoration:underline}
.bub p{margin:0 0 6px}.bub p:last-child{margin:0}
.bub ul,.bub ol{margin:4px 0;padding-inline-start:20px}
.bub pre{background:rgba(0,0,0,.07);padding:8px;border-radius:8px;overflow-x:auto;font-size:13px;margin:6px 0}
.bub code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.92em;background:rgba(0,0,0,.07);padding:1px 4px;border-radius:4px}
.bub pre code{background:none;padding:0}
.bub blockquote{margin:4px 0;padding-inline-start:10px;border-inline-start:3px solid var(--p-line)}
.bub h3,.bub h4{margin:4px 0;font-size:1em}
.pending .bub{opacity:.7}
.failed .bub{background:#fde8e8;color:#7a1d1d}
.meta{font-size:11.5px;color:var(--p-muted);margin:3px 6px 6px;display:flex;gap:6px;align-items:center}
.meta button{border:0;background:none;color:#b3261e;text-decoration:underline;padding:0;font-size:12px}.dark .meta button{color:#ffb4ab}
.sys{align-self:center;font-size:13px;color:var(--p-muted);margin:8px 0;text-align:center;unicode-bidi:plaintext}
.qr{display:flex;flex-wrap:wrap;gap:6px;margin:6px 0 4px;justify-content:flex-end;align-self:flex-end;max-width:90%}
.chip{border:1.5px solid var(--p-accent);color:var(--p-accent);background:var(--p-bg);border-radius:18px;padding:6px 13px;font-size:14px;font-weight:550}
.chip:hover{background:var(--p-primary);color:var(--p-on-primary)}
.typing{display:flex;gap:4px;padding:12px 14px;background:var(--p-soft);border-radius:18px;border-start-start-radius:6px;width:max-content;margin-top:6px}
.typing i{width:7px;height:7px;border-radius:50%;background:var(--p-muted);animation:blink 1.2s infinite}
.typing i:nth-child(2){animation-delay:.2s}.typing i:nth-child(3){animation-delay:.4s}
@keyframes blink{0%,60%,100%{opacity:.3}30%{opacity:1}}
.jump{position:absolute;bottom:86px;left:50%;transform:translateX(-50%);border:0;border-radius:18px;background:var(--p-fg);color:var(--p-bg);padding:7px 14px;font-size:13px;font-weight:600;box-shadow:0 4px 14px rgba(0,0,0,.2);z-index:2}
.compose{border-top:1px solid var(--p-line);padding:10px 10px 10px 14px;display:flex;align-items:flex-end;gap:6px;flex:none;position:relative}
.compose textarea{flex:1;border:0;resize:none;background:transparent;max-height:120px;padding:7px 0;outline:none;min-height:22px}
.compose .ib{color:var(--p-muted)}
.compose .ib:hover{background:var(--p-soft);color:var(--p-fg)}
.compose .send{color:var(--p-accent)}
.compose .hint{flex:1;align-self:center;border:0;background:none;padding:7px 0;text-align:start;color:var(--p-muted);text-decoration:underline;text-underline-offset:3px}
.compose .send:disabled{color:var(--p-muted);opacity:.6;cursor:default}
.foot{font-size:11.5px;color:var(--p-muted);text-align:center;padding:0 0 8px;flex:none}
.foot a{color:inherit}
.winwrap{position:relative;display:flex;flex-direction:column;height:100%}
.stream .bub>:last-child::after{content:"▍";opacity:.6;margin-inline-start:1px}
`;

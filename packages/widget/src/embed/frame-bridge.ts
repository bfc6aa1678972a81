import type { WidgetHandle } from '../api/options.js';

const VERBS = ['open', 'close', 'toggle', 'show', 'hide', 'identify', 'setAttributes', 'setLocale', 'send', 'shutdown'] as const;
const EVENTS = ['ready', 'open', 'close', 'message', 'unread', 'handoff', 'error'] as const;

/**
 * Inside `/embed/:widgetId`: the postMessage API to the embedding page. Both directions are pinned
 * to the one parent origin the server checked against the widget's allowlist: commands are taken
 * only from that origin and from the parent window, events are posted only to that origin, never `*`.
 */
export function startFrameBridge(parentOrigin: string | undefined, widget: Promise<WidgetHandle>): void {
  if (parentOrigin === undefined || window.parent === window || !/^https?:\/\/[^/]+$/.test(parentOrigin)) return;
  const post = (event: string, detail: unknown) => window.parent.postMessage({ parley: 1, event, detail }, parentOrigin);
  void widget.then((handle) => {
    for (const event of EVENTS) if (event !== 'ready') handle.on(event, (detail) => post(event, detail ?? null));
    window.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (event.origin !== parentOrigin || event.source !== window.parent) return;
      const data = event.data;
      if (typeof data !== 'object' || data === null || (data as { parley?: unknown }).parley !== 1) return;
      const { command, args } = data as { command?: unknown; args?: unknown };
      const verb = VERBS.find((name) => name === command);
      if (verb === undefined) return;
      (handle[verb] as (...values: unknown[]) => unknown)(...(Array.isArray(args) ? args : []));
    });
    post('ready', { widgetId: handle.key });
  });
}

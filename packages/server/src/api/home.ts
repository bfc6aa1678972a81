import type { FastifyPluginAsync } from 'fastify';
import * as v from 'valibot';
import { botKindSchemas } from '@parley/protocol';
import type { StoredBot } from '../bots/bot-service.js';
import type { RouteOptions } from '../services.js';
import { escapeHtml } from '../http/html-text.js';

/** The landing page of a running server: what is where, and the embed code of the first widget. */
export const homePage: FastifyPluginAsync<RouteOptions & { publicUrl: string }> = async (app, { services, publicUrl }) => {
  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    // The first widget, not the newest: on a fresh install that is the demo widget the first start created.
    const first = await services.widgets.oldest();
    const botId = first?.effective.botId ?? null;
    const bot = botId === null ? undefined : await services.bots.load(botId);
    const embed =
      first === undefined
        ? 'No widget yet: create one with POST /v1/widgets.'
        : `<script async src="${publicUrl}/widget.js" data-parley-widget="${first.id}"></script>`;
    // The strict policy a site may use with the widget (see packages/widget/README.md): the demo runs under it.
    reply
      .type('text/html; charset=utf-8')
      .header(
        'content-security-policy',
        "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self' https: data:; style-src 'unsafe-inline'; base-uri 'none'",
      );
    return page(publicUrl, embed, first?.name, first?.id, first === undefined ? '' : whoAnswers(bot));
  });
};

/** Says honestly who answers the widget on this page: its bot by name and kind, or the agents. */
function whoAnswers(bot: StoredBot | undefined): string {
  // Sessions need a bot (PARLEY_ERR_WIDGET_NO_BOT): say so rather than promise a chat that cannot start.
  if (bot === undefined)
    return 'That widget has no bot yet, so visitors cannot start a chat: choose one for it in the console (Widgets) or set its botId.';
  const name = `“${escapeHtml(bot.name)}”`;
  if (bot.kind !== 'builtin')
    return `The chat bubble in the corner of this page is that widget, answered by the ${escapeHtml(bot.kind)} bot ${name}.`;
  const examples = builtinExamples(bot.config).map((p) => `“${escapeHtml(p)}”`);
  const tryThese =
    examples.length === 0
      ? ''
      : `: open it and try ${examples.slice(0, -1).join(', ')}${examples.length > 1 ? ' or ' : ''}${examples.at(-1)}`;
  return `The chat bubble in the corner of this page is that widget, answered by ${name}, a built-in FAQ bot${tryThese}.`;
}

/** The first pattern of the bot's first rules: things the visitor can type that it knows. */
function builtinExamples(config: Readonly<Record<string, unknown>>): string[] {
  const parsed = v.safeParse(botKindSchemas.builtin.config, config);
  if (!parsed.success) return [];
  return (parsed.output.rules ?? []).flatMap((rule) => rule.patterns.slice(0, 1)).slice(0, 3);
}

function page(publicUrl: string, embed: string, widgetName: string | undefined, widgetId: string | undefined, answeredBy: string): string {
  const url = escapeHtml(publicUrl);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parley is running</title>
<style>
  body { font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1f24; background: #f6f7f9; margin: 0; }
  main { max-width: 46rem; margin: 0 auto; padding: 3rem 1.25rem; }
  h1 { font-size: 1.75rem; margin: 0 0 .25rem; }
  h2 { font-size: 1.1rem; margin-top: 2rem; }
  p.lead { color: #4a5360; margin-top: 0; }
  pre { background: #1b1f24; color: #f6f7f9; padding: 1rem; border-radius: 10px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
  a { color: #1f5fd1; }
  ul { padding-left: 1.2rem; }
  p.note { color: #4a5360; font-size: .9rem; }
</style>
</head>
<body>
<main>
  <h1>Parley is running</h1>
  <p class="lead">Self-hosted chat widgets, bots and an agent inbox.</p>
  <h2>Embed code${widgetName === undefined ? '' : ` for “${escapeHtml(widgetName)}”`}</h2>
  <p>Paste this before <code>&lt;/body&gt;</code> on your site:</p>
  <pre>${escapeHtml(embed)}</pre>
  ${answeredBy === '' ? '' : `<p class="note">${answeredBy}</p>`}
  <h2>Where things are</h2>
  <ul>
    <li><a href="${url}/console">${url}/console</a> — the agent console: inbox, widgets, bots, agents</li>
    <li><a href="${url}/docs">${url}/docs</a> — the REST API, browsable (OpenAPI at <a href="${url}/v1/openapi.json">/v1/openapi.json</a>)</li>
    <li><a href="${url}/healthz">/healthz</a>, <a href="${url}/readyz">/readyz</a>, <a href="${url}/metrics">/metrics</a> — operations</li>
  </ul>
</main>
${widgetId === undefined ? '' : `<script async src="/widget.js" data-parley-widget="${escapeHtml(widgetId)}"></script>`}
</body>
</html>`;
}

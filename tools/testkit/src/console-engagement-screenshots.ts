import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { ConsoleDemo } from './console-demo.js';
import { shootWholeConsolePage } from './console-page-shot.js';

/** What seedEngagementDemo made: the webhook endpoint's id, for its detail page. */
export interface EngagementDemo {
  readonly webhookId: string;
}

async function adminApi<T>(demo: ConsoleDemo, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${demo.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${demo.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T; // Our own server's answers, in a screenshot fixture.
}

/**
 * Gives the demo what the campaigns and webhooks pages show (only `npm run screenshots` calls this, so the
 * console e2e tests walking the shared demo see no more than before): two campaigns of the demo widget, one with
 * showings, an opening and a reply in the last 30 days, and one webhook endpoint with a test delivery
 * (to a host that does not answer here: its attempt shows as failed, which is a state worth seeing too).
 */
export async function seedEngagementDemo(demo: ConsoleDemo): Promise<EngagementDemo> {
  const campaigns = `/v1/widgets/${demo.widgetId}/campaigns`;
  const nudge = await adminApi<{ id: string }>(demo, 'POST', campaigns, {
    name: 'Pricing nudge',
    priority: 7,
    message: { text: 'Questions about our **plans**? We reply in minutes.', quickReplies: ['Yes', 'Just looking'] },
    sender: { kind: 'bot' },
    trigger: { kind: 'scroll_depth', percent: 60 },
    pages: { include: [{ match: 'prefix', value: '/pricing' }] },
    audience: { visitor: 'returning', languages: ['en', 'fr'] },
    cap: { kind: 'every_days', days: 3 },
  });
  await adminApi(demo, 'POST', campaigns, {
    name: 'Leaving checkout',
    message: { text: 'Anything stopping you? Ask us before you go.' },
    sender: { kind: 'bot' },
    trigger: { kind: 'exit_intent' },
    pages: { include: [{ match: 'prefix', value: '/checkout' }] },
    cap: { kind: 'once_per_visitor' },
  });
  for (const type of ['campaign_shown', 'campaign_shown', 'campaign_shown', 'campaign_opened', 'campaign_replied'])
    await fetch(`${demo.baseUrl}/v1/widgets/${demo.widgetId}/events`, {
      method: 'POST',
      body: JSON.stringify({ type, campaign: nudge.id }),
    });
  const webhook = await adminApi<{ id: string }>(demo, 'POST', '/v1/webhooks', {
    url: 'https://crm.example.com/hooks/parley',
    description: 'CRM sync',
    events: ['conversation.created', 'message.created', 'conversation.rated'],
  });
  await adminApi(demo, 'POST', `/v1/webhooks/${webhook.id}/test`).catch(() => undefined);
  return { webhookId: webhook.id };
}

/**
 * The campaigns page (list with its 30-day counts and the add form), the webhooks list and one endpoint's
 * page with its deliveries, at one width and colour scheme; each picture is the whole page. Returns how many
 * pictures it wrote.
 */
export async function shootEngagementStates(
  page: Page,
  demo: ConsoleDemo,
  engagement: EngagementDemo,
  label: string,
  out: string,
): Promise<number> {
  const pages = [
    {
      name: 'campaigns',
      path: `/console/campaigns?widget=${demo.widgetId}`,
      ready: () => page.getByText('Pricing nudge', { exact: true }).first().waitFor(),
    },
    { name: 'webhooks', path: '/console/webhooks', ready: () => page.getByText('crm.example.com').first().waitFor() },
    {
      name: 'webhook',
      path: `/console/webhooks/${engagement.webhookId}`,
      ready: () =>
        page
          .getByRole('heading', { name: /crm\.example\.com|CRM sync/ })
          .first()
          .waitFor(),
    },
  ];
  for (const target of pages) {
    await page.goto(`${demo.baseUrl}${target.path}`);
    // A page whose data never shows is still pictured (that is what to look at), with a warning.
    await target.ready().catch(() => process.stderr.write(`warning: console ${target.name} at ${label} never showed its data\n`));
    await page.waitForTimeout(300); // Lists that load in a second request settle before the picture.
    await shootWholeConsolePage(page, join(out, `console-${target.name}-${label}.png`));
  }
  return pages.length;
}

import type { ConsoleDemo } from './console-demo.js';

/** What seedReportsDemo added, for tests to look for. */
export interface ReportsDemo {
  /** Comments the visitors left with their ratings. */
  readonly comments: readonly string[];
}

async function request<T>(baseUrl: string, path: string, token: string, body: unknown): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${path} → ${response.status}: ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T; // Our own server's answers, in a test fixture.
}

/**
 * Gives the console demo (seedConsoleDemo) what the Reports page charts, through the public API only:
 * two visitors the demo widget's bot served alone, resolved with no human asked for (one rates 5 with a
 * comment, one 4), and Ada's conversation resolved and rated 2 with a comment. The demo already holds a
 * conversation an agent answered and others waiting for a human, so every report has figures today.
 */
export async function seedReportsDemo(demo: ConsoleDemo): Promise<ReportsDemo> {
  const visitor = async (name: string, text: string) => {
    const session = await fetch(`${demo.baseUrl}/v1/widgets/${demo.widgetId}/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contact: { name }, messages: [{ type: 'user', text }] }),
    });
    if (!session.ok) throw new Error(`session for ${name} → ${session.status}: ${await session.text()}`);
    return (await session.json()) as { token: string; conversationId: string };
  };
  const resolveAndRate = async (conversationId: string, token: string, score: number, comment?: string) => {
    await request(demo.baseUrl, `/v1/inbox/${conversationId}/resolve`, demo.token, {});
    await request(
      demo.baseUrl,
      `/v1/conversations/${conversationId}/rating`,
      token,
      comment === undefined ? { score } : { score, comment },
    );
  };
  const comments = ['Found my order status in seconds, thanks!', 'Took a while to get an answer about pricing.'];
  const quick = await visitor('Noor Haddad', 'Where is my order?');
  await resolveAndRate(quick.conversationId, quick.token, 5, comments[0]);
  const opening = await visitor('Kenji Sato', 'What are your opening hours?');
  await resolveAndRate(opening.conversationId, opening.token, 4);
  await resolveAndRate(demo.conversationId, demo.visitorToken, 2, comments[1]);
  return { comments };
}

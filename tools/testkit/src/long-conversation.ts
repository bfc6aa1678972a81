import type { BrowserContext } from 'playwright-core';

/** A conversation seeded through the REST API, and what the widget stores to continue it. */
export interface LongConversation {
  readonly token: string;
  readonly conversationId: string;
  readonly expiresAt: string;
  /** The seq of the newest message. */
  readonly lastSeq: number;
  /** The text of the newest message: shown once the conversation is open at its end. */
  readonly newestText: string;
  /** The text of the oldest seeded message. */
  readonly oldestText: string;
}

/** Markdown a support chat is made of (no links: they would fetch previews), so every bubble costs a parse. */
function text(index: number, role: 'visitor' | 'agent'): string {
  if (role === 'visitor') return `Message ${index}: my order **#${1000 + index}** has not arrived, can you _check_ it?`;
  return `Reply ${index}: I looked at order **#${1000 + index}**.\n\n- it left the warehouse\n- \`tracking\` shows it is on its way\n\nAnything else?`;
}

async function call<T>(url: string, method: string, bearer: string | null, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: {
      ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} → ${response.status}: ${answer}`);
  return JSON.parse(answer) as T; // Our own server's answers, in a fixture.
}

/**
 * A conversation of `count` messages, alternately the visitor's (their session token) and an agent's
 * (`agent` logs in for a console token), written over the REST API several at a time: seconds for a
 * thousand, where chatting through a bot would take minutes. The agent's first reply takes the
 * conversation from the bot, so nothing else is written meanwhile (an admin API key's reply would
 * not: the bot would go on answering, one answer landing after the newest message).
 */
export async function seedLongConversation(
  serverUrl: string,
  widgetId: string,
  count: number,
  agent: { readonly email: string; readonly password: string },
): Promise<LongConversation> {
  const { token: agentBearer } = await call<{ token: string }>(`${serverUrl}/v1/auth/login`, 'POST', null, agent);
  const session = await call<{ token: string; conversationId: string; expiresAt: string }>(
    `${serverUrl}/v1/widgets/${widgetId}/sessions`,
    'POST',
    null,
    { durationInSeconds: 86_400 },
  );
  const { token, conversationId } = session;
  const visitorSend = (body: string) => call(`${serverUrl}/v1/conversations/${conversationId}/messages`, 'POST', token, { text: body });
  const agentSend = (body: string) => call(`${serverUrl}/v1/inbox/${conversationId}/messages`, 'POST', agentBearer, { text: body });
  await agentSend(text(0, 'agent'));
  const { conversation } = await call<{ conversation: { owner: string } }>(`${serverUrl}/v1/inbox/${conversationId}`, 'GET', agentBearer);
  if (conversation.owner !== 'human') throw new Error(`the agent's reply left the conversation with the ${conversation.owner}`);
  const PARALLEL = 8;
  for (let start = 1; start < count; start += PARALLEL) {
    const writes: Promise<unknown>[] = [];
    for (let index = start; index < Math.min(count, start + PARALLEL); index++) {
      writes.push(index % 2 === 1 ? visitorSend(text(index, 'visitor')) : agentSend(text(index, 'agent')));
    }
    await Promise.all(writes);
  }
  // A last reply written alone, so that it is surely the newest.
  const newestText = `The newest message of ${count}, from the agent.`;
  const newest = await agentSend(newestText);
  const lastSeq = (newest as { message: { seq: number } }).message.seq;
  return { token, conversationId, expiresAt: session.expiresAt, lastSeq, newestText, oldestText: 'Reply 0: I looked at order' };
}

/**
 * Makes the widget of `widgetId` in this browser context continue `conversation` as a visitor who
 * holds none of its messages yet (another device, storage cleared): its first load receives the whole
 * history over the realtime link, and stores the newest part for the next.
 */
export async function continueInBrowser(context: BrowserContext, widgetId: string, conversation: LongConversation): Promise<void> {
  const stored = {
    session: { token: conversation.token, conversationId: conversation.conversationId, expiresAt: conversation.expiresAt },
    messages: [],
    lastSeq: 0,
    outbox: [],
    open: true,
  };
  // Source text: it runs in the page, and the testkit is compiled without the DOM's types.
  const key = JSON.stringify(`parley:v1:${widgetId}`);
  await context.addInitScript({
    content: `if (localStorage.getItem(${key}) === null) localStorage.setItem(${key}, ${JSON.stringify(JSON.stringify(stored))});`,
  });
}

import { WebSocket } from 'ws';
import type { InboxItem } from '@parley/protocol';
import { TEST_ADMIN_KEY } from '../../testing/test-server.js';
import { FrameLog, parseFrame } from './frame-log.js';

export interface LoggedInAgent {
  readonly id: string;
  readonly name: string;
  readonly token: string;
  /** The console's session cookie (`name=value`), as the login set it. */
  readonly cookie: string;
}

/** A new agent (made with the admin key), logged in as the console does. */
export async function agentLogin(baseUrl: string, name: string): Promise<LoggedInAgent> {
  const email = `${name.toLowerCase()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const post = (path: string, body: unknown, auth: string | null) =>
    fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth === null ? {} : { authorization: `Bearer ${auth}` }) },
      body: JSON.stringify(body),
    });
  const created = (await (await post('/v1/agents', { email, name, password: 'password-123' }, TEST_ADMIN_KEY)).json()) as { id: string };
  const response = await post('/v1/auth/login', { email, password: 'password-123' }, null);
  const body = (await response.json()) as { token: string };
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  return { id: String(created.id), name, token: body.token, cookie };
}

/** An agent's inbox stream (`?inbox=1`), resolved once welcomed; every frame lands in `log`. */
export function openInbox(baseUrl: string, token: string): Promise<{ readonly ws: WebSocket; readonly log: FrameLog }> {
  return new Promise((resolve, reject) => {
    const log = new FrameLog();
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/realtime/ws?token=${token}&inbox=1`);
    ws.on('error', reject);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', v: 1, lastSeq: 0 })));
    ws.on('message', (data) => {
      const frame = parseFrame(data.toString());
      log.push(frame);
      if (frame.type === 'welcome') resolve({ ws, log });
    });
  });
}

/** The last entry of a conversation an inbox stream received. */
export function latestEntry(log: FrameLog, conversationId: string): InboxItem | undefined {
  for (let at = log.frames.length - 1; at >= 0; at--) {
    const frame = log.frames[at];
    if (frame?.type === 'inbox' && frame.item.conversation.id === conversationId) return frame.item;
  }
  return undefined;
}

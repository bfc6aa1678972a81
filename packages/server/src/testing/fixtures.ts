import { conversationsStore } from '../store/conversations-store.js';
import { newId, nowIso } from '../store/ids.js';
import type { NewMessage } from '../store/message-writer.js';
import type { TestServer } from './test-server.js';

/** A builtin bot and a widget using it: the smallest set-up that can open a session. */
export async function createBotAndWidget(
  server: TestServer,
  widget: Record<string, unknown> = {},
): Promise<{ botId: string; widgetId: string }> {
  const bot = await server.request('POST', '/v1/bots', {
    body: {
      kind: 'builtin',
      name: 'FAQ',
      config: { rules: [{ patterns: ['price'], answer: 'It is free.' }], fallback: 'Sorry, I did not get that.' },
    },
  });
  if (bot.status !== 201) throw new Error(`bot creation failed: ${bot.body}`);
  const created = await server.request('POST', '/v1/widgets', { body: { name: 'Test widget', botId: bot.json.id, ...widget } });
  if (created.status !== 201) throw new Error(`widget creation failed: ${created.body}`);
  return { botId: bot.json.id, widgetId: created.json.id };
}

/** A visitor's session (POST /v1/widgets/{id}/sessions) with the body and headers given: its token and conversation. */
export async function openSession(
  server: TestServer,
  widgetId: string,
  body: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<{ token: string; conversationId: string }> {
  const created = await server.request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', body, headers });
  if (created.status !== 201) throw new Error(`session failed: ${created.body}`);
  return { token: created.json.token, conversationId: created.json.conversationId };
}

/**
 * An open conversation of the widget started at `at`, inserted directly (no session, no bot turn): for tests
 * that tell the reports recorder its events themselves. Answers its id, `conv_` + `idPrefix` + random characters.
 */
export async function insertConversation(server: TestServer, widgetId: string, at: number, idPrefix: string): Promise<string> {
  const id = `conv_${idPrefix}${Math.random().toString(36).slice(2, 12).toUpperCase()}`.slice(0, 31);
  const started = new Date(at).toISOString();
  await conversationsStore.insertConversation(server.services.database.db, {
    id,
    widget_id: widgetId,
    contact_id: null,
    status: 'open',
    identity_user_id: null,
    meta: '{}',
    created_at: started,
    updated_at: started,
  });
  return id;
}

/** A visitor's text message for the message writer (its seq is the writer's to give). */
export function visitorMessage(conversationId: string, text: string, clientId: string | null): NewMessage {
  return {
    id: newId('msg'),
    conversation_id: conversationId,
    author_role: 'visitor',
    author_id: 'v1',
    author_name: 'Visitor',
    type: 'text',
    text,
    payload: null,
    client_id: clientId,
    created_at: nowIso(),
    translation: null,
  };
}

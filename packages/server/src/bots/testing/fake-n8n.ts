import { sendJson, sendLines, startFakeUpstream, type FakeUpstream } from './fake-upstream.js';

export interface FakeN8nOptions {
  /** The trigger's response mode: NDJSON chunks (`streaming`) or one `{ output }` (`lastNode`). */
  readonly streaming: boolean;
}

const meta = (nodeId: string, runIndex = 0) => ({ nodeId, nodeName: 'AI Agent', itemIndex: 0, runIndex, timestamp: 1732269000000 });
export const chunk = (type: string, content?: string, nodeId = 'agent-1', runIndex = 0): string =>
  `${JSON.stringify({ type, ...(content === undefined ? {} : { content }), metadata: meta(nodeId, runIndex) })}\n`;

/**
 * Test-only: an n8n Chat Trigger (shared/protocols/n8n-chat.md) whose workflow answers "Echo: <chatInput>".
 * `loadPreviousSession` answers `{ data: [] }` (the trigger's default, notSupported).
 */
export async function startFakeN8n(options: FakeN8nOptions): Promise<FakeUpstream> {
  const fake = await startFakeUpstream(async ({ json, response }) => {
    const body = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
    if (body['action'] === 'loadPreviousSession') return sendJson(response, { data: [] });
    const answer = `Echo: ${String(body['chatInput'] ?? '')}`;
    if (!options.streaming) return sendJson(response, { output: answer });
    const half = Math.ceil(answer.length / 2);
    await sendLines(response, 'application/json; charset=utf-8', [
      chunk('begin'),
      chunk('item', answer.slice(0, half)),
      '{"type":"keepalive"}\n',
      chunk('item', answer.slice(half)),
      chunk('end'),
    ]);
  });
  fake.malformedBody = '{"executionStarted":true}';
  return fake;
}

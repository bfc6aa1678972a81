import { createHmac } from 'node:crypto';
import { sendJson, sendLines, startFakeUpstream, type FakeUpstream } from './fake-upstream.js';

/**
 * Test-only: a generic JSON webhook (docs/bots.md) that checks the Standard Webhooks signature with
 * `secret` (401 when it is wrong) and answers "Echo: <text>"; "stream" is answered as NDJSON deltas,
 * "rich" with a card and quick replies, "human" with a handoff.
 */
export async function startFakeGenericWebhook(secret: string | Buffer): Promise<FakeUpstream> {
  const fake = await startFakeUpstream(async ({ body, headers, json, response }) => {
    const id = String(headers['webhook-id'] ?? '');
    const timestamp = String(headers['webhook-timestamp'] ?? '');
    const expected = `v1,${createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
    if (headers['webhook-signature'] !== expected) return sendJson(response, { error: 'bad signature' }, 401);
    const text = String((json as { text?: unknown } | undefined)?.text ?? '');
    if (text === 'stream') {
      return sendLines(response, 'application/x-ndjson', [
        '{"type":"delta","text":"Str"}\n',
        '{"type":"delta","text":"eamed"}\n',
        '{"type":"end"}\n',
      ]);
    }
    if (text === 'rich') {
      return sendJson(response, {
        messages: [
          { type: 'card', title: 'Plan', subtitle: 'Pro', buttons: [{ label: 'Buy', url: 'https://example.com/buy' }] },
          { type: 'quick_replies', text: 'More?', replies: ['Yes', 'No'] },
        ],
      });
    }
    if (text === 'human') return sendJson(response, { messages: [{ type: 'handoff', reason: 'asked' }] });
    sendJson(response, { messages: [{ type: 'text', text: `Echo: ${text}` }] });
  });
  fake.malformedBody = '{"messages":[{"type":"unknown-kind"}]}';
  return fake;
}

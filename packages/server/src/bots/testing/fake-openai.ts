import type { ServerResponse } from 'node:http';
import { sendJson, sendLines, startFakeUpstream, type FakeUpstream } from './fake-upstream.js';

interface ChatMessage {
  readonly role: string;
  readonly content?: string | null;
}

const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1732269000, model: 'fake-model' };
export const sse = (choice: Record<string, unknown>): string =>
  `data: ${JSON.stringify({ ...base, choices: [{ index: 0, ...choice }] })}\n\n`;

/**
 * Test-only: an OpenAI-compatible `/v1/chat/completions` (shared/protocols/openai-compatible.md). It
 * streams "Echo: <last user message>" over SSE; offered a `get_order` tool and asked about an order,
 * it first calls the tool (arguments in fragments), then answers from the tool's result.
 */
export async function startFakeOpenAi(): Promise<FakeUpstream> {
  const fake = await startFakeUpstream(async ({ json, response }) => {
    const body = (typeof json === 'object' && json !== null ? json : {}) as {
      messages?: ChatMessage[];
      stream?: boolean;
      tools?: Array<{ function: { name: string } }>;
    };
    const messages = body.messages ?? [];
    const last = messages.at(-1);
    const hasTool = (body.tools ?? []).some((t) => t.function.name === 'get_order');
    if (last?.role === 'user' && hasTool && /order/i.test(last.content ?? '')) return toolCall(response, body.stream !== false);
    // Like a model, it answers everything the user said since the assistant last spoke.
    const trailing: string[] = [];
    for (const m of [...messages].reverse()) {
      if (m.role !== 'user') break;
      trailing.unshift(m.content ?? '');
    }
    const answer = last?.role === 'tool' ? `Your order: ${last.content ?? ''}` : `Echo: ${trailing.join('\n')}`;
    if (body.stream === false) {
      return sendJson(response, {
        ...base,
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }],
      });
    }
    const pieces = answer.match(/.{1,4}/gsu) ?? [];
    await sendLines(response, 'text/event-stream', [
      sse({ delta: { role: 'assistant', content: '' }, finish_reason: null }),
      ': keep-alive comment\n\n',
      ...pieces.map((piece) => sse({ delta: { content: piece }, finish_reason: null })),
      sse({ delta: {}, finish_reason: 'stop' }),
      'data: [DONE]\n\n',
    ]);
  });
  fake.malformedBody = '{"object":"chat.completion","choices":"none"}';
  fake.cutBody = sse({ delta: { content: 'Partial ' }, finish_reason: null });
  fake.cutContentType = 'text/event-stream';
  return fake;
}

async function toolCall(response: ServerResponse, stream: boolean): Promise<void> {
  if (!stream) {
    sendJson(response, {
      ...base,
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'get_order', arguments: '{"id":"1234"}' } }],
          },
          finish_reason: 'tool_calls',
        },
      ],
    });
    return;
  }
  await sendLines(response, 'text/event-stream', [
    sse({
      delta: {
        role: 'assistant',
        content: null,
        tool_calls: [{ index: 0, id: 'call_abc', type: 'function', function: { name: 'get_order', arguments: '' } }],
      },
      finish_reason: null,
    }),
    sse({ delta: { tool_calls: [{ index: 0, function: { arguments: '{"id":' } }] }, finish_reason: null }),
    sse({ delta: { tool_calls: [{ index: 0, function: { arguments: '"1234"}' } }] }, finish_reason: null }),
    sse({ delta: {}, finish_reason: 'tool_calls' }),
    'data: [DONE]\n\n',
  ]);
}

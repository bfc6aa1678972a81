import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAiBot } from './openai-bot.js';
import { collect, contextSaying, message, spoken } from './testing/bot-context.js';
import { sse, startFakeOpenAi } from './testing/fake-openai.js';
import { sendJson, sendLines, startFakeUpstream, type FakeUpstream } from './testing/fake-upstream.js';

describe('OpenAI-compatible connector', () => {
  let llm: FakeUpstream;
  let tool: FakeUpstream;
  beforeAll(async () => {
    llm = await startFakeOpenAi();
    tool = await startFakeUpstream(({ response }) => sendJson(response, { status: 'shipped' }));
  });
  afterAll(async () => {
    await llm.close();
    await tool.close();
  });
  const getOrder = () => ({
    name: 'get_order',
    description: 'Look up an order',
    parameters: { type: 'object' },
    url: `${tool.url}/orders`,
  });
  const bot = (config: Record<string, unknown> = {}, loopback = true) =>
    new OpenAiBot(
      { allowPrivateNetwork: true, baseUrl: `${llm.url}/v1`, model: 'fake-model', ...config },
      { apiKey: 'sk-test' },
      { allowLoopbackHttp: loopback },
    );

  it('sends the system prompt, the history window and the key, and streams the answer as deltas', async () => {
    const history = [message('visitor', 'old'), message('bot', 'older answer'), message('agent', 'an agent said'), message('bot', 'hm')];
    const events = await collect(bot({ systemPrompt: 'Be brief.', historyWindow: 3 }), contextSaying('now', 'conv_test', history));
    expect(events.filter((e) => e.type === 'delta').length).toBeGreaterThan(1);
    expect(events.at(-1)).toEqual({ type: 'end' });
    expect(spoken(events)).toBe('Echo: now');
    const request = llm.requests.at(-1);
    expect(request?.headers.authorization).toBe('Bearer sk-test');
    expect(request?.json).toMatchObject({
      model: 'fake-model',
      stream: true,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'assistant', content: 'an agent said' },
        { role: 'assistant', content: 'hm' },
        { role: 'user', content: 'now' },
      ],
    });
  });

  it('runs a tool call against its endpoint and feeds the result back to the model', async () => {
    const before = tool.requests.length;
    const events = await collect(bot({ tools: [getOrder()] }), contextSaying('Where is my order 1234?'));
    expect(spoken(events)).toBe('Your order: {"status":"shipped"}');
    expect(tool.requests.slice(before).map((r) => r.json)).toEqual([
      { name: 'get_order', arguments: { id: '1234' }, conversationId: 'conv_test' },
    ]);
    const followUp = llm.requests.at(-1)?.json as { messages: Array<Record<string, unknown>> };
    expect(followUp.messages.slice(-2)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'get_order', arguments: '{"id":"1234"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_abc', content: '{"status":"shipped"}' },
    ]);
  });

  it("offers the widget's tools too, the bot's own tool winning a name clash", async () => {
    const widgetTools = [
      { name: 'get_order', description: 'shadowed', url: 'https://elsewhere.example/orders' },
      { name: 'book_table', description: 'Book a table', url: 'https://tools.example/book' },
    ];
    await collect(bot({ tools: [getOrder()] }), { ...contextSaying('Where is my order 1234?'), tools: widgetTools });
    const offered = (llm.requests.at(-2)?.json as { tools: Array<{ function: { name: string; description?: string } }> }).tools;
    expect(offered.map((t) => [t.function.name, t.function.description])).toEqual([
      ['get_order', 'Look up an order'],
      ['book_table', 'Book a table'],
      ['handoff_to_human', expect.any(String)],
    ]);
  });

  it('works with servers that answer whole (stream: false)', async () => {
    expect(spoken(await collect(bot({ stream: false, tools: [getOrder()] }), contextSaying('my order?')))).toBe(
      'Your order: {"status":"shipped"}',
    );
  });

  it('refuses plain-http tool URLs unless loopback is allowed (tests only)', async () => {
    await expect(collect(bot({ tools: [getOrder()] }, false), contextSaying('order please'))).rejects.toThrow(/not HTTPS/);
  });

  it('offers a handoff_to_human tool and turns its call into a handoff', async () => {
    const handoff = await startFakeUpstream(async ({ json, response }) => {
      const messages = (json as { messages: Array<{ role: string }> }).messages;
      if (messages.at(-1)?.role === 'tool')
        return sendLines(response, 'text/event-stream', [
          sse({ delta: { content: 'Connecting you.' }, finish_reason: 'stop' }),
          'data: [DONE]\n\n',
        ]);
      await sendLines(response, 'text/event-stream', [
        sse({
          delta: { tool_calls: [{ index: 0, id: 'call_h', type: 'function', function: { name: 'handoff_to_human', arguments: '{}' } }] },
          finish_reason: 'tool_calls',
        }),
        'data: [DONE]\n\n',
      ]);
    });
    const events = await collect(
      new OpenAiBot({ allowPrivateNetwork: true, baseUrl: handoff.url, model: 'm' }, {}),
      contextSaying('a person please'),
    );
    expect(events.map((e) => e.type)).toEqual(['handoff', 'delta', 'end']);
    expect((handoff.requests[0]?.json as { tools: Array<{ function: { name: string } }> }).tools.map((t) => t.function.name)).toEqual([
      'handoff_to_human',
    ]);
    await handoff.close();
  });

  it('stops a model that keeps calling tools after maxToolSteps calls', async () => {
    const looping = await startFakeUpstream(({ response }) =>
      sendLines(response, 'text/event-stream', [
        sse({
          delta: { tool_calls: [{ index: 0, id: 'c', type: 'function', function: { name: 'get_order', arguments: '{}' } }] },
          finish_reason: 'tool_calls',
        }),
        'data: [DONE]\n\n',
      ]),
    );
    const stuck = new OpenAiBot(
      { allowPrivateNetwork: true, baseUrl: looping.url, model: 'm', tools: [getOrder()], maxToolSteps: 3 },
      {},
      { allowLoopbackHttp: true },
    );
    await expect(collect(stuck, contextSaying('order'))).rejects.toThrow(/after 3 steps/);
    expect(looping.requests).toHaveLength(3);
    await looping.close();
  });

  it('fails on an error event in the middle of the stream', async () => {
    const failing = await startFakeUpstream(({ response }) =>
      sendLines(response, 'text/event-stream', [
        sse({ delta: { content: 'Hal' }, finish_reason: null }),
        'data: {"error":{"message":"overloaded"}}\n\n',
      ]),
    );
    await expect(
      collect(new OpenAiBot({ allowPrivateNetwork: true, baseUrl: failing.url, model: 'm' }, {}), contextSaying('hi')),
    ).rejects.toThrow(/overloaded/);
    await failing.close();
  });

  it('tolerates servers without [DONE] and without the space after data:', async () => {
    const terse = await startFakeUpstream(({ response }) =>
      sendLines(response, 'text/event-stream', [
        sse({ delta: { content: 'Hi' }, finish_reason: null }).replace('data: ', 'data:'),
        sse({ delta: { content: '!' }, finish_reason: 'stop' }),
      ]),
    );
    expect(
      spoken(await collect(new OpenAiBot({ allowPrivateNetwork: true, baseUrl: terse.url, model: 'm' }, {}), contextSaying('hi'))),
    ).toBe('Hi!');
    await terse.close();
  });
});

import * as v from 'valibot';
import type { botKindSchemas } from '@parley/protocol';
import { type Message } from '@parley/protocol';
import { BotError, type BotConnector, type BotContext, type BotEvent, type ContextNeeds } from './bot-connector.js';
import { parseJson, postUpstream, readSse, readText } from './upstream-http.js';
import { callTool, HANDOFF_TOOL, toolDefinitions, type ToolCall, type ToolPolicy } from './openai-tools.js';

type OpenAiConfig = v.InferOutput<typeof botKindSchemas.openai.config>;
type OpenAiSecrets = v.InferOutput<typeof botKindSchemas.openai.secrets>;

const HISTORY_WINDOW = 20;
const MAX_TOOL_STEPS = 4;

const toolCallDeltaSchema = v.object({
  index: v.number(),
  id: v.optional(v.nullable(v.string())),
  function: v.optional(v.object({ name: v.optional(v.nullable(v.string())), arguments: v.optional(v.nullable(v.string())) })),
});
const chunkSchema = v.object({
  choices: v.array(
    v.object({
      delta: v.optional(v.object({ content: v.optional(v.nullable(v.string())), tool_calls: v.optional(v.array(toolCallDeltaSchema)) })),
      finish_reason: v.optional(v.nullable(v.string())),
    }),
  ),
});
const completionSchema = v.object({
  choices: v.pipe(
    v.array(
      v.object({
        message: v.object({
          content: v.optional(v.nullable(v.string())),
          tool_calls: v.optional(v.array(v.object({ id: v.string(), function: v.object({ name: v.string(), arguments: v.string() }) }))),
        }),
        finish_reason: v.optional(v.nullable(v.string())),
      }),
    ),
    v.minLength(1),
  ),
});
const errorEventSchema = v.object({ error: v.object({ message: v.optional(v.string()) }) });

type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  | {
      role: 'assistant';
      content: string | null;
      tool_calls?: ReadonlyArray<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
    }
  | { role: 'tool'; tool_call_id: string; content: string };

/**
 * An OpenAI-compatible Chat Completions endpoint (shared/protocols/openai-compatible.md): streamed
 * text is relayed as deltas; tool calls are POSTed to the tools' HTTPS endpoints and their results fed
 * back to the model, at most `maxToolSteps` model calls per turn.
 */
export class OpenAiBot implements BotConnector {
  readonly needs: ContextNeeds;

  constructor(
    private readonly config: OpenAiConfig,
    private readonly secrets: OpenAiSecrets,
    private readonly policy: Pick<ToolPolicy, 'allowLoopbackHttp'> = { allowLoopbackHttp: false },
  ) {
    this.needs = { historyWindow: config.historyWindow ?? HISTORY_WINDOW, widgetTools: true };
  }

  async *reply(context: BotContext, signal: AbortSignal): AsyncIterable<BotEvent> {
    const messages: ChatMessage[] = [
      ...(this.config.systemPrompt === undefined || this.config.systemPrompt === ''
        ? []
        : [{ role: 'system' as const, content: this.config.systemPrompt }]),
      ...chatHistory(context.history.slice(-(this.config.historyWindow ?? HISTORY_WINDOW))),
    ];
    // The bot's own tools win over a widget tool of the same name.
    const own = this.config.tools ?? [];
    const available = [...own, ...context.tools.filter((tool) => !own.some((o) => o.name === tool.name))];
    const tools = toolDefinitions(available, this.config.handoffTool !== false);
    for (let step = 0; step < (this.config.maxToolSteps ?? MAX_TOOL_STEPS); step += 1) {
      const calls: ToolCall[] = [];
      for await (const event of this.complete(messages, tools, signal)) {
        if (event.type === 'tool_call') calls.push(event.call);
        else yield event;
      }
      if (calls.length === 0) return;
      messages.push({
        role: 'assistant',
        content: null,
        tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
      });
      for (const call of calls) {
        if (call.name === HANDOFF_TOOL) yield { type: 'handoff', reason: 'the model asked for a human' };
        const content = await callTool(
          call,
          available,
          { ...this.policy, allowPrivateNetwork: this.config.allowPrivateNetwork === true },
          context.conversationId,
          signal,
        );
        messages.push({ role: 'tool', tool_call_id: call.id, content });
      }
    }
    throw new BotError(`the model was still calling tools after ${this.config.maxToolSteps ?? MAX_TOOL_STEPS} steps`);
  }

  /** One model call: text deltas (closed by `end`) and the tool calls it asked for. */
  private async *complete(
    messages: readonly ChatMessage[],
    tools: readonly unknown[],
    signal: AbortSignal,
  ): AsyncIterable<BotEvent | { type: 'tool_call'; call: ToolCall }> {
    const stream = this.config.stream !== false;
    const apiKey = this.secrets.apiKey;
    const response = await postUpstream({
      url: `${this.config.baseUrl.replace(/\/+$/, '')}/chat/completions`,
      headers: {
        'content-type': 'application/json',
        ...(apiKey === undefined || apiKey === null ? {} : { authorization: `Bearer ${apiKey}` }),
      },
      body: JSON.stringify({
        model: this.config.model,
        messages,
        stream,
        ...(tools.length === 0 ? {} : { tools, tool_choice: 'auto' }),
        ...(this.config.temperature === undefined ? {} : { temperature: this.config.temperature }),
        ...(this.config.maxTokens === undefined ? {} : { max_tokens: this.config.maxTokens }),
      }),
      signal,
      allowPrivateNetwork: this.config.allowPrivateNetwork === true,
    });
    // Some compatible servers ignore `stream: true` and answer whole; anything but an event stream is read as one answer.
    if (!stream || !(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
      const choice = parseJson(await readText(response, signal), completionSchema).choices[0];
      const content = choice?.message.content ?? '';
      if (content !== '') yield { type: 'text', text: content };
      for (const call of choice?.message.tool_calls ?? []) yield { type: 'tool_call', call: { id: call.id, ...call.function } };
      return;
    }
    const calls = new Map<number, ToolCall>();
    let finished = false;
    let texted = false;
    for await (const event of readSse(response, signal)) {
      if (event.data === '[DONE]') {
        finished = true;
        break;
      }
      const mistake = v.safeParse(errorEventSchema, safeJson(event.data));
      if (event.event === 'error' || mistake.success) {
        throw new BotError(
          `the model failed mid-stream: ${mistake.success ? (mistake.output.error.message ?? '') : event.data.slice(0, 200)}`,
        );
      }
      const choice = parseJson(event.data, chunkSchema).choices[0];
      if (choice === undefined) continue;
      const content = choice.delta?.content;
      if (content !== undefined && content !== null && content !== '') {
        texted = true;
        yield { type: 'delta', text: content };
      }
      for (const part of choice.delta?.tool_calls ?? []) {
        const call = calls.get(part.index) ?? { id: '', name: '', arguments: '' };
        calls.set(part.index, {
          id: part.id ?? call.id,
          name: call.name + (part.function?.name ?? ''),
          arguments: call.arguments + (part.function?.arguments ?? ''),
        });
      }
      if (choice.finish_reason !== undefined && choice.finish_reason !== null) finished = true;
    }
    // A stream cut before its end is not an answer (never show partial text as complete).
    if (!finished) throw new BotError('the model stream ended before it finished');
    if (texted) yield { type: 'end' };
    for (const call of calls.values()) yield { type: 'tool_call', call };
  }
}

/** Visitor → user, bot → assistant; agents' words are context for the model too, as assistant turns. */
function chatHistory(history: readonly Message[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const message of history) {
    if (message.text === '' || message.type === 'event') continue;
    if (message.author.role === 'visitor') out.push({ role: 'user', content: message.text });
    else if (message.author.role === 'bot' || message.author.role === 'agent') out.push({ role: 'assistant', content: message.text });
  }
  return out;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Not JSON: chunkSchema parsing reports it with the reason.
    return undefined;
  }
}

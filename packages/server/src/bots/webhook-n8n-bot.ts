import * as v from 'valibot';
import type { botKindSchemas } from '@parley/protocol';
import { BotError, type BotConnector, type BotContext, type BotEvent } from './bot-connector.js';
import { parseJson, postUpstream, readLines, readText } from './upstream-http.js';
import type { FileReader, VisitorFile } from './visitor-files.js';
import { pendingVisitorFiles, pendingVisitorText } from './visitor-turn.js';

type WebhookConfig = v.InferOutput<typeof botKindSchemas.webhook.config>;
type WebhookSecrets = v.InferOutput<typeof botKindSchemas.webhook.secrets>;

/** One NDJSON chunk of a streaming Chat Trigger (`keepalive` and unknown types are ignored). */
const chunkSchema = v.object({
  type: v.string(),
  content: v.optional(v.unknown()),
  metadata: v.optional(v.object({ nodeId: v.optional(v.string()), runIndex: v.optional(v.number()) })),
});

/** A whole answer: the first item of the workflow's last node, usually `{ output }` (an array of items is tolerated). */
const answerSchema = v.union([v.record(v.string(), v.unknown()), v.pipe(v.array(v.record(v.string(), v.unknown())), v.minLength(1))]);

const withButtonsSchema = v.object({
  type: v.literal('with-buttons'),
  text: v.string(),
  buttons: v.array(v.object({ text: v.string() })),
});

/**
 * An n8n Chat Trigger, called as the `@n8n/chat` widget calls it (shared/protocols/n8n-chat.md):
 * `sendMessage` with `sessionId` = the Parley conversation (so n8n memory works) and the visitor's
 * context in `metadata`. With `stream`, NDJSON `item` chunks are relayed as deltas.
 */
export class WebhookN8nBot implements BotConnector {
  constructor(
    private readonly config: WebhookConfig,
    private readonly secrets: WebhookSecrets,
    private readonly readFile?: FileReader,
  ) {}

  async *reply(context: BotContext, signal: AbortSignal): AsyncIterable<BotEvent> {
    const files = pendingVisitorFiles(context.history);
    const body = {
      action: 'sendMessage',
      sessionId: context.conversationId,
      chatInput: pendingVisitorText(context.history),
      metadata: {
        conversationId: context.conversationId,
        language: context.language,
        pageUrl: context.pageUrl,
        contact: context.contact,
        meta: context.meta,
        ...(files.length === 0 ? {} : { files }),
      },
    };
    const stream = this.config.stream === true;
    const uploads = await this.uploads(files.map((file) => file.url));
    const response = await postUpstream({
      url: this.config.url,
      headers: {
        ...this.secrets.headers,
        ...(uploads.length === 0 ? { 'content-type': 'application/json' } : {}),
        ...(stream ? { accept: 'text/plain' } : {}),
      },
      body: uploads.length === 0 ? JSON.stringify(body) : multipart(body, uploads),
      signal,
      allowPrivateNetwork: this.config.allowPrivateNetwork === true,
    });
    if (!stream) {
      yield* answerEvents(parseJson(await readText(response, signal), answerSchema));
      return;
    }
    yield* streamEvents(readLines(response, signal));
  }

  private async uploads(urls: readonly string[]): Promise<VisitorFile[]> {
    const readFile = this.readFile;
    if (readFile === undefined) return [];
    const found = await Promise.all(urls.map((url) => readFile(url)));
    return found.filter((file): file is VisitorFile => file !== undefined);
  }
}

/**
 * The visitor's uploads of this turn, read from Parley's file store (never fetched by URL). With
 * files, the request becomes the multipart form @n8n/chat sends, and the trigger gets them as binary.
 */
function multipart(
  body: { action: string; sessionId: string; chatInput: string; metadata: unknown },
  uploads: readonly VisitorFile[],
): FormData {
  const form = new FormData();
  form.append('action', body.action);
  form.append('sessionId', body.sessionId);
  form.append('chatInput', body.chatInput);
  // As in @n8n/chat: metadata travels as a JSON string in the multipart case.
  form.append('metadata', JSON.stringify(body.metadata));
  for (const upload of uploads) form.append('files', new Blob([new Uint8Array(upload.bytes)], { type: upload.mimeType }), upload.name);
  return form;
}

/** NDJSON chunks → deltas; one message per `(nodeId, runIndex)` segment, as the widget keeps one bubble per segment. */
async function* streamEvents(lines: AsyncIterable<string>): AsyncIterable<BotEvent> {
  let mode: 'ndjson' | 'whole' | null = null;
  let segment: string | null = null;
  let items = 0;
  const whole: string[] = [];
  for await (const line of lines) {
    if (line.trim() === '' && mode !== 'whole') continue;
    if (/^\s*<(!doctype|html)/i.test(line)) throw new BotError('a proxy answered an HTML page (a timeout?) instead of the n8n stream');
    const json = safeJson(line);
    // The first line decides: a chunk means NDJSON; anything else is a trigger that is not streaming and answered one document.
    mode ??= v.is(chunkSchema, json) ? 'ndjson' : 'whole';
    if (mode === 'whole') {
      whole.push(line);
      continue;
    }
    const chunk = v.safeParse(chunkSchema, json);
    if (!chunk.success) {
      // The widget shows a line that is not a chunk as text; so do we.
      items += 1;
      yield { type: 'delta', text: line };
      continue;
    }
    const { type, content, metadata } = chunk.output;
    const key = `${metadata?.nodeId ?? ''}#${metadata?.runIndex ?? 0}`;
    if (type === 'error') throw new BotError(`n8n reported an error: ${contentText(content)}`);
    if (type === 'begin' || type === 'item') {
      if (segment !== null && segment !== key) yield { type: 'end' };
      segment = key;
    }
    if (type === 'item') {
      items += 1;
      yield { type: 'delta', text: contentText(content) };
    }
    if (type === 'end' && segment === key) {
      yield { type: 'end' };
      segment = null;
    }
  }
  if (mode === 'whole') {
    yield* answerEvents(parseJson(whole.join('\n'), answerSchema));
    return;
  }
  if (items === 0) throw new BotError('the n8n stream ended without any item chunk (is streaming enabled in the agent node?)');
  if (segment !== null) yield { type: 'end' };
}

function* answerEvents(answer: v.InferOutput<typeof answerSchema>): Iterable<BotEvent> {
  const body = Array.isArray(answer) ? (answer[0] ?? {}) : answer;
  let value = body['output'] ?? body['text'] ?? body['message'];
  if (typeof value === 'object' && value !== null && 'type' in value && value.type === 'text' && 'text' in value) value = value.text;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new BotError(`the n8n workflow answered without output: ${JSON.stringify(body).slice(0, 200)}`);
  }
  // n8n's own "nothing came back" notices (shared/protocols/n8n-chat.md §4.3) are failures, not answers.
  if (value.startsWith('Workflow executed successfully but') || value === 'Error in workflow') {
    throw new BotError(`the n8n workflow answered ${JSON.stringify(value)}`);
  }
  const buttons = v.safeParse(withButtonsSchema, safeJson(value));
  if (buttons.success) {
    yield { type: 'quick_replies', text: buttons.output.text, replies: buttons.output.buttons.map((b) => b.text) };
    return;
  }
  yield { type: 'text', text: value };
}

function contentText(content: unknown): string {
  if (content === undefined || content === null) return '';
  return typeof content === 'string' ? content : JSON.stringify(content);
}

function safeJson(text: string): unknown {
  if (!/^\s*[{[]/.test(text)) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    // Not JSON: the caller decides what that means (text, or part of a whole-document answer).
    return undefined;
  }
}

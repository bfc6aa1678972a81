import * as v from 'valibot';
import { OutboundError, outboundPost, type OutboundPost } from '../outbound/index.js';
import { BotError } from './bot-connector.js';

/** Network failures that happen before the upstream saw the request: repeating it is safe. */
const RETRYABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** Gateway answers: the upstream itself never ran the request. */
const RETRYABLE_STATUS = new Set([502, 503, 504]);
/** How much of a 2xx body that is not JSON the error quotes: enough to tell an HTML error page from a typo. */
const EXCERPT = 40;

/**
 * The outbound module's POST, less its test-only DNS hook. `allowPrivateNetwork` is the bot's own: its
 * upstream (and tools, token endpoint) may be on a private address.
 */
export type UpstreamRequest = Omit<OutboundPost, 'resolve'>;

/**
 * POSTs to a bot's upstream under the outbound policy (public addresses unless the bot allows private
 * ones, no redirects, bounded body) and turns every way that can fail into a BotError whose message
 * says why (for the log; visitors only ever see the apology). A 2xx response is returned unread.
 *
 * The body of a failing answer is not quoted: it is the upstream's words, not ours, and error pages
 * echo requests (the visitor's message, headers with keys) into a log line that outlives them. The
 * status and content type say enough to look in the upstream's own log.
 */
export async function postUpstream(request: UpstreamRequest): Promise<Response> {
  let response: Response;
  try {
    response = await outboundPost(request);
  } catch (error) {
    throw asBotError(error, request.signal);
  }
  if (response.ok) return response;
  await response.body?.cancel().catch(() => undefined);
  const type = response.headers.get('content-type')?.split(';')[0]?.trim();
  throw new BotError(
    `the upstream answered HTTP ${response.status}${type === undefined || type === '' ? '' : ` (${type.slice(0, 60)})`}`,
    RETRYABLE_STATUS.has(response.status),
  );
}

/** Reads the whole body as JSON and checks it against the connector's schema of the upstream's answer. */
export async function readJsonBody<S extends v.GenericSchema>(
  response: Response,
  schema: S,
  signal: AbortSignal,
): Promise<v.InferOutput<S>> {
  const text = await readText(response, signal);
  return parseJson(text, schema);
}

export function parseJson<S extends v.GenericSchema>(text: string, schema: S): v.InferOutput<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BotError(`the upstream answered something that is not JSON: ${JSON.stringify(text.slice(0, EXCERPT))}`);
  }
  const parsed = v.safeParse(schema, json);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue.path?.map((item) => String(item.key)).join('.') ?? '';
    throw new BotError(`the upstream answered JSON of an unexpected shape${path === '' ? '' : ` at ${path}`}: ${issue.message}`);
  }
  return parsed.output;
}

export async function readText(response: Response, signal: AbortSignal): Promise<string> {
  try {
    return await response.text();
  } catch (error) {
    throw asBotError(error, signal);
  }
}

/** The body as lines (UTF-8 decoded across chunk boundaries, `\r` stripped, a trailing partial line included). */
export async function* readLines(response: Response, signal: AbortSignal): AsyncIterable<string> {
  if (response.body === null) return;
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for await (const chunk of response.body) {
      buffered += decoder.decode(chunk, { stream: true });
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        yield buffered.slice(0, newline).replace(/\r$/, '');
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
      }
    }
  } catch (error) {
    throw asBotError(error, signal);
  }
  buffered += decoder.decode();
  if (buffered !== '') yield buffered.replace(/\r$/, '');
}

export interface SseEvent {
  readonly event: string;
  readonly data: string;
}

/** Server-Sent Events as the OpenAI SDK's decoder reads them: comments skipped, data lines joined, a pending event flushed at EOF. */
export async function* readSse(response: Response, signal: AbortSignal): AsyncIterable<SseEvent> {
  let event = '';
  let data: string[] = [];
  for await (const line of readLines(response, signal)) {
    if (line === '') {
      if (data.length > 0) yield { event, data: data.join('\n') };
      event = '';
      data = [];
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
  }
  if (data.length > 0) yield { event, data: data.join('\n') };
}

export function asBotError(error: unknown, signal: AbortSignal): BotError {
  if (error instanceof BotError) return error;
  if (signal.aborted) return new BotError('the upstream did not answer in time');
  const refusal = outboundError(error);
  if (refusal !== undefined) {
    const hint = refusal.failure === 'refused' && / not a public address/.test(refusal.message) ? PRIVATE_HINT : '';
    return new BotError(
      `${refusal.failure === 'unavailable' ? 'could not read the upstream' : 'refused by the outbound policy'}: ${refusal.message}${hint}`,
    );
  }
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  return new BotError(`could not reach the upstream: ${code ?? message}`, code !== undefined && RETRYABLE_CODES.has(code));
}

function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current !== undefined && current !== null && depth < 4; depth += 1) {
    if (typeof current === 'object' && 'code' in current && typeof current.code === 'string') return current.code;
    current = typeof current === 'object' && 'cause' in current ? current.cause : undefined;
  }
  return undefined;
}

const PRIVATE_HINT = ' If this bot is meant to run on your own network, set allowPrivateNetwork: true in its config.';

/** Our own refusal, thrown directly or as the cause a stream read failed with. */
function outboundError(error: unknown): OutboundError | undefined {
  for (let current: unknown = error, depth = 0; current !== undefined && current !== null && depth < 4; depth += 1) {
    if (current instanceof OutboundError) return current;
    current = typeof current === 'object' && 'cause' in current ? current.cause : undefined;
  }
  return undefined;
}

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { decoded } from './decoded-body.js';
import { checkUrl, pinnedLookup, resolveTarget, type Target, type TargetPolicy } from './target-check.js';
import { OutboundError } from './outbound-error.js';

export interface FetchPolicy extends TargetPolicy {
  /** For the whole fetch: every DNS answer, redirect and byte of the body. */
  readonly timeoutMs: number;
  readonly maxRedirects: number;
  readonly userAgent: string;
}

export interface FetchRequest {
  readonly accept: string;
  /** MIME types (lowercase, no parameters) the response must declare. */
  readonly types: ReadonlySet<string>;
  readonly maxBytes: number;
  /** HTML may be cut at maxBytes (its head is what counts); anything else larger is refused. */
  readonly truncate: boolean;
}

export interface Fetched {
  /** Where the last redirect led. */
  readonly url: URL;
  readonly mimeType: string;
  readonly charset: string | null;
  readonly body: Buffer;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * GET a third-party resource as the link previewer may: every hop's URL and address checked
 * (target-check.ts), the connection pinned to the checked address, at most `maxRedirects` redirects,
 * one deadline for everything, only the declared types, and never more than `maxBytes` read
 * (decompressed bytes count, so a small gzip bomb stays small). No cookies, no credentials, no
 * proxies from the environment, a fresh connection each time (a pooled socket could belong to an
 * earlier, differently resolved host).
 */
export async function safeFetch(link: string, request: FetchRequest, policy: FetchPolicy): Promise<Fetched> {
  const deadline = AbortSignal.timeout(policy.timeoutMs);
  let url = checkUrl(link, policy);
  for (let redirects = 0; ; redirects += 1) {
    const target = await beforeDeadline(resolveTarget(url, policy), deadline, policy.timeoutMs);
    const response = await send(target, request, policy, deadline);
    if (REDIRECTS.has(response.statusCode ?? 0)) {
      response.destroy();
      const location = response.headers.location;
      if (location === undefined || !URL.canParse(location, url.href)) {
        throw new OutboundError('unavailable', `${url.host} answered ${response.statusCode} without a usable Location.`);
      }
      if (redirects >= policy.maxRedirects)
        throw new OutboundError('unavailable', `${link} redirects more than ${policy.maxRedirects} times.`);
      url = nextHop(new URL(location, url), policy);
      continue;
    }
    return await read(url, response, request, deadline, policy.timeoutMs);
  }
}

/** A redirect to somewhere a link could not point is a refusal, not a malformed request. */
function nextHop(url: URL, policy: FetchPolicy): URL {
  try {
    return checkUrl(url.href, policy);
  } catch (error) {
    if (error instanceof OutboundError)
      throw new OutboundError('refused', `A redirect leads to ${url.href.slice(0, 200)}: ${error.message}`);
    throw error;
  }
}

function send(target: Target, request: FetchRequest, policy: FetchPolicy, deadline: AbortSignal): Promise<IncomingMessage> {
  const get = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = get(target.url, {
      method: 'GET',
      agent: false,
      lookup: pinnedLookup(target),
      signal: deadline,
      headers: {
        accept: request.accept,
        'accept-encoding': 'gzip, deflate, br',
        'user-agent': policy.userAgent,
      },
    });
    outgoing.once('response', resolve);
    outgoing.once('error', (error) => reject(failure(error, deadline, policy.timeoutMs, target.url)));
    outgoing.end();
  });
}

async function read(
  url: URL,
  response: IncomingMessage,
  request: FetchRequest,
  deadline: AbortSignal,
  timeoutMs: number,
): Promise<Fetched> {
  const status = response.statusCode ?? 0;
  if (status < 200 || status > 299) {
    response.destroy();
    throw new OutboundError('unavailable', `${url.host} answered ${status}.`);
  }
  const { mimeType, charset } = parseContentType(response.headers['content-type']);
  if (!request.types.has(mimeType)) {
    response.destroy();
    throw new OutboundError(
      'unavailable',
      `${url.host} sent ${mimeType === '' ? 'no content type' : mimeType}, not ${[...request.types].join(' or ')}.`,
    );
  }
  const declared = Number(response.headers['content-length'] ?? Number.NaN);
  if (!request.truncate && declared > request.maxBytes) {
    response.destroy();
    throw new OutboundError('unavailable', `${url.host} sent ${declared} bytes; at most ${request.maxBytes} are read.`);
  }
  const source = decoded(response, url.host);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const raw of source) {
      // Without setEncoding a body stream yields Buffers; anything else would be our own mistake.
      const chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw));
      const room = request.maxBytes - size;
      size += chunk.length;
      if (size > request.maxBytes) {
        if (!request.truncate) throw new OutboundError('unavailable', `${url.host} sent more than ${request.maxBytes} bytes.`);
        chunks.push(chunk.subarray(0, room));
        break;
      }
      chunks.push(chunk);
    }
  } catch (error) {
    throw failure(error, deadline, timeoutMs, url);
  } finally {
    response.destroy();
    if (source !== response) source.destroy();
  }
  return { url, mimeType, charset, body: Buffer.concat(chunks) };
}

function parseContentType(header: string | undefined): { mimeType: string; charset: string | null } {
  const [type = '', ...parameters] = (header ?? '').split(';');
  const charset = parameters
    .map((parameter) => parameter.trim().split('='))
    .find(([name]) => name?.trim().toLowerCase() === 'charset')?.[1]
    ?.trim()
    .replace(/^"(.*)"$/, '$1');
  return { mimeType: type.trim().toLowerCase(), charset: charset === undefined || charset === '' ? null : charset };
}

function beforeDeadline<T>(work: Promise<T>, deadline: AbortSignal, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new OutboundError('unavailable', `No answer within ${timeoutMs} ms.`));
    if (deadline.aborted) return onAbort();
    deadline.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => deadline.removeEventListener('abort', onAbort));
  });
}

/** Network failures become `unavailable` with a short cause; our own refusals pass through. */
function failure(error: unknown, deadline: AbortSignal, timeoutMs: number, url: URL): OutboundError {
  if (error instanceof OutboundError) return error;
  if (deadline.aborted) return new OutboundError('unavailable', `${url.host} did not answer within ${timeoutMs} ms.`);
  const code = error instanceof Error && 'code' in error ? String(error.code) : error instanceof Error ? error.message : String(error);
  return new OutboundError('unavailable', `${url.host} could not be read (${code}).`);
}

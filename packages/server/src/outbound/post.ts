import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { Transform, type Readable } from 'node:stream';
import { isPublicAddress } from './address-policy.js';
import { decoded } from './decoded-body.js';
import { OutboundError } from './outbound-error.js';
import { bareHost, pinnedLookup, resolveTarget, systemResolve, type Resolve, type TargetPolicy } from './target-check.js';

export interface OutboundPost {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A FormData body is sent as multipart/form-data with its boundary; a string without content-type as text/plain. */
  readonly body: string | URLSearchParams | FormData;
  /** The caller's deadline: it covers DNS, connecting, the headers and every byte of the body. */
  readonly signal: AbortSignal;
  /** Private, loopback and link-local destinations too: the operator said this resource lives on their network. */
  readonly allowPrivateNetwork: boolean;
  /** The most body bytes read (after decompression); default 8 MiB. */
  readonly maxBytes?: number;
  /** DNS; tests answer for names of their own. */
  readonly resolve?: Resolve;
}

const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;
const NULL_BODY = new Set([204, 205, 304]);

/**
 * Pooled connections, as global fetch had them (a TLS handshake per bot turn would add its round
 * trips to every answer). A pooled socket was checked when it connected, under the policy of its
 * pool: public-only requests never share a pool with private-allowed ones, or a resource without the
 * allowance could reuse a socket another resource opened to a private address. The idle timeout stays
 * under Node's 5 s server keep-alive so a socket the other end is closing is not reused.
 */
const pooled = (): { readonly 'http:': HttpAgent; readonly 'https:': HttpsAgent } => ({
  'http:': new HttpAgent({ keepAlive: true, timeout: 4000 }),
  'https:': new HttpsAgent({ keepAlive: true, timeout: 4000 }),
});
const agents = { public: pooled(), private: pooled() };

/**
 * POSTs under the outbound policy (bot upstreams, tools, token endpoints, the translator):
 * - the destination must be a public address unless `allowPrivateNetwork`; a name is resolved once
 *   and the socket connects to the permitted address that was checked (no DNS rebinding between the
 *   check and the connection), an address literal is checked as it is;
 * - redirects are not followed: a 3xx is refused. Following one would replay the request (its
 *   credentials, the visitor's words) to wherever the upstream says, or turn it into a GET, and an
 *   integration endpoint has no business moving: its URL is configured, so the fix is to configure
 *   the final one;
 * - at most `maxBytes` of body are read, and the caller's signal bounds the time.
 * The answer is a web Response whose body streams (SSE, NDJSON) as it arrives. Network errors keep
 * their `code` (ECONNREFUSED, …) so callers can tell what is safe to retry.
 */
export async function outboundPost(request: OutboundPost): Promise<Response> {
  const url = checkedUrl(request.url);
  const policy: TargetPolicy = {
    permits: request.allowPrivateNetwork ? () => true : isPublicAddress,
    anyPort: true,
    resolve: request.resolve ?? systemResolve,
  };
  // A literal address never reaches the lookup below: it is checked here.
  if (isIP(bareHost(url)) !== 0) await resolveTarget(url, policy);
  const { bytes, contentType } = await encode(request.body);
  const headers: Record<string, string> = { ...request.headers, 'content-length': String(bytes.length) };
  if (contentType !== null && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type'))
    headers['content-type'] = contentType;
  const pool = agents[request.allowPrivateNetwork ? 'private' : 'public'];
  const agent = url.protocol === 'https:' ? pool['https:'] : pool['http:'];
  const incoming = await send(url, bytes, headers, policy, agent, request.signal);
  return toResponse(incoming, url, request.maxBytes ?? DEFAULT_MAX_BYTES);
}

function checkedUrl(text: string): URL {
  if (!URL.canParse(text)) throw new OutboundError('invalid', `${JSON.stringify(text.slice(0, 200))} is not an absolute URL.`);
  const url = new URL(text);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OutboundError('invalid', `Only http and https URLs are called, not ${url.protocol.slice(0, -1)}.`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new OutboundError('invalid', `${url.host}: a URL with a user name or password is not called; send credentials in a header.`);
  }
  return url;
}

async function encode(body: OutboundPost['body']): Promise<{ bytes: Buffer; contentType: string | null }> {
  if (typeof body === 'string') return { bytes: Buffer.from(body), contentType: 'text/plain;charset=UTF-8' };
  // Response serialises URLSearchParams and FormData (with its multipart boundary) as fetch would.
  const encoded = new Response(body);
  return { bytes: Buffer.from(await encoded.arrayBuffer()), contentType: encoded.headers.get('content-type') };
}

function send(
  url: URL,
  bytes: Buffer,
  headers: Record<string, string>,
  policy: TargetPolicy,
  agent: HttpAgent,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  const post = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = post(url, {
      method: 'POST',
      agent,
      lookup: checkedLookup(url, policy),
      headers,
      signal,
    });
    outgoing.once('response', resolve);
    outgoing.once('error', reject);
    outgoing.end(bytes);
  });
}

/** Resolves the host once and hands the socket only an address the policy permits. */
function checkedLookup(url: URL, policy: TargetPolicy): LookupFunction {
  return (hostname, options, callback) => {
    resolveTarget(url, policy).then(
      (target) => pinnedLookup(target)(hostname, options, callback),
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), ''),
    );
  };
}

function toResponse(incoming: IncomingMessage, url: URL, maxBytes: number): Response {
  const status = incoming.statusCode ?? 0;
  if (status >= 300 && status <= 399) {
    incoming.destroy();
    const location = incoming.headers.location;
    throw new OutboundError(
      'refused',
      `${url.host} answered ${status}${location === undefined ? '' : ` redirecting to ${location.slice(0, 200)}`}; redirects are not followed for POST requests: configure the final URL.`,
    );
  }
  if (status < 200 || status > 599) {
    incoming.destroy();
    throw new OutboundError('unavailable', `${url.host} answered the status ${status}.`);
  }
  const headers = new Headers();
  for (let i = 0; i + 1 < incoming.rawHeaders.length; i += 2) {
    try {
      headers.append(incoming.rawHeaders[i] ?? '', incoming.rawHeaders[i + 1] ?? '');
    } catch {
      // A header value fetch would refuse (a stray control character) is left out, as fetch leaves it out.
    }
  }
  headers.delete('content-encoding');
  headers.delete('content-length');
  if (NULL_BODY.has(status)) {
    incoming.destroy();
    return new Response(null, { status, headers });
  }
  const body = decoded(incoming, url.host).pipe(byteLimit(maxBytes, url.host));
  incoming.once('error', (error) => body.destroy(error));
  // A reader that stops early (or a body over the limit) must not leave the socket half read.
  body.once('close', () => {
    if (!incoming.complete) incoming.destroy();
  });
  return new Response(webStream(body), { status, statusText: incoming.statusMessage ?? '', headers });
}

function byteLimit(maxBytes: number, host: string): Transform {
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > maxBytes) callback(new OutboundError('unavailable', `${host} sent more than ${maxBytes} bytes.`));
      else callback(null, chunk);
    },
  });
}

/** The body as the web stream a Response reads, pulled chunk by chunk so the socket's backpressure holds. */
function webStream(body: Readable): ReadableStream<Uint8Array> {
  const chunks = body[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await chunks.next();
        // Without setEncoding a byte stream yields Buffers; anything else would be our own mistake.
        if (next.done === true) controller.close();
        else controller.enqueue(Buffer.isBuffer(next.value) ? next.value : Buffer.from(String(next.value)));
      } catch (error) {
        controller.error(error);
      }
    },
    cancel() {
      body.destroy();
    },
  });
}

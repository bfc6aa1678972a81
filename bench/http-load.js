// A closed-loop HTTP/1.1 load generator over raw keep-alive sockets: each connection sends its next request as
// soon as the previous response is complete. It parses only the status line and Content-Length, so one core
// of it outruns a bare node:http server (runHttpLoad's `ceiling` measures that on every run: the generator
// against a `net` server that answers canned bytes). Chunked responses are refused rather than miscounted.
import { connect, createServer } from 'node:net';
import { performance } from 'node:perf_hooks';

const HEADER_END = Buffer.from('\r\n\r\n');

const LENGTH_NAME = Buffer.from('\r\ncontent-length:');

/** The Content-Length of the head ending at `end`; node:http and Fastify write header names in lower case. */
function contentLength(buffered, end) {
  const at = buffered.indexOf(LENGTH_NAME);
  if (at < 0 || at > end) {
    const head = buffered.toString('latin1', 0, end);
    if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) throw new Error('http-load: chunked responses are not supported');
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    return length === null ? 0 : Number(length[1]);
  }
  let value = 0;
  for (let i = at + LENGTH_NAME.length; i < end; i++) {
    const byte = buffered[i];
    if (byte === 32) continue;
    if (byte < 48 || byte > 57) break;
    value = value * 10 + byte - 48;
  }
  return value;
}

/**
 * Parses the responses arriving on one socket. Returns the status of each complete response through
 * `onResponse`; keeps partial data for the next chunk.
 */
function responseReader(onResponse) {
  let buffered = Buffer.alloc(0);
  /** Body bytes still to skip for the response whose head was read. */
  let remaining = -1;
  let status = 0;
  return (chunk) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    for (;;) {
      if (remaining < 0) {
        const end = buffered.indexOf(HEADER_END);
        if (end < 0) return;
        status = (buffered[9] - 48) * 100 + (buffered[10] - 48) * 10 + (buffered[11] - 48);
        remaining = status === 304 || status === 204 ? 0 : contentLength(buffered, end);
        buffered = buffered.subarray(end + HEADER_END.length);
      }
      if (buffered.length < remaining) return;
      buffered = buffered.subarray(remaining);
      remaining = -1;
      onResponse(status);
    }
  };
}

function percentile(sorted, p) {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * `connections` keep-alive sockets to `target` ({ host, port }) sending GET `path` with `headers` in a closed
 * loop for `seconds` (after `warmupSeconds` not counted). Resolves with requests per second, p50/p99 latency
 * in ms and the statuses seen (a status other than `expectStatus` fails the run: a fast error is no figure).
 */
export async function runHttpLoad({ target, path, headers = {}, connections = 16, seconds = 5, warmupSeconds = 1, expectStatus = 200 }) {
  const request = Buffer.from(
    `GET ${path} HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\n` +
      Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('') +
      '\r\n',
    'latin1',
  );
  const samples = [];
  let counting = false;
  let stopped = false;
  let unexpected = null;
  const sockets = await Promise.all(
    Array.from(
      { length: connections },
      () =>
        new Promise((resolve, reject) => {
          const socket = connect({ host: target.host, port: target.port, noDelay: true }, () => resolve(socket));
          socket.once('error', reject);
        }),
    ),
  );
  const done = sockets.map(
    (socket) =>
      new Promise((resolve, reject) => {
        let sentAt = 0;
        const send = () => {
          sentAt = performance.now();
          socket.write(request);
        };
        const read = responseReader((status) => {
          if (counting) samples.push(performance.now() - sentAt);
          if (status !== expectStatus) unexpected ??= status;
          if (stopped || unexpected !== null) resolve();
          else send();
        });
        socket.on('data', (chunk) => {
          try {
            read(chunk);
          } catch (error) {
            socket.destroy();
            reject(error);
          }
        });
        socket.once('error', reject);
        socket.once('close', () => resolve());
        send();
      }),
  );
  await new Promise((resolve) => setTimeout(resolve, warmupSeconds * 1000));
  counting = true;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  counting = false;
  const elapsed = (performance.now() - started) / 1000;
  stopped = true;
  await Promise.all(done);
  for (const socket of sockets) socket.destroy();
  if (unexpected !== null) throw new Error(`http-load: ${path} answered ${unexpected}, expected ${expectStatus}`);
  const sorted = Float64Array.from(samples).sort();
  return {
    perSecond: Math.round(samples.length / elapsed),
    p50Ms: +percentile(sorted, 50).toFixed(3),
    p99Ms: +percentile(sorted, 99).toFixed(3),
  };
}

/**
 * The generator's own ceiling: a `net` server answering canned bytes (no HTTP parsing at all), in this
 * process's sibling — `startCannedServer` is meant to run in a child so the two do not share a core.
 */
export function startCannedServer(body) {
  const response = Buffer.from(
    `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    let pending = '';
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1');
      let end;
      while ((end = pending.indexOf('\r\n\r\n')) >= 0) {
        pending = pending.slice(end + 4);
        socket.write(response);
      }
    });
    socket.on('error', () => socket.destroy());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

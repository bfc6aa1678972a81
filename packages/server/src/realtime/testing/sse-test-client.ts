import { FrameLog, parseFrame, postFrame, query, type Connect, type TestClient } from './frame-log.js';

/** Test-only SSE client over fetch (Node has no EventSource): parses `data:` events, resolves at `welcome`. */
export const connectSse: Connect = async (options) => {
  const log = new FrameLog();
  const abort = new AbortController();
  const response = await fetch(`${options.baseUrl}/v1/realtime/sse?${query(options, { lastSeq: String(options.lastSeq ?? 0) })}`, {
    headers: { accept: 'text/event-stream', ...(options.origin === undefined ? {} : { origin: options.origin }) },
    signal: abort.signal,
  });
  if (response.status !== 200 || response.body === null) throw new Error(`HTTP ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = event
            .split('\n')
            .filter((line) => line.startsWith('data: '))
            .map((line) => line.slice(6))
            .join('\n');
          if (data === '') continue;
          const frame = parseFrame(data);
          if (frame.type === 'close') log.closed(frame.code, frame.reason);
          else log.push(frame);
        }
      }
    } catch {
      // Aborted by close(): the stream simply ends.
    }
    log.closed(1006, 'stream ended');
  })();
  await log.waitFor((frame) => frame.type === 'welcome');
  const sendUrl = `${options.baseUrl}/v1/realtime/sse/send?${query(options, {})}`;
  const client: TestClient = {
    log,
    send: (frame) => postFrame(sendUrl, frame, options.origin),
    async close() {
      abort.abort();
      await log.waitForClose();
    },
  };
  return client;
};

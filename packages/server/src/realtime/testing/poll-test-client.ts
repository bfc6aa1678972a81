import { isRecord } from './realtime-server.js';
import { FrameLog, isServerFrame, postFrame, query, type Connect, type TestClient } from './frame-log.js';

/** Test-only long-poll client: polls in a loop with `since` = the highest seq held; resolves after the first answer. */
export const connectPoll: Connect = async (options) => {
  const log = new FrameLog();
  let since = options.lastSeq ?? 0;
  let stopped = false;
  const abort = new AbortController();
  let first: (() => void) | undefined;
  const firstAnswer = new Promise<void>((resolve) => (first = resolve));
  void (async () => {
    while (!stopped) {
      try {
        const response = await fetch(`${options.baseUrl}/v1/realtime/poll?${query(options, { since: String(since), wait: '2000' })}`, {
          signal: abort.signal,
          headers: options.origin === undefined ? {} : { origin: options.origin },
        });
        const body: unknown = await response.json();
        const frames = isRecord(body) && Array.isArray(body['frames']) ? body['frames'] : [];
        for (const frame of frames) {
          if (!isServerFrame(frame)) continue;
          // Each poll starts with a welcome; the suite counts the first only.
          if (frame.type === 'welcome' && log.frames.some((f) => f.type === 'welcome')) continue;
          if (frame.type === 'close') {
            if (frame.code !== 1000) log.closed(frame.code, frame.reason);
            continue;
          }
          if (frame.type === 'message') since = Math.max(since, frame.message.seq);
          log.push(frame);
        }
        first?.();
      } catch {
        break;
      }
    }
    log.closed(1000, 'stopped');
  })();
  await firstAnswer;
  const sendUrl = `${options.baseUrl}/v1/realtime/poll/send?${query(options, {})}`;
  const client: TestClient = {
    log,
    send: (frame) => postFrame(sendUrl, frame, options.origin),
    async close() {
      stopped = true;
      abort.abort();
      await log.waitForClose();
    },
  };
  return client;
};

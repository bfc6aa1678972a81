import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, killServer, SERVER_MAIN, startServer, type ServerProcess } from '@parley/testkit';

/** main.ts's shutdown deadline (SHUTDOWN_GRACE_MS): past it a node exits whatever is still open. */
const DRAIN_DEADLINE_MS = 10_000;
/** Requests that log at info level: two lines each, made long by the URL, ~2 MB in all, far past a pipe's 64 KB-200 KB. */
const REQUESTS = 300;
const PAD = 'x'.repeat(3_500);

async function startLogging(): Promise<{ server: ServerProcess; port: number; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-shutdown-'));
  const port = await freePort();
  const server = await startServer({
    PARLEY_DATA_DIR: dataDir,
    PARLEY_PORT: String(port),
    PARLEY_HOST: '127.0.0.1',
    PARLEY_LOG_LEVEL: 'info',
  });
  return { server, port, dataDir };
}

/** Makes the node log; resolves with how many requests were answered before one hung (a blocked node answers none). */
async function makeItLog(port: number): Promise<number> {
  let answered = 0;
  for (let i = 0; i < REQUESTS; i++) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz?pad=${PAD}`, { signal: AbortSignal.timeout(2_000) });
      await response.text();
      answered++;
    } catch {
      break;
    }
  }
  return answered;
}

/** The exit code, or 'still running' when the node has not exited within the deadline (and a margin for a busy machine). */
function exitWithinDeadline(server: ServerProcess): Promise<number | null | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still running'>((done) => (timer = setTimeout(() => done('still running'), DRAIN_DEADLINE_MS + 5_000)));
  return Promise.race([server.exited, late]).finally(() => clearTimeout(timer));
}

describe('a node stopped with SIGTERM whatever its stdout does', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  const track = (started: { server: ServerProcess; dataDir: string }): void => {
    cleanups.push(async () => {
      await killServer(started.server, 'SIGKILL');
      rmSync(started.dataDir, { recursive: true, force: true });
    });
  };

  it('exits when nobody reads its stdout and stderr any more (the pipes fill up), and serves until then', async () => {
    expect(existsSync(SERVER_MAIN), `${SERVER_MAIN} is missing: run \`npm run build\` first (npm test does)`).toBe(true);
    const started = await startLogging();
    track(started);
    const { child } = started.server;
    for (const stream of [child.stdout, child.stderr]) {
      stream?.removeAllListeners('data');
      stream?.pause();
    }
    expect(await makeItLog(started.port)).toBe(REQUESTS);
    child.kill('SIGTERM');
    expect(await exitWithinDeadline(started.server)).toBe(0);
  }, 60_000);

  it('exits when its stdout and stderr were closed by the reader, and serves until then', async () => {
    const started = await startLogging();
    track(started);
    const { child } = started.server;
    child.stdout?.destroy();
    child.stderr?.destroy();
    expect(await makeItLog(started.port)).toBe(REQUESTS);
    child.kill('SIGTERM');
    expect(await exitWithinDeadline(started.server)).toBe(0);
  }, 60_000);
});

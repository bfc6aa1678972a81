// The built server (packages/server/dist) as `npm start` runs it, for the e2e tests and `npm run screenshots`.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const SERVER_MAIN = resolve(import.meta.dirname, '../../../packages/server/dist/main.js');

/** A port nobody listens on right now (the kernel picks it; the probe closes before we use it). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Resolves with the exit code (or null when killed by a signal) once the process is gone. */
  readonly exited: Promise<number | null>;
}

/**
 * Starts the built server like `npm start` does and resolves once it prints its URL. It waits for readiness, so the
 * limit only bounds a server that never comes up: 20 s was passed by starts under a CI load of 20+ (migrations, PBKDF2).
 */
export function startServer(env: Readonly<Record<string, string>>, timeoutMs = 60_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, [SERVER_MAIN], {
    env: { ...process.env, PARLEY_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('API reference:')) {
        clearTimeout(timer);
        done({ child, output: () => output, exited });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`server exited with ${code}:\n${output}`));
    });
  });
}

/** Kills the process with `signal` and resolves with its exit code once it has exited. */
export function killServer(server: ServerProcess, signal: NodeJS.Signals): Promise<number | null> {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill(signal);
  return server.exited;
}

export interface FreshServer {
  /** http://localhost:<port>: the server's own default public URL (PARLEY_PUBLIC_URL unset), so the console may log in from it. */
  readonly url: string;
  /** The widget the first start creates, answered by the built-in FAQ bot. */
  readonly demoWidgetId: string;
  /** The server's process id: a bench reads its CPU time from /proc. */
  readonly pid: number | undefined;
  /** Stops the server and removes its data directory. */
  close(): Promise<void>;
}

/**
 * The built server as a first `npm start` runs it: a new data directory, a free port, the demo widget.
 * `env` adds to its environment (an admin key, the console admin's login, a mail server).
 */
export async function startFreshServer(env: Readonly<Record<string, string>> = {}): Promise<FreshServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-'));
  try {
    const port = await freePort();
    const server = await startServer({ ...env, PARLEY_DATA_DIR: dataDir, PARLEY_PORT: String(port) });
    const demoWidgetId = /Demo widget: (wgt_\w+)/.exec(server.output())?.[1];
    if (demoWidgetId === undefined) {
      await killServer(server, 'SIGTERM');
      throw new Error(`no demo widget in the server output:\n${server.output()}`);
    }
    return {
      url: `http://localhost:${port}`,
      demoWidgetId,
      pid: server.child.pid,
      async close() {
        await killServer(server, 'SIGTERM');
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

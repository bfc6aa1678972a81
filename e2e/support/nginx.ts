import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@parley/testkit';

export const NGINX = '/usr/sbin/nginx';
const DEPLOY_DOC = resolve(import.meta.dirname, '../../docs/deploy.md');
const MARKER = '<!-- tested-nginx-config:';

/** The nginx block after the marker of a doc (by default docs/deploy.md's "Behind nginx" section), exactly as documented. */
export function documentedNginxConfig(docPath: string = DEPLOY_DOC): string {
  const doc = readFileSync(docPath, 'utf8');
  const at = doc.indexOf(MARKER);
  if (at < 0) throw new Error(`${docPath} has no ${MARKER} block`);
  const block = /```nginx\n([\s\S]*?)```/.exec(doc.slice(at));
  if (block?.[1] === undefined) throw new Error(`no nginx code block after ${MARKER} in ${docPath}`);
  return block[1];
}

export function replaceOnce(text: string, from: string, to: string): string {
  const parts = text.split(from);
  if (parts.length !== 2) throw new Error(`the documented nginx config must contain "${from}" exactly once (found ${parts.length - 1})`);
  return parts.join(to);
}

export interface Nginx {
  readonly baseUrl: string;
  readonly dir: string;
  /** The access log so far (format `parley_upstream` of the docs: one line per finished request, with `upstream=`). */
  readonly accessLog: () => string;
  readonly output: () => string;
  /** Graceful stop (SIGQUIT), then SIGKILL after 5 s; removes the prefix directory. */
  readonly stop: () => Promise<void>;
}

/**
 * Runs nginx in the foreground with docs/deploy.md's configuration in front of the given upstream ports:
 * everything (pid, logs, temp files) lives in a fresh prefix directory, and it runs as the current user.
 */
export async function startNginx(upstreamPorts: readonly [number, number]): Promise<Nginx> {
  return startNginxSite(async (dir) => {
    const port = await freePort();
    let site = documentedNginxConfig();
    site = replaceOnce(site, '127.0.0.1:3001', `127.0.0.1:${upstreamPorts[0]}`);
    site = replaceOnce(site, '127.0.0.1:3002', `127.0.0.1:${upstreamPorts[1]}`);
    site = replaceOnce(site, 'listen 80;', `listen 127.0.0.1:${port};`);
    site = replaceOnce(site, '/var/log/nginx/', `${dir}/logs/`);
    return { site, port };
  });
}

/**
 * Runs nginx with the site `build` returns (given the prefix directory, for its logs and files), in the
 * foreground, as the current user; resolves once `port` listens. baseUrl is http on that port.
 */
export async function startNginxSite(build: (dir: string) => Promise<{ readonly site: string; readonly port: number }>): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-nginx-'));
  mkdirSync(join(dir, 'logs'));
  mkdirSync(join(dir, 'temp'));
  const { site, port } = await build(dir);
  const temp = (name: string) => join(dir, 'temp', name);
  const conf = join(dir, 'nginx.conf');
  const root = process.getuid?.() === 0;
  writeFileSync(
    conf,
    [
      'daemon off;',
      'master_process on;',
      'worker_processes 2;',
      // Only a root master switches users; run the workers as whoever runs the test.
      ...(root ? [`user ${userInfo().username};`] : []),
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'error.log')} warn;`,
      'events { worker_connections 1024; }',
      'http {',
      `  client_body_temp_path ${temp('client_body')};`,
      `  proxy_temp_path ${temp('proxy')};`,
      `  fastcgi_temp_path ${temp('fastcgi')};`,
      `  uwsgi_temp_path ${temp('uwsgi')};`,
      `  scgi_temp_path ${temp('scgi')};`,
      `  access_log ${join(dir, 'logs', 'default.access.log')};`,
      site,
      '}',
      '',
    ].join('\n'),
  );
  const child = spawn(NGINX, ['-p', `${dir}/`, '-e', join(dir, 'error.log'), '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const errorLog = () => (existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '');
  await waitForPort(port, child, () => `${output}\n${errorLog()}`);
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    dir,
    accessLog: () => {
      const path = join(dir, 'logs', 'parley.access.log');
      return existsSync(path) ? readFileSync(path, 'utf8') : '';
    },
    output: () => `${output}\n${errorLog()}`,
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  return new Promise((done, fail) => {
    const deadline = Date.now() + 10_000;
    let exited = false;
    child.once('exit', (code) => {
      exited = true;
      fail(new Error(`nginx exited with ${code}:\n${output()}`));
    });
    const attempt = () => {
      if (exited) return;
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        done();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) fail(new Error(`nginx did not listen on ${port}:\n${output()}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      done();
    });
    child.kill('SIGQUIT');
  });
}

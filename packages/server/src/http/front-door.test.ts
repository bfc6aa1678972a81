import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { frontDoor, type MemoryAnswer } from './front-door.js';

describe('frontDoor', () => {
  let server: Server | undefined;

  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  /** A server whose "Fastify" answers 299 with the path, behind `answer`. */
  async function start(answer: MemoryAnswer, options: Record<string, unknown> = {}): Promise<string> {
    server = frontDoor(() => answer)((request, response) => response.writeHead(299).end(`fastify ${request.url}`), options);
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address !== 'object' || address === null) throw new Error('not listening on a port');
    return `http://127.0.0.1:${address.port}`;
  }

  it('answers what the memory answer takes and hands everything else to Fastify', async () => {
    const base = await start((request, response) => {
      if (request.url !== '/held') return false;
      response.writeHead(200).end('from memory');
      return true;
    });
    const held = await fetch(`${base}/held`);
    expect([held.status, await held.text()]).toEqual([200, 'from memory']);
    const other = await fetch(`${base}/other`);
    expect([other.status, await other.text()]).toEqual([299, 'fastify /other']);
  });

  it('hands a request to Fastify when the memory answer throws before writing, and keeps serving', async () => {
    const base = await start(() => {
      throw new Error('bad header');
    });
    const answered = await fetch(`${base}/x`);
    expect([answered.status, await answered.text()]).toEqual([299, 'fastify /x']);
    expect((await fetch(`${base}/y`)).status).toBe(299);
  });

  it('gives the server the timeouts Fastify passes', async () => {
    await start(() => false, { keepAliveTimeout: 72_000, requestTimeout: 5_000, connectionTimeout: 0, maxRequestsPerSocket: 7 });
    expect([server?.keepAliveTimeout, server?.requestTimeout, server?.maxRequestsPerSocket]).toEqual([72_000, 5_000, 7]);
  });
});

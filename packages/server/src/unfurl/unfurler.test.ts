import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Unfurler } from './unfurler.js';
import { OutboundError } from '../outbound/index.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');

describe('Unfurler', () => {
  let server: Server;
  let origin: string;
  const hits = new Map<string, number>();
  let clock = 0;
  let release: () => void = () => undefined;
  const routes: Record<string, (response: ServerResponse) => void> = {
    '/article': (response) =>
      response
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end('<head><meta property="og:title" content="Article"><meta property="og:image" content="/cover.png"></head>'),
    '/held': (response) => {
      // Answers only when the test says so, so that two asks are in flight together.
      void new Promise<void>((done) => (release = done)).then(() =>
        response.writeHead(200, { 'content-type': 'text/html' }).end('<title>Held</title>'),
      );
    },
    '/credentials-picture': (response) =>
      response
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<head><title>Odd</title><meta property="og:image" content="https://user:secret@cdn.example.com/a.png"></head>'),
    '/untitled': (response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<p>no head</p>'),
    '/cover.png': (response) => response.writeHead(200, { 'content-type': 'image/png' }).end(PNG),
    '/fake.png': (response) => response.writeHead(200, { 'content-type': 'image/png' }).end('<svg onload="alert(1)"/>'),
  };

  beforeAll(async () => {
    server = createServer((request, response) => {
      const path = request.url ?? '';
      hits.set(path, (hits.get(path) ?? 0) + 1);
      (routes[path] ?? ((r: ServerResponse) => r.writeHead(404).end()))(response);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  // Loopback on any port only through the explicit option; the clock is the test's.
  const unfurler = () => new Unfurler({ allowPrivate: true, now: () => clock });

  it('keeps a preview for a day: asking again fetches nothing until then', async () => {
    const subject = unfurler();
    const key = subject.normalize(`${origin}/article#comments`);
    expect(key).toBe(`${origin}/article`);
    expect(subject.isKnown(key)).toBe(false);
    const preview = await subject.preview(key);
    expect(preview).toMatchObject({ title: 'Article', image: { url: `${origin}/cover.png` } });
    expect(subject.isKnown(key)).toBe(true);
    await subject.preview(key);
    expect(hits.get('/article')).toBe(1);
    clock += 24 * 60 * 60 * 1000;
    await subject.preview(key);
    expect(hits.get('/article')).toBe(2);
  });

  it('shares one fetch between asks for the same link made at the same time', async () => {
    const subject = unfurler();
    const key = subject.normalize(`${origin}/held`);
    const first = subject.preview(key);
    const second = subject.preview(key);
    expect(subject.isKnown(key)).toBe(true);
    await expect.poll(() => hits.get('/held')).toBe(1);
    release();
    await expect(Promise.all([first, second])).resolves.toEqual([
      expect.objectContaining({ title: 'Held' }),
      expect.objectContaining({ title: 'Held' }),
    ]);
    expect(hits.get('/held')).toBe(1);
  });

  it('remembers a failure for ten minutes', async () => {
    const subject = unfurler();
    const key = subject.normalize(`${origin}/untitled`);
    await expect(subject.preview(key)).rejects.toThrow(OutboundError);
    await expect(subject.preview(key)).rejects.toThrow('has no title');
    expect(hits.get('/untitled')).toBe(1);
    clock += 10 * 60 * 1000;
    await expect(subject.preview(key)).rejects.toThrow('has no title');
    expect(hits.get('/untitled')).toBe(2);
  });

  it('serves a picture only when its bytes are the picture it claims to be', async () => {
    const subject = unfurler();
    await expect(subject.image(`${origin}/cover.png`)).resolves.toEqual({ mimeType: 'image/png', bytes: PNG });
    await expect(subject.image(`${origin}/fake.png`)).rejects.toThrow('not a PNG, JPEG, GIF or WebP');
  });

  it('leaves out a picture the image proxy would refuse on sight', async () => {
    const preview = await unfurler().preview(`${origin}/credentials-picture`);
    expect(preview).toMatchObject({ title: 'Odd', image: null });
  });

  it('refuses loopback and odd ports without the option', async () => {
    const strict = new Unfurler({ allowPrivate: false });
    expect(() => strict.normalize(`${origin}/article`)).toThrow('standard ports');
    const error = await strict.preview(strict.normalize('http://127.0.0.1/article')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OutboundError);
    expect(error).toMatchObject({ failure: 'refused' });
  });
});

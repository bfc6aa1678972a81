import { once } from 'node:events';
import { createConnection, createServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

let echo: Server;
let proxy: TcpProxy;

afterEach(async () => {
  await proxy.close();
  await new Promise((resolve) => echo.close(resolve));
});

/** Connects through the proxy and says `text`; resolves with the echo, or with the error code when the link is reset. */
async function roundTrip(text: string): Promise<string> {
  const socket = createConnection({ host: '127.0.0.1', port: proxy.port });
  return new Promise((resolve) => {
    socket.once('data', (data) => (resolve(data.toString()), socket.end()));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    socket.once('close', () => resolve('closed'));
    socket.write(text);
  });
}

describe('startTcpProxy', () => {
  it('relays until cut, resets open and new connections while cut, and relays again after restore', async () => {
    // The proxy resets the echo's side too when cut: that error is expected.
    echo = createServer((socket) => socket.on('error', () => undefined).pipe(socket)).listen(0, '127.0.0.1');
    await once(echo, 'listening');
    const { port } = echo.address() as AddressInfo; // node:net types address() as string | AddressInfo | null.
    proxy = await startTcpProxy({ target: { host: '127.0.0.1', port } });
    expect(await roundTrip('one')).toBe('one');

    const open = createConnection({ host: '127.0.0.1', port: proxy.port });
    await once(open, 'connect');
    const failed = new Promise<string>((resolve) => open.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? '')));
    proxy.cut();
    expect(await failed).toBe('ECONNRESET');
    expect(await roundTrip('two')).toBe('ECONNRESET');

    proxy.restore();
    expect(await roundTrip('three')).toBe('three');
  });

  it('in a blackhole holds open and new connections without a byte either way, and lets the held bytes through after restore', async () => {
    echo = createServer((socket) => socket.on('error', () => undefined).pipe(socket)).listen(0, '127.0.0.1');
    await once(echo, 'listening');
    const { port } = echo.address() as AddressInfo; // node:net types address() as string | AddressInfo | null.
    proxy = await startTcpProxy({ target: { host: '127.0.0.1', port } });
    const open = createConnection({ host: '127.0.0.1', port: proxy.port });
    await once(open, 'connect');
    const received: string[] = [];
    open.on('data', (data) => received.push(data.toString()));
    open.write('before');
    await expect.poll(() => received.join('')).toBe('before');

    proxy.cut('blackhole');
    open.write(' held');
    const late = createConnection({ host: '127.0.0.1', port: proxy.port });
    await once(late, 'connect');
    const lateReceived: string[] = [];
    late.on('data', (data) => lateReceived.push(data.toString()));
    late.write('late');
    // Nothing is expected, so there is no event to wait for: a quarter second of silence stands for "nothing passes".
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect([received.join(''), lateReceived.join('')]).toEqual(['before', '']);

    proxy.restore();
    await expect.poll(() => [received.join(''), lateReceived.join('')]).toEqual(['before held', 'late']);
    open.destroy();
    late.destroy();
  });
});

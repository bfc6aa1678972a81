import { createConnection, createServer, type Socket } from 'node:net';

/**
 * How a cut looks to the client: `reset` as a crashed peer or a refusing port (ECONNRESET at once);
 * `blackhole` as a silent partition, where packets vanish and nothing tells the client: connections
 * stay open and new ones are accepted, but no byte passes either way until `restore()`.
 */
export type CutMode = 'reset' | 'blackhole';

export interface TcpProxy {
  /** The port it listens on (127.0.0.1, picked by the kernel). */
  readonly port: number;
  /**
   * `reset` (the default): resets every open connection and refuses new ones (accepted, then reset at once) until
   * `restore()`. `blackhole`: holds every connection, open and new, without passing a byte until `restore()`.
   */
  cut(mode?: CutMode): void;
  /** Lets connections through again; after a blackhole, what was held goes through, late. */
  restore(): void;
  close(): Promise<void>;
}

/**
 * A TCP relay of the test's own between a client and a real service, to cut the link without touching the
 * service (the machine's PostgreSQL, Redis or a Parley node keep running). A cut resets the sockets, as a
 * crashed peer or a refusing port does, so clients see ECONNRESET rather than a silent hang — unless the
 * test asks for the silent hang (`blackhole`).
 */
export async function startTcpProxy(options: { readonly target: { readonly host: string; readonly port: number } }): Promise<TcpProxy> {
  const pairs = new Set<readonly [Socket, Socket]>();
  /** Clients accepted during a blackhole, not yet connected to the target. */
  const waiting = new Set<Socket>();
  let state: 'open' | CutMode = 'open';
  const reset = (socket: Socket): void => void (socket.destroyed ? undefined : socket.resetAndDestroy());
  const flow = ([client, upstream]: readonly [Socket, Socket]): void => {
    client.pipe(upstream);
    upstream.pipe(client);
  };
  const stall = ([client, upstream]: readonly [Socket, Socket]): void => {
    // Unpiped and paused, so that nothing is read: what either side sends waits in the socket buffers.
    client.unpipe(upstream);
    upstream.unpipe(client);
    client.pause();
    upstream.pause();
  };
  const relay = (client: Socket): void => {
    const upstream = createConnection(options.target);
    const pair = [client, upstream] as const;
    pairs.add(pair);
    const end = (): void => {
      pairs.delete(pair);
      reset(client);
      reset(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    flow(pair);
  };
  const server = createServer((client) => {
    if (state === 'reset') return reset(client);
    if (state === 'open') return relay(client);
    client.pause();
    waiting.add(client);
    const forget = (): void => void waiting.delete(client);
    client.on('error', forget).on('close', forget);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the TCP proxy has no port');
  const cutAll = (): void => {
    for (const [client, upstream] of [...pairs]) {
      reset(client);
      reset(upstream);
    }
    pairs.clear();
    for (const client of waiting) reset(client);
    waiting.clear();
  };
  return {
    port: address.port,
    cut: (mode = 'reset') => {
      state = mode;
      if (mode === 'reset') cutAll();
      else for (const pair of pairs) stall(pair);
    },
    restore: () => {
      const held = state === 'blackhole';
      state = 'open';
      if (!held) return;
      for (const pair of pairs) flow(pair);
      for (const client of [...waiting]) {
        waiting.delete(client);
        client.removeAllListeners('error').removeAllListeners('close');
        relay(client);
      }
    },
    close: () =>
      new Promise((resolve) => {
        cutAll();
        server.close(() => resolve());
      }),
  };
}

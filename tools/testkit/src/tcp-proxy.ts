import { createConnection, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  /** The port it listens on (127.0.0.1, picked by the kernel). */
  readonly port: number;
  /** Resets every open connection and refuses new ones (accepted, then reset at once) until `restore()`. */
  cut(): void;
  /** Lets connections through again. */
  restore(): void;
  close(): Promise<void>;
}

/**
 * A TCP relay of the test's own between a client and a real service, to cut the link without touching the
 * service (the machine's PostgreSQL, Redis or a Parley node keep running). A cut resets the sockets, as a
 * crashed peer or a refusing port does, so clients see ECONNRESET rather than a silent hang.
 */
export async function startTcpProxy(options: { readonly target: { readonly host: string; readonly port: number } }): Promise<TcpProxy> {
  const pairs = new Set<readonly [Socket, Socket]>();
  let refusing = false;
  const reset = (socket: Socket): void => void (socket.destroyed ? undefined : socket.resetAndDestroy());
  const server = createServer((client) => {
    if (refusing) return reset(client);
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
    client.pipe(upstream);
    upstream.pipe(client);
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
  };
  return {
    port: address.port,
    cut: () => {
      refusing = true;
      cutAll();
    },
    restore: () => void (refusing = false),
    close: () =>
      new Promise((resolve) => {
        cutAll();
        server.close(() => resolve());
      }),
  };
}

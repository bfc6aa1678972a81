import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request as the receiver got it. */
export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The answer it gave. */
  readonly status: number;
  // The envelope, read loosely: each test states the shape it expects.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any;
}

/**
 * Test-only: an HTTP endpoint on 127.0.0.1 that records every webhook request and answers with the
 * status `answer` picks (200 by default). `verified(secret)` checks requests with the standardwebhooks
 * package — an implementation independent of Parley's signer.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  answer: (request: { readonly body: string; readonly index: number }) => number = () => 200;
  /** Requests it never answers (the sender waits until it gives up); their bodies are kept in `held`. */
  hold: (body: string) => boolean = () => false;
  readonly held: string[] = [];
  private readonly waiters = new Set<() => void>();

  private readonly server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (this.hold(body)) {
        this.held.push(body);
        for (const wake of [...this.waiters]) wake();
        return;
      }
      const status = this.answer({ body, index: this.received.length });
      this.received.push({ headers: request.headers, body, status, json: JSON.parse(body) });
      response.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok thanks' : `failing with ${status}`);
      for (const wake of [...this.waiters]) wake();
    });
  });
  private address = '';

  get url(): string {
    return this.address;
  }

  static async start(path = '/hooks/parley'): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    receiver.server.listen(0, '127.0.0.1');
    await once(receiver.server, 'listening');
    const { port } = receiver.server.address() as AddressInfo;
    receiver.address = `http://127.0.0.1:${port}${path}`;
    return receiver;
  }

  /** The requests answered with a 2xx. */
  get accepted(): Received[] {
    return this.received.filter((request) => request.status < 300);
  }

  /** Resolves once `done` holds for what was received (checked after every request); rejects after `timeoutMs`. */
  async until(done: (receiver: WebhookReceiver) => boolean, timeoutMs = 20_000): Promise<void> {
    if (done(this)) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`the receiver got ${this.received.length} requests, not what the test waited for`));
      }, timeoutMs);
      const check = (): void => {
        if (!done(this)) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  /** Whether standardwebhooks accepts the request's signature with this secret. */
  static verifies(request: Received, secret: string): boolean {
    try {
      new Webhook(secret).verify(request.body, {
        'webhook-id': String(request.headers['webhook-id']),
        'webhook-timestamp': String(request.headers['webhook-timestamp']),
        'webhook-signature': String(request.headers['webhook-signature']),
      });
      return true;
    } catch {
      // standardwebhooks throws WebhookVerificationError for any mismatch: that is the answer here.
      return false;
    }
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

import WebSocket from 'ws';

/** Test-only: @n8n/chat's side of `/chat`, as a test sees it: every text frame received, and the close. */
export class N8nClient {
  readonly texts: string[] = [];
  closed: { code: number; reason: string } | undefined;
  answerHeartbeats = true;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = data.toString();
      if (text === 'n8n|heartbeat') {
        if (this.answerHeartbeats) ws.send('n8n|heartbeat-ack');
        return;
      }
      this.texts.push(text);
    });
    ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
  }

  /** Opens `/chat?<query>` on the server at `baseUrl`, from a page on `origin`. */
  static async open(baseUrl: string, origin: string, query: string): Promise<N8nClient> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/chat?${query}`, { headers: { origin } });
    const client = new N8nClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  send(sessionId: string, chatInput: string, files: unknown[] = []): void {
    this.ws.send(JSON.stringify({ sessionId, action: 'sendMessage', chatInput, files }));
  }

  async waitFor(text: string | RegExp): Promise<void> {
    const seen = () => {
      if (this.closed !== undefined) throw new Error(`the socket closed (${JSON.stringify(this.closed)}) before ${String(text)}`);
      return this.texts.some((received) => (typeof text === 'string' ? received === text : text.test(received)));
    };
    await until(seen, `${String(text)} among ${JSON.stringify(this.texts)}`);
  }

  async waitForClose(): Promise<{ code: number; reason: string }> {
    await until(() => this.closed !== undefined, 'the socket to close');
    return this.closed ?? { code: 0, reason: '' };
  }
}

export async function until(done: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i += 1) {
    if (await done()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`waited in vain for ${what}`);
}

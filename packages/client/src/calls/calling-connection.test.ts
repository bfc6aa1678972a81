import { REALTIME_VERSION, type ClientFrame, type ServerFrame } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import type { Transport, TransportClose, TransportName, TransportTarget } from '../realtime/transport.js';
import { CallingConnection } from './calling-connection.js';

class FakeTransport implements Transport {
  readonly heartbeats = false;
  readonly sent: ClientFrame[] = [];
  private opened: () => void = () => undefined;
  private onFrame: (frame: ServerFrame) => void = () => undefined;
  constructor(
    readonly name: TransportName,
    readonly target: TransportTarget,
  ) {}
  open(onFrame: (frame: ServerFrame) => void, _onClose: (close: TransportClose) => void): Promise<void> {
    this.onFrame = onFrame;
    return new Promise((resolve) => (this.opened = resolve));
  }
  send(frame: ClientFrame): Promise<void> {
    this.sent.push(frame);
    return Promise.resolve();
  }
  close(): void {}
  welcome(): void {
    this.onFrame({ type: 'welcome', v: REALTIME_VERSION, conversationId: 'conv_1', lastSeq: 0, heartbeatMs: 25_000 });
    this.opened();
  }
}

const flush = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('CallingConnection', () => {
  it('sends a call frame only on an open link, and never queues one for later', async () => {
    const transports: FakeTransport[] = [];
    const connection = new CallingConnection({
      baseUrl: 'http://parley.test',
      token: 't1',
      createTransport: (name, target) => {
        const transport = new FakeTransport(name, target);
        transports.push(transport);
        return transport;
      },
    });
    expect(connection.call({ type: 'call_offer', callId: 'call-00000001', kind: 'video' })).toBe(false);
    connection.connect();
    await flush();
    transports.at(-1)?.welcome();
    await flush();
    expect(connection.call({ type: 'call_accept', callId: 'call-00000002' })).toBe(true);
    await flush();
    const sent = transports.flatMap((transport) => transport.sent).filter((frame) => frame.type.startsWith('call_'));
    expect(sent).toEqual([{ type: 'call_accept', callId: 'call-00000002' }]);
    connection.close();
  });
});

import { describe, expect, it, vi } from 'vitest';
import type { CallSignal } from '@parley/protocol';
import { CallPeer, type PeerConnectionConstructor } from './call-peer.js';

/** A fake RTCPeerConnection that records what the peer asks of it. */
class FakePeerConnection {
  static made: FakePeerConnection[] = [];
  readonly calls: string[] = [];
  localDescription: { type: string; sdp: string } | null = null;
  connectionState = 'new';
  onicecandidate: ((event: { candidate: null | object }) => void) | null = null;
  ontrack: unknown = null;
  onconnectionstatechange: (() => void) | null = null;
  constructor(readonly configuration: RTCConfiguration) {
    FakePeerConnection.made.push(this);
  }
  addTrack(): void {
    this.calls.push('addTrack');
  }
  addTransceiver(kind: string, init: { direction: string }): void {
    this.calls.push(`addTransceiver ${kind} ${init.direction}`);
  }
  async createOffer(): Promise<{ type: string; sdp: string }> {
    return { type: 'offer', sdp: 'v=0 offer' };
  }
  async createAnswer(): Promise<{ type: string; sdp: string }> {
    return { type: 'answer', sdp: 'v=0 answer' };
  }
  async setLocalDescription(description: { type: string; sdp: string }): Promise<void> {
    this.localDescription = description;
    this.calls.push(`setLocal ${description.type}`);
  }
  async setRemoteDescription(description: { type: string; sdp: string }): Promise<void> {
    this.calls.push(`setRemote ${description.type}`);
  }
  async addIceCandidate(candidate: { candidate: string }): Promise<void> {
    this.calls.push(`addIce ${candidate.candidate}`);
  }
  close(): void {
    this.calls.push('close');
  }
}

const Fake = FakePeerConnection as unknown as PeerConnectionConstructor;
const last = (): FakePeerConnection => FakePeerConnection.made.at(-1) ?? new FakePeerConnection({});

describe('CallPeer', () => {
  it('as the offerer asks to receive what it does not send, offers, and takes the answer', async () => {
    const peer = new CallPeer({
      iceServers: [{ urls: 'stun:s:3478' }],
      offerer: true,
      local: null,
      receive: { audio: true, video: true },
      RTCPeerConnection: Fake,
    });
    const signals: CallSignal[] = [];
    peer.on('signal', (signal) => signals.push(signal));
    await peer.start();
    expect(last().configuration).toEqual({ iceServers: [{ urls: ['stun:s:3478'] }] });
    expect(signals).toEqual([{ kind: 'sdp', type: 'offer', sdp: 'v=0 offer' }]);
    await peer.accept({ kind: 'sdp', type: 'answer', sdp: 'v=0 answer' });
    expect(last().calls).toEqual(['addTransceiver audio recvonly', 'addTransceiver video recvonly', 'setLocal offer', 'setRemote answer']);
  });

  it('as the answerer holds candidates until the offer is set, then answers', async () => {
    const peer = new CallPeer({
      iceServers: [],
      offerer: false,
      local: null,
      receive: { audio: true, video: false },
      RTCPeerConnection: Fake,
    });
    const signals: CallSignal[] = [];
    peer.on('signal', (signal) => signals.push(signal));
    await peer.start();
    await peer.accept({ kind: 'ice', candidate: { candidate: 'candidate:early', sdpMid: '0', sdpMLineIndex: 0 } });
    expect(last().calls).toEqual([]);
    await peer.accept({ kind: 'sdp', type: 'offer', sdp: 'v=0 offer' });
    await peer.accept({ kind: 'ice', candidate: { candidate: 'candidate:late' } });
    await peer.accept({ kind: 'ice', candidate: null });
    expect(last().calls).toEqual(['setRemote offer', 'addIce candidate:early', 'setLocal answer', 'addIce candidate:late']);
    expect(signals).toEqual([{ kind: 'sdp', type: 'answer', sdp: 'v=0 answer' }]);
  });

  it('reports connected and failed from the connection state, and nothing after close', () => {
    const peer = new CallPeer({
      iceServers: [],
      offerer: false,
      local: null,
      receive: { audio: true, video: true },
      RTCPeerConnection: Fake,
    });
    const states: string[] = [];
    peer.on('state', (state) => states.push(state));
    const pc = last();
    pc.connectionState = 'connected';
    pc.onconnectionstatechange?.();
    pc.connectionState = 'failed';
    pc.onconnectionstatechange?.();
    peer.close();
    pc.connectionState = 'connected';
    pc.onconnectionstatechange?.();
    expect(states).toEqual(['connected', 'failed', 'closed']);
    expect(pc.calls).toContain('close');
  });

  it('is failed when it has not connected within connectTimeoutMs (no candidate pair ever forms), and not once connected', () => {
    vi.useFakeTimers();
    try {
      const options = { iceServers: [], offerer: true, local: null, receive: { audio: true, video: false }, RTCPeerConnection: Fake };
      const stuck = new CallPeer({ ...options, connectTimeoutMs: 5000 });
      const states: string[] = [];
      stuck.on('state', (state) => states.push(state));
      vi.advanceTimersByTime(4999);
      expect(states).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(states).toEqual(['failed']);

      const connected = new CallPeer({ ...options, connectTimeoutMs: 5000 });
      const later: string[] = [];
      connected.on('state', (state) => later.push(state));
      last().connectionState = 'connected';
      last().onconnectionstatechange?.();
      vi.advanceTimersByTime(60_000);
      expect(later).toEqual(['connected']);
    } finally {
      vi.useRealTimers();
    }
  });
});

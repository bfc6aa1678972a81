import type { BusGap } from './bus.js';

/** The channel on which nodes tell each other which of their publishes were dropped. */
export const GAPS_CHANNEL = 'parley:bus:gaps';

/** A notice names at most this many channels, so that one never becomes a huge Redis message. */
const CHANNELS_PER_NOTICE = 200;

/** A notice body that stands for every channel. */
const ALL = '*';

/** What is remembered: some channels, or only that there were too many to name. */
export type Dropped = ReadonlySet<string> | 'all';

/**
 * The channels this node's dropped publishes were meant for, kept until the other nodes have been
 * told. Bounded: past `limit` distinct channels it only remembers that there were too many, and the
 * notice then asks every node to re-read everything, which costs one database read per open link
 * but never grows this node's memory during a long outage under load.
 */
export class DroppedChannels {
  private dropped: Set<string> | 'all' = new Set();

  constructor(private readonly limit: number) {}

  get empty(): boolean {
    return this.dropped !== 'all' && this.dropped.size === 0;
  }

  add(channel: string): void {
    if (this.dropped === 'all') return;
    this.dropped.add(channel);
    if (this.dropped.size > this.limit) this.dropped = 'all';
  }

  /** Hands over everything remembered and starts afresh; `giveBack` it if the notice could not be sent. */
  take(): Dropped {
    const taken = this.dropped;
    this.dropped = new Set();
    return taken;
  }

  giveBack(taken: Dropped): void {
    if (taken === 'all') {
      this.dropped = 'all';
      return;
    }
    for (const channel of taken) this.add(channel);
  }
}

/** The bodies of the notices that announce `dropped` (the bus adds its node-id envelope). */
export function encodeGapNotices(dropped: Dropped): string[] {
  if (dropped === 'all') return [ALL];
  const channels = [...dropped];
  const bodies: string[] = [];
  for (let i = 0; i < channels.length; i += CHANNELS_PER_NOTICE) bodies.push(JSON.stringify(channels.slice(i, i + CHANNELS_PER_NOTICE)));
  return bodies;
}

/** The gap a notice body announces; undefined for a body this version does not understand. */
export function decodeGapNotice(body: string): BusGap | undefined {
  if (body === ALL) return { kind: 'all' };
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const channels = new Set<string>();
  for (const channel of value) {
    if (typeof channel !== 'string') return undefined;
    channels.add(channel);
  }
  return { kind: 'channels', channels };
}

import { randomUUID } from 'node:crypto';
import { BLOCK_DURATION_MS, type BlockCreate, type Page, type VisitorBlock } from '@parley/protocol';
import type { Bus, BusLog } from '../bus/bus.js';
import { addressKey } from '../challenge/address-key.js';
import { ApiError } from '../http/api-error.js';
import type { Db } from '../store/database.js';
import { blocksStore } from './blocks-store.js';

/** Where a node says "blocks changed" to the others: `{ node, added?: VisitorBlock }`. */
export const BLOCKS_CHANNEL = 'parley:blocks';

/** A change missed on the bus (Redis away, and no resync yet) is picked up after this long at the latest. */
const TTL_MS = 60_000;

/** Who a public request comes from, as far as blocks go. */
export interface BlockCheck {
  readonly widgetId: string;
  /** The visitor's subject (visitorSubject); absent before a conversation or identity exists. */
  readonly visitor?: string | undefined;
  /** The client address as the request gives it (raw); absent for trusted callers, who are never blocked by address. */
  readonly address?: string | undefined;
}

/** The conversation a block is made from. */
export interface BlockTarget {
  readonly id: string;
  readonly widget_id: string;
  readonly identity_user_id: string | null;
}

/** What a visitor block refuses: a verified identity (all its sessions, now and later), else the one conversation. */
export function visitorSubject(conversation: Pick<BlockTarget, 'id' | 'identity_user_id'>): string {
  return conversation.identity_user_id === null ? `conv:${conversation.id}` : `user:${conversation.identity_user_id}`;
}

interface Change {
  readonly node: string;
  readonly added?: VisitorBlock;
}

/** The blocks in force by scope, widget and subject; `addresses` counts the address blocks among them. */
interface View {
  readonly byKey: ReadonlyMap<string, readonly VisitorBlock[]>;
  readonly addresses: number;
}
const keyOf = (scope: string, widgetId: string | null, subject: string): string => `${scope}|${widgetId ?? '*'}|${subject}`;

/**
 * The blocks in force, as every public path consults them: loaded once into memory, so a check costs
 * no database read. A change on any node drops the view everywhere through the bus (the next check
 * reads it again), and the node's listeners close the sockets the new block refuses. A block stops
 * applying by itself when it expires: the view checks the time on every look-up.
 */
export class Blocklist {
  private view: Promise<View> | undefined;
  private loadedAt = 0;
  private readonly node = randomUUID();
  private readonly listeners = new Set<(block: VisitorBlock) => void>();
  private listening: Promise<unknown> | undefined;
  /**
   * What is stored and compared of a visitor's address (privacy/visitor-address.ts): by default a keyed hash,
   * never the address; app.ts sets it from PARLEY_STORE_VISITOR_IP. The plain address key until then (tests).
   */
  storedAddress: (address: string) => string = addressKey;

  constructor(
    private readonly db: Db,
    private readonly bus: Bus,
    private readonly log: BusLog,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = TTL_MS,
  ) {}

  /** Subscribes to other nodes' changes (idempotent); the bus ends the subscription when it closes. */
  listen(): Promise<unknown> {
    this.listening ??= this.bus
      .subscribe(BLOCKS_CHANNEL, (payload) => this.heard(payload))
      .catch((error: unknown) => {
        this.listening = undefined;
        this.log.warn({ err: error }, 'could not listen for blocks made on other nodes; this node reads them again within a minute');
      });
    return this.listening;
  }

  /** The block that refuses this requester now, if any. */
  async refusal(check: BlockCheck): Promise<VisitorBlock | undefined> {
    const view = await this.current();
    const now = this.now();
    const candidates: string[] = [];
    if (check.visitor !== undefined)
      candidates.push(keyOf('visitor', check.widgetId, check.visitor), keyOf('visitor', null, check.visitor));
    // The stored form of an address is a keyed hash (an HMAC per check): not computed while no address is blocked.
    if (check.address !== undefined && view.addresses > 0) {
      const address = this.storedAddress(check.address);
      candidates.push(keyOf('address', check.widgetId, address), keyOf('address', null, address));
    }
    for (const key of candidates) {
      const found = view.byKey.get(key)?.find((block) => block.expiresAt === null || Date.parse(block.expiresAt) > now);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** Throws 403 PARLEY_ERR_VISITOR_BLOCKED when a block refuses this requester. */
  async assertAllowed(check: BlockCheck): Promise<void> {
    const block = await this.refusal(check);
    if (block === undefined) return;
    throw new ApiError(
      'PARLEY_ERR_VISITOR_BLOCKED',
      block.scope === 'address' ? 'An agent blocked this address from the chat.' : 'An agent blocked this visitor from the chat.',
    );
  }

  /** Blocks the visitor of `conversation` (or the address they came from), here and on every node. */
  async block(conversation: BlockTarget, input: BlockCreate, by: { readonly id: string; readonly name: string }): Promise<VisitorBlock> {
    let subject = visitorSubject(conversation);
    if (input.scope === 'address') {
      const address = await blocksStore.addressOf(this.db, conversation.id);
      if (address === undefined) {
        throw new ApiError(
          'PARLEY_ERR_REQUEST_VALIDATION',
          'Parley does not know the address this visitor writes from (their session was opened by a server, or before blocks existed); block the visitor instead.',
          'scope',
        );
      }
      subject = address;
    }
    const lasts = BLOCK_DURATION_MS[input.duration];
    const block = await blocksStore.insert(this.db, {
      scope: input.scope,
      // A visitor's identity belongs to its widget; an address may be refused everywhere.
      widgetId: input.scope === 'address' && input.everyWidget === true ? null : conversation.widget_id,
      subject,
      conversationId: conversation.id,
      createdBy: { id: by.id, name: by.name },
      expiresAt: lasts === null ? null : new Date(this.now() + lasts).toISOString(),
      reason: input.reason === undefined || input.reason === '' ? null : input.reason,
    });
    await this.changed(block);
    return block;
  }

  /** Lifts a block; undefined when there is no such block. */
  async lift(id: string): Promise<VisitorBlock | undefined> {
    const block = await blocksStore.remove(this.db, id);
    if (block !== undefined) await this.changed(undefined);
    return block;
  }

  /** The blocks in force that refuse this conversation's visitor. */
  async affecting(conversation: BlockTarget): Promise<VisitorBlock[]> {
    const address = await blocksStore.addressOf(this.db, conversation.id);
    const subjects = new Set([visitorSubject(conversation), ...(address === undefined ? [] : [address])]);
    const now = new Date(this.now()).toISOString();
    return (await blocksStore.active(this.db, now)).filter(
      (block) => subjects.has(block.subject) && (block.widgetId === null || block.widgetId === conversation.widget_id),
    );
  }

  page(take: number, cursor: string | undefined): Promise<Page<VisitorBlock>> {
    return blocksStore.page(this.db, new Date(this.now()).toISOString(), take, cursor);
  }

  /** The visitor opened a session from `address` (raw): an address block made from the conversation refuses it. */
  rememberAddress(db: Db, conversationId: string, address: string): Promise<void> {
    return blocksStore.rememberAddress(db, conversationId, this.storedAddress(address));
  }

  /** `listener` hears every new block, made on this node or another (the gateway closes the sockets it refuses). */
  onBlocked(listener: (block: VisitorBlock) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Bus events may have been lost (Redis reconnected): read the blocks again, and let the listeners
   * close any socket a block made meanwhile on another node refuses.
   */
  forgetLoaded(): void {
    this.view = undefined;
    this.current().then(
      (view) => {
        for (const blocks of view.byKey.values()) for (const block of blocks) this.tell(block);
      },
      (error: unknown) => this.log.warn({ err: error }, 'could not read the blocks again after a bus gap; the next check retries'),
    );
  }

  private current(): Promise<View> {
    if (this.view !== undefined && this.now() - this.loadedAt < this.ttlMs) return this.view;
    void this.listen();
    const view = this.load();
    this.view = view;
    this.loadedAt = this.now();
    // A failed read is not kept: the next check reads again.
    view.catch(() => this.view === view && (this.view = undefined));
    return view;
  }

  private async load(): Promise<View> {
    const byKey = new Map<string, VisitorBlock[]>();
    let addresses = 0;
    for (const block of await blocksStore.active(this.db, new Date(this.now()).toISOString())) {
      const key = keyOf(block.scope, block.widgetId, block.subject);
      byKey.set(key, [...(byKey.get(key) ?? []), block]);
      if (block.scope === 'address') addresses += 1;
    }
    return { byKey, addresses };
  }

  private async changed(added: VisitorBlock | undefined): Promise<void> {
    this.apply(added);
    const change: Change = added === undefined ? { node: this.node } : { node: this.node, added };
    try {
      await this.bus.publish(BLOCKS_CHANNEL, JSON.stringify(change));
    } catch (error) {
      this.log.warn({ err: error }, 'could not tell the other nodes blocks changed; they read them again within a minute');
    }
  }

  private heard(payload: string): void {
    // Written by this very class on another node: a trusted shape.
    const change = JSON.parse(payload) as Change;
    if (change.node !== this.node) this.apply(change.added);
  }

  private apply(added: VisitorBlock | undefined): void {
    // Dropped, not patched: the next check reads the committed rows, so no order of events can leave a stale entry.
    this.view = undefined;
    if (added !== undefined) this.tell(added);
  }

  private tell(block: VisitorBlock): void {
    for (const listener of this.listeners) {
      try {
        listener(block);
      } catch (error) {
        this.log.error({ err: error }, 'a block listener threw');
      }
    }
  }
}

import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import {
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_ROTATION_OVERLAP_DEFAULT,
  type WebhookCreate,
  type WebhookEventType,
  type WebhookSubscription,
  type WebhookSubscriptionCreated,
  type WebhookUpdate,
} from '@parley/protocol';
import type { Bus, BusLog } from '../bus/bus.js';
import { ApiError } from '../http/api-error.js';
import { isPublicAddress, OutboundError, type Resolve } from '../outbound/index.js';
import { resolveTarget, systemResolve } from '../outbound/target-check.js';
import type { Db } from '../store/database.js';
import { newId, nowIso } from '../store/ids.js';
import { readJson } from '../store/json.js';
import { newWebhookSecret, secretPrefix } from './signing.js';
import { webhooksStore as store, type SubscriptionRow } from './webhooks-store.js';

/** Where a node says "webhook subscriptions changed" to the others. */
export const WEBHOOKS_CHANNEL = 'parley:webhooks';

/** A change missed on the bus is picked up after this long at the latest. */
const TTL_MS = 60_000;

export interface SubscriptionOptions {
  /** PARLEY_WEBHOOKS_ALLOW_PRIVATE: receivers on private, loopback and link-local addresses too. */
  readonly allowPrivate: boolean;
  readonly resolve?: Resolve;
}

/**
 * Which events some enabled subscription wants, as the message hot path and the idle worker ask it (no
 * database read). Both answer true while the view is not loaded: the caller then goes to the database.
 */
export interface SubscribedView {
  /** `widgetId` undefined: on any widget. */
  wants(type: WebhookEventType, widgetId: string | null | undefined, note: boolean): boolean;
  /** Whether any subscription is enabled (only an enabled one has deliveries to send). */
  any(): boolean;
}

interface Filter {
  readonly events: ReadonlySet<string>;
  readonly widgetId: string | null;
  readonly includeNotes: boolean;
}

/**
 * Webhook subscriptions: the admin API's create, read, update, delete and secret rotation, and an
 * in-memory view of the enabled ones that event sources consult before writing to the outbox, so an
 * event nobody subscribed to costs no write. A change on any node drops the view on every node (bus).
 */
export class WebhookSubscriptions {
  private view: readonly Filter[] | undefined;
  private loading: Promise<void> | undefined;
  /** Counts changes: a read started before the latest change may have missed it, and does not set the view. */
  private generation = 0;
  private loadedAt = 0;
  private readonly node = randomUUID();
  private listening: Promise<unknown> | undefined;

  constructor(
    private readonly db: Db,
    private readonly bus: Bus,
    private readonly log: BusLog,
    private readonly options: SubscriptionOptions,
  ) {}

  get allowPrivate(): boolean {
    return this.options.allowPrivate;
  }

  /** Subscribes to other nodes' changes and loads the view (idempotent). */
  listen(): Promise<unknown> {
    this.listening ??= Promise.all([
      this.bus.subscribe(WEBHOOKS_CHANNEL, (payload) => {
        if (!payload.includes(this.node)) this.forgetLoaded();
      }),
      this.load(),
    ]).catch((error: unknown) => {
      this.listening = undefined;
      this.log.warn({ err: error }, 'could not listen for webhook changes made on other nodes; this node reads them again within a minute');
    });
    return this.listening;
  }

  /** Subscriptions changed (or may have): the view is read again, not joined to a read started before. */
  forgetLoaded(): void {
    this.view = undefined;
    this.generation++;
    this.loading = undefined;
    this.read();
  }

  /**
   * Synchronous, for the message hot path and the worker: true while the view is not loaded yet (the
   * outbox statement then matches in SQL and writes nothing when nobody subscribed).
   */
  readonly subscribed: SubscribedView = {
    wants: (type, widgetId, note) =>
      this.current()?.some(
        (filter) =>
          filter.events.has(type) &&
          (widgetId === undefined || filter.widgetId === null || filter.widgetId === widgetId) &&
          (!note || filter.includeNotes),
      ) ?? true,
    any: () => (this.current()?.length ?? 1) > 0,
  };

  /**
   * The view; undefined while none is loaded. Past the TTL (a bus notice may have been missed) it is
   * read again, and answers meanwhile: messages keep the group commit while the read runs.
   */
  private current(): readonly Filter[] | undefined {
    if (this.loading === undefined && (this.view === undefined || Date.now() - this.loadedAt > TTL_MS)) this.read();
    return this.view;
  }

  /** Reads the view (or joins the read under way); a failure is logged and the next question reads again. */
  private read(): void {
    void this.load().catch((error: unknown) => this.log.warn({ err: error }, 'could not read the webhook subscriptions'));
  }

  private load(): Promise<void> {
    if (this.loading !== undefined) return this.loading;
    const generation = this.generation;
    const loading = store
      .enabledFilters(this.db)
      .then((rows) => {
        // Changed while this read ran: the read started by that change sets the view.
        if (generation !== this.generation) return;
        this.view = rows.map((row) => ({
          events: new Set(readJson<string[]>(row.events)),
          widgetId: row.widget_id,
          includeNotes: row.include_notes === 1,
        }));
        this.loadedAt = Date.now();
      })
      .finally(() => {
        if (this.loading === loading) this.loading = undefined;
      });
    this.loading = loading;
    return loading;
  }

  async create(input: WebhookCreate): Promise<WebhookSubscriptionCreated> {
    await this.checkUrl(input.url);
    const now = nowIso();
    const row: SubscriptionRow = {
      id: newId('whk'),
      url: input.url,
      description: input.description ?? '',
      events: JSON.stringify(input.events),
      widget_id: input.widgetId ?? null,
      include_notes: input.includeNotes === true ? 1 : 0,
      enabled: input.enabled === false ? 0 : 1,
      disabled_reason: null,
      max_in_flight: input.maxInFlight ?? 1,
      secret: newWebhookSecret(),
      previous_secret: null,
      previous_secret_expires_at: null,
      consecutive_failures: 0,
      circuit_open_until: null,
      created_at: now,
      updated_at: now,
    };
    await this.assertWidget(row.widget_id);
    await store.insertSubscription(this.db, row);
    await this.changed();
    return { ...toSubscription(row), secret: row.secret };
  }

  async list(): Promise<WebhookSubscription[]> {
    return (await store.listSubscriptions(this.db)).map(toSubscription);
  }

  async get(id: string): Promise<WebhookSubscription> {
    return toSubscription(await this.row(id));
  }

  async row(id: string): Promise<SubscriptionRow> {
    const row = await store.getSubscription(this.db, id);
    if (row === undefined) throw new ApiError('PARLEY_ERR_WEBHOOK_NOT_FOUND', `No webhook subscription has the id ${id}.`);
    return row;
  }

  async update(id: string, input: WebhookUpdate): Promise<WebhookSubscription> {
    const current = await this.row(id);
    if (input.url !== undefined) await this.checkUrl(input.url);
    if (input.widgetId !== undefined) await this.assertWidget(input.widgetId);
    const enabling = input.enabled === true && current.enabled === 0;
    const updated = await store.updateSubscription(this.db, id, {
      ...(input.url === undefined ? {} : { url: input.url }),
      ...(input.description === undefined ? {} : { description: input.description }),
      ...(input.events === undefined ? {} : { events: JSON.stringify(input.events) }),
      ...(input.widgetId === undefined ? {} : { widget_id: input.widgetId }),
      ...(input.includeNotes === undefined ? {} : { include_notes: input.includeNotes ? 1 : 0 }),
      ...(input.maxInFlight === undefined ? {} : { max_in_flight: input.maxInFlight }),
      ...(input.enabled === undefined ? {} : { enabled: input.enabled ? 1 : 0, disabled_reason: null }),
      // Enabled again by a person: the endpoint gets a fresh start (no open circuit, no failure count).
      ...(enabling ? { consecutive_failures: 0, circuit_open_until: null } : {}),
      updated_at: nowIso(),
    });
    await this.changed();
    return toSubscription(updated ?? current);
  }

  async delete(id: string): Promise<void> {
    if (!(await store.deleteSubscription(this.db, id)))
      throw new ApiError('PARLEY_ERR_WEBHOOK_NOT_FOUND', `No webhook subscription has the id ${id}.`);
    await this.changed();
  }

  /** A new secret; the current one keeps signing beside it for `overlapSeconds` (a receiver switches meanwhile). */
  async rotate(id: string, overlapSeconds = WEBHOOK_ROTATION_OVERLAP_DEFAULT): Promise<WebhookSubscriptionCreated> {
    const current = await this.row(id);
    const secret = newWebhookSecret();
    const updated = await store.updateSubscription(this.db, id, {
      secret,
      previous_secret: overlapSeconds > 0 ? current.secret : null,
      previous_secret_expires_at: overlapSeconds > 0 ? new Date(Date.now() + overlapSeconds * 1000).toISOString() : null,
      updated_at: nowIso(),
    });
    return { ...toSubscription(updated ?? current), secret };
  }

  /** The 410 of an endpoint: the subscription stops until a person enables it again. */
  async disableGone(id: string): Promise<void> {
    await store.updateSubscription(this.db, id, { enabled: 0, disabled_reason: 'gone', updated_at: nowIso() });
    await this.changed();
  }

  /**
   * Refuses a URL this server would not call: malformed, with credentials, or (unless the operator
   * allowed private receivers) a private, loopback or link-local address — an address literal, or a
   * name resolving only to such. Checked again at every delivery (DNS may change).
   */
  private async checkUrl(text: string): Promise<void> {
    if (!URL.canParse(text))
      throw new ApiError('PARLEY_ERR_REQUEST_VALIDATION', `url ${JSON.stringify(text)} is not an absolute URL.`, 'url');
    const url = new URL(text);
    if (url.username !== '' || url.password !== '') {
      throw new ApiError(
        'PARLEY_ERR_REQUEST_VALIDATION',
        'url must not carry a user name or password; the signature authenticates Parley.',
        'url',
      );
    }
    if (this.options.allowPrivate) return;
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(host) !== 0) {
      if (!isPublicAddress(host)) throw refused(`${host} is not a public address`);
      return;
    }
    if (host === 'localhost' || host.endsWith('.localhost')) throw refused(`${host} is a loopback name`);
    try {
      await resolveTarget(url, { permits: isPublicAddress, anyPort: true, resolve: this.options.resolve ?? systemResolve });
    } catch (error) {
      // A name that does not resolve yet is accepted (its receiver may come later); each delivery checks again.
      if (error instanceof OutboundError && error.failure === 'refused') throw refused(error.message.replace(/\.$/, ''));
    }
  }

  private async assertWidget(widgetId: string | null): Promise<void> {
    if (widgetId === null) return;
    const found = await this.db.selectFrom('widgets').select('id').where('id', '=', widgetId).executeTakeFirst();
    if (found === undefined) throw new ApiError('PARLEY_ERR_REQUEST_UNKNOWN_REFERENCE', `No widget has the id ${widgetId}.`, 'widgetId');
  }

  private async changed(): Promise<void> {
    this.forgetLoaded();
    try {
      await this.bus.publish(WEBHOOKS_CHANNEL, JSON.stringify({ node: this.node }));
    } catch (error) {
      this.log.warn({ err: error }, 'could not tell other nodes that webhook subscriptions changed; they read them again within a minute');
    }
  }
}

function refused(why: string): ApiError {
  return new ApiError(
    'PARLEY_ERR_WEBHOOK_URL_REFUSED',
    `${why}: webhooks are not sent to private, loopback or link-local addresses unless the server sets PARLEY_WEBHOOKS_ALLOW_PRIVATE=1.`,
    'url',
  );
}

export function toSubscription(row: SubscriptionRow): WebhookSubscription {
  const events = readJson<string[]>(row.events).filter((type): type is WebhookEventType =>
    (WEBHOOK_EVENT_TYPES as readonly string[]).includes(type),
  );
  const overlapping = row.previous_secret_expires_at !== null && row.previous_secret_expires_at > nowIso();
  return {
    id: row.id,
    object: 'webhook',
    url: row.url,
    description: row.description,
    events,
    widgetId: row.widget_id,
    includeNotes: row.include_notes === 1,
    enabled: row.enabled === 1,
    disabledReason: row.disabled_reason === 'gone' ? 'gone' : null,
    maxInFlight: Number(row.max_in_flight),
    secretPrefix: secretPrefix(row.secret),
    previousSecretExpiresAt: overlapping ? row.previous_secret_expires_at : null,
    consecutiveFailures: Number(row.consecutive_failures),
    circuitOpenUntil: row.circuit_open_until,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The secrets that sign now: the current one, and the previous one while its overlap lasts. */
export function signingSecrets(
  row: Pick<SubscriptionRow, 'secret' | 'previous_secret' | 'previous_secret_expires_at'>,
  now: string,
): string[] {
  return row.previous_secret !== null && row.previous_secret_expires_at !== null && row.previous_secret_expires_at > now
    ? [row.secret, row.previous_secret]
    : [row.secret];
}

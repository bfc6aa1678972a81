import pg from 'pg';
import type { StorageLog } from './write-health.js';

export interface PostgresPoolOptions {
  readonly url: string;
  readonly schema: string | null;
  readonly log: StorageLog | null;
}

/**
 * The node's PostgreSQL pool, made to outlive its connections. A backend can go at any moment (a
 * restart, a failover, PgBouncer, an idle timeout, pg_terminate_backend), and pg then emits `error`:
 * on the pool when the client was idle, on the client itself when it was checked out. An `error`
 * event nobody listens to ends the process, so every client gets a listener from birth. The pool drops
 * a client whose connection broke (pg marks it not queryable) and connects a new one for the next
 * query; a query in flight fails with the error, and its caller answers for it (a send says
 * SEND_FAILED, and its resend by clientId is idempotent).
 */
export function createPostgresPool({ url, schema, log }: PostgresPoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // Without a bound, a query waits forever for a server that silently stopped answering (a cut network).
    connectionTimeoutMillis: 10_000,
    // TCP keepalive notices a connection whose peer vanished without a FIN (a failover, a dead NAT entry).
    keepAlive: true,
    ...(schema === null ? {} : { options: `-c search_path="${schema}"` }),
  });
  const drops = new ConnectionDrops(log);
  pool.on('error', (error) => drops.dropped(error));
  pool.on('connect', (client) => {
    client.on('error', (error) => drops.dropped(error));
    drops.connected();
  });
  return pool;
}

/**
 * Logs a lost connection once per incident, not once per client: a PostgreSQL restart drops all ten of
 * a pool's clients at once (their errors may arrive after the pool has already reconnected), and one
 * error event may reach both the client and the pool listener. A drop within SAME_INCIDENT_MS of the
 * previous one belongs to the same incident; the first successful connect after it is logged as the end.
 */
const SAME_INCIDENT_MS = 5_000;

class ConnectionDrops {
  private incident: { readonly since: number; dropped: number } | null = null;
  private lastDropAt = -Infinity;
  private readonly seen = new WeakSet<Error>();

  constructor(private readonly log: StorageLog | null) {}

  dropped(error: Error): void {
    if (this.seen.has(error)) return;
    this.seen.add(error);
    const now = Date.now();
    const sameIncident = now - this.lastDropAt < SAME_INCIDENT_MS;
    this.lastDropAt = now;
    if (sameIncident) {
      if (this.incident !== null) this.incident.dropped += 1;
      return;
    }
    this.incident = { since: now, dropped: 1 };
    this.log?.error({ err: error }, 'PostgreSQL connection lost; the pool drops it and reconnects for the next query');
  }

  connected(): void {
    if (this.incident === null) return;
    const { since, dropped } = this.incident;
    this.incident = null;
    this.log?.warn({ dropped, downMs: Date.now() - since }, 'PostgreSQL connection restored');
  }
}

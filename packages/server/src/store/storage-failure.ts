/**
 * Tells a failure of the storage itself (the disk is full, the file is read-only, the database cannot
 * be reached or dropped the connection) from a failure of one query (a constraint, a missing row, bad
 * SQL). Only the first kind says something about whether this node can serve: it is what turns
 * /readyz to 503, so a load balancer sends visitors elsewhere while this node cannot store messages.
 */
export function isStorageFailure(error: unknown): boolean {
  return storageFailureCode(error) !== null;
}

/** The code (SQLITE_FULL, 57P01, ECONNREFUSED…) or message that made `error` a storage failure, else null. */
export function storageFailureCode(error: unknown, depth = 0): string | null {
  if (typeof error !== 'object' || error === null || depth > 3) return null;
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  if (code !== undefined && (SQLITE_STORAGE.test(code) || POSTGRES_STORAGE.test(code) || NETWORK.has(code))) return code;
  const message = error instanceof Error ? error.message : '';
  // pg reports a socket that closed under it, or a pool that could not connect in time, without a code.
  if (PG_CONNECTION_MESSAGE.test(message)) return message;
  if ('cause' in error) {
    const cause = storageFailureCode(error.cause, depth + 1);
    if (cause !== null) return cause;
  }
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const found = storageFailureCode(inner, depth + 1);
      if (found !== null) return found;
    }
  }
  return null;
}

/**
 * better-sqlite3 error codes (extended codes start with these): the disk is full, I/O failed, the file
 * or its directory turned read-only, cannot be opened, is damaged, or stayed locked past busy_timeout.
 * Not SQLITE_CONSTRAINT (a duplicate clientId) nor SQLITE_ERROR (a bad query): the storage is fine then.
 */
const SQLITE_STORAGE = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB|BUSY|LOCKED|NOMEM|PROTOCOL)/;

/**
 * PostgreSQL SQLSTATEs: 08 connection exception, 53 insufficient resources (53100 disk full), 57P01–03
 * the server shut down or is starting, 58 system/I/O error, 25006 read-only transaction (a standby after
 * a failover).
 */
const POSTGRES_STORAGE = /^(08[0-9A-Z]{3}|53[0-9A-Z]{3}|57P0[1-3]|58[0-9A-Z]{3}|25006)$/;

const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

const PG_CONNECTION_MESSAGE = /connection terminated|not queryable|timeout exceeded when trying to connect|connection timeout/i;

import { describe, expect, it } from 'vitest';
import { isStorageFailure } from './storage-failure.js';
import { WriteHealth } from './write-health.js';

const coded = (code: string, message = 'failed') => Object.assign(new Error(message), { code });

describe('storage failures', () => {
  it.each([
    ['SQLite disk full', coded('SQLITE_FULL', 'database or disk is full')],
    ['SQLite I/O error', coded('SQLITE_IOERR_WRITE')],
    ['SQLite read-only file', coded('SQLITE_READONLY_DIRECTORY')],
    ['PostgreSQL backend terminated', coded('57P01', 'terminating connection due to administrator command')],
    ['PostgreSQL disk full', coded('53100')],
    ['PostgreSQL standby after a failover', coded('25006')],
    ['refused connection', coded('ECONNREFUSED')],
    ['a socket closed under pg', new Error('Connection terminated unexpectedly')],
    ['a pool that could not connect in time', new Error('timeout exceeded when trying to connect')],
    ['a cause that is one', new Error('query failed', { cause: coded('ECONNRESET') })],
  ])('counts %s', (_name, error) => {
    expect(isStorageFailure(error)).toBe(true);
  });

  it.each([
    ['a duplicate clientId', coded('SQLITE_CONSTRAINT_UNIQUE')],
    ['bad SQL', coded('SQLITE_ERROR')],
    ['a PostgreSQL unique violation', coded('23505')],
    ['a missing conversation', new Error('The conversation conv_1 does not exist.')],
    ['something thrown that is no error', 'boom'],
  ])('does not count %s', (_name, error) => {
    expect(isStorageFailure(error)).toBe(false);
  });
});

describe('write health', () => {
  it('logs one incident however many writes fail, and its end once a write succeeds', () => {
    const logged: string[] = [];
    const log = {
      error: (_details: object, message: string) => logged.push(`error: ${message}`),
      warn: (_details: object, message: string) => logged.push(`warn: ${message}`),
      info: (_details: object, message: string) => logged.push(`info: ${message}`),
    };
    const health = new WriteHealth(log);
    health.succeeded();
    expect(health.state).toEqual({ kind: 'writable' });
    for (let i = 0; i < 50; i++) health.failed(coded('SQLITE_FULL'));
    health.failed(coded('SQLITE_CONSTRAINT_UNIQUE'));
    expect(health.state).toMatchObject({ kind: 'failing', reason: 'SQLITE_FULL', failures: 50 });
    health.succeeded();
    health.succeeded();
    expect(health.state).toEqual({ kind: 'writable' });
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatch(/^error: storage cannot take writes/);
    expect(logged[1]).toMatch(/^warn: storage takes writes again/);
  });
});

import { describe, expect, it } from 'vitest';
import { EXECUTION_ID_TTL_MS, ExecutionIds } from './execution-ids.js';

describe('ExecutionIds', () => {
  const execution = { conversationId: 'conv_01HZZZZZZZZZZZZZZZZZZZZZZZ', afterSeq: 7 };

  it('gives back the execution of an id it issued for the same session, an id safe in a query string', () => {
    const ids = new ExecutionIds('secret-one');
    const id = ids.issue('session-a', execution);
    expect(id).toMatch(/^[A-Za-z0-9_.-]+$/);
    expect(ids.verify('session-a', id)).toEqual(execution);
  });

  it('refuses the id for another session, altered, signed with another secret, or expired', () => {
    let now = 1_800_000_000_000;
    const ids = new ExecutionIds('secret-one', () => now);
    const id = ids.issue('session-a', execution);
    expect(ids.verify('session-b', id)).toBeUndefined();
    expect(ids.verify('session-a', id.replace('.7.', '.1.'))).toBeUndefined();
    expect(ids.verify('session-a', `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();
    expect(new ExecutionIds('secret-two', () => now).verify('session-a', id)).toBeUndefined();
    expect(ids.verify('session-a', 'not-an-id')).toBeUndefined();
    now += EXECUTION_ID_TTL_MS + 1000;
    expect(ids.verify('session-a', id)).toBeUndefined();
  });
});

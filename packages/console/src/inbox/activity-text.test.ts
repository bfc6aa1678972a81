import type { InboxActivity } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { activityText } from './activity-text.js';

const ann = { id: 'agt_ann', name: 'Ann' };
const bob = { id: 'agt_bob', name: 'Bob' };
const line = (fields: Partial<InboxActivity> & Pick<InboxActivity, 'kind'>): InboxActivity => ({
  id: 'act_1',
  actor: null,
  agent: null,
  previousAgent: null,
  team: null,
  until: null,
  createdAt: '2026-12-06T10:00:00.000Z',
  ...fields,
});

describe('activityText', () => {
  it('tells an assignment, a transfer and a take apart, with the reader as "You"', () => {
    expect(activityText(line({ kind: 'assigned', actor: ann, agent: bob }), 'agt_x')).toBe('Ann assigned the conversation to Bob');
    expect(activityText(line({ kind: 'assigned', actor: ann, agent: bob, previousAgent: ann }), 'agt_ann')).toBe(
      'You transferred the conversation from you to Bob',
    );
    expect(activityText(line({ kind: 'assigned', actor: ann, agent: bob, previousAgent: ann }), 'agt_bob')).toBe(
      'Ann transferred the conversation from Ann to you',
    );
    expect(activityText(line({ kind: 'assigned', actor: bob, agent: bob }), 'agt_x')).toBe('Bob took the conversation');
    expect(activityText(line({ kind: 'assigned', agent: bob }), 'agt_x')).toBe('Assigned to Bob');
  });

  it('names the team queue, the snooze end and who reopened', () => {
    expect(activityText(line({ kind: 'queued', actor: bob, team: { id: 'team_1', name: 'Billing' } }), 'agt_x')).toBe(
      'Bob moved the conversation to the Billing queue',
    );
    expect(activityText(line({ kind: 'woke' }), 'agt_x')).toBe('Snooze ended: a new message came in');
    expect(activityText(line({ kind: 'reopened' }), 'agt_x')).toBe('Reopened: the visitor wrote again');
    expect(activityText(line({ kind: 'resolved', actor: ann }), 'agt_x')).toBe('Ann resolved the conversation');
    expect(activityText(line({ kind: 'handed_back', actor: ann }), 'agt_x')).toBe('Ann handed the conversation back to the bot');
    expect(activityText(line({ kind: 'snoozed', actor: ann, until: '2026-12-07T09:00:00.000Z' }), 'agt_x')).toMatch(
      /^Ann snoozed the conversation until /,
    );
  });

  it('says which routing rule sent the conversation where, with its priority and a human at once', () => {
    const billing = { id: 'team_1', name: 'Billing' };
    expect(activityText(line({ kind: 'routed', team: billing, rule: { name: 'refunds', priority: null, handTo: 'bot' } }), 'agt_x')).toBe(
      'Routed to Billing by rule “refunds”',
    );
    expect(activityText(line({ kind: 'routed', rule: { name: 'vip', priority: 'urgent', handTo: 'human' } }), 'agt_x')).toBe(
      'Routed by rule “vip” (priority urgent, straight to a human)',
    );
  });

  it('says who blocked the visitor or their address, until when, and who unblocked them', () => {
    const until = '2026-12-13T10:00:00.000Z';
    expect(activityText(line({ kind: 'blocked', actor: ann, scope: 'visitor', until }), 'agt_x')).toMatch(
      /^Ann blocked the visitor until /,
    );
    expect(activityText(line({ kind: 'blocked', actor: ann, scope: 'address' }), 'agt_ann')).toBe('You blocked the visitor’s address');
    expect(activityText(line({ kind: 'unblocked', actor: bob, scope: 'visitor' }), 'agt_x')).toBe('Bob unblocked the visitor');
  });
});

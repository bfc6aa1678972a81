import type { InboxActivity } from '@parley/protocol';

/**
 * One activity line as a sentence, as Chatwoot's and Intercom's timelines say it ("Sam assigned it to Ann").
 * `me` is the reading agent's id: their own actions read "You …".
 */
export function activityText(activity: InboxActivity, me: string): string {
  // "You" as the subject of the sentence, "you" anywhere else.
  const who = (person: { readonly id: string; readonly name: string } | null, subject = false): string | null =>
    person === null ? null : person.id === me ? (subject ? 'You' : 'you') : person.name;
  const actor = who(activity.actor, true);
  const agent = who(activity.agent) ?? 'an agent';
  switch (activity.kind) {
    case 'assigned': {
      const from = who(activity.previousAgent);
      if (from !== null) return `${actor ?? 'Parley'} transferred the conversation from ${from} to ${agent}`;
      if (actor !== null && activity.actor?.id === activity.agent?.id) return `${actor} took the conversation`;
      return actor === null ? `Assigned to ${agent}` : `${actor} assigned the conversation to ${agent}`;
    }
    case 'queued': {
      const where = activity.team === null ? 'the queue' : `the ${activity.team.name} queue`;
      return actor === null ? `Back in ${where}` : `${actor} moved the conversation to ${where}`;
    }
    case 'handed_back':
      return `${actor ?? 'Parley'} handed the conversation back to the bot`;
    case 'snoozed': {
      const until =
        activity.until === null
          ? ''
          : ` until ${new Date(activity.until).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}`;
      return `${actor ?? 'Parley'} snoozed the conversation${until}`;
    }
    case 'woke':
      return actor === null ? 'Snooze ended: a new message came in' : `${actor} ended the snooze`;
    case 'resolved':
      return actor === null ? 'Resolved' : `${actor} resolved the conversation`;
    case 'reopened':
      return actor === null ? 'Reopened: the visitor wrote again' : `${actor} reopened the conversation`;
    case 'blocked': {
      const until =
        activity.until === null
          ? ''
          : ` until ${new Date(activity.until).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}`;
      return `${actor ?? 'Parley'} blocked ${blocked(activity)}${until}`;
    }
    case 'unblocked':
      return `${actor ?? 'Parley'} unblocked ${blocked(activity)}`;
    case 'routed':
      return routed(activity);
  }
}

/** "Routed to Billing by rule “refunds” (priority high, straight to a human)". */
function routed(activity: InboxActivity): string {
  const rule = activity.rule;
  const name = rule === undefined || rule === null ? 'a routing rule' : `rule “${rule.name}”`;
  const effects = [
    ...(rule?.priority === undefined || rule.priority === null ? [] : [`priority ${rule.priority}`]),
    ...(rule?.handTo === 'human' ? ['straight to a human'] : []),
  ];
  const head = activity.team === null ? `Routed by ${name}` : `Routed to ${activity.team.name} by ${name}`;
  return effects.length === 0 ? head : `${head} (${effects.join(', ')})`;
}

function blocked(activity: InboxActivity): string {
  return activity.scope === 'address' ? 'the visitor’s address' : 'the visitor';
}

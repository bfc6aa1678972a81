import { AUDIT_ACTOR_KINDS, type AuditActorKind, type AuditEntry } from '@parley/protocol';
import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { ErrorNote, formatDate, ListBody, PageHeader } from '../ui/feedback.js';
import { ListTable } from '../ui/list-table.js';

/** The areas the action filter offers (`<area>.*` on the API). */
const AREAS: readonly (readonly [string, string])[] = [
  ['widget', 'Widgets'],
  ['blueprint', 'Blueprints'],
  ['bot', 'Bots'],
  ['agent', 'Agents'],
  ['team', 'Teams'],
  ['api_key', 'API keys'],
  ['webhook', 'Webhooks'],
  ['block', 'Blocks'],
  ['contact', 'Contacts'],
  ['retention', 'Retention'],
];

const ACTOR_LABELS: Readonly<Record<AuditActorKind, string>> = {
  agent: 'Agent',
  api_key: 'API key',
  system: 'System',
  visitor: 'Visitor',
};

const PAGE = 50;

/** Who acted, as a reader names them: the agent's or key's current name (the API looks it up), else its id. */
function actorText(entry: AuditEntry): string {
  if (entry.actor.kind === 'system') return 'Parley (scheduled)';
  if (entry.actor.kind === 'visitor') return 'Visitor (self-service)';
  const name = entry.actor.name ?? entry.actor.id ?? '';
  return entry.actor.kind === 'api_key' ? `${name} (API key)` : name;
}

/** The kinds of target as a reader says them. */
const TARGET_LABELS: Readonly<Record<string, string>> = {
  api_key: 'API key',
  node: 'server node',
};

/** The actor: a name, and an agent's email under it (gone once the agent is deleted). */
function Actor({ entry }: { entry: AuditEntry }) {
  const email = entry.actor.kind === 'agent' ? entry.actor.email : null;
  return (
    <>
      {actorText(entry)}
      {email === null || email === undefined ? null : <span class="audit-sub muted">{email}</span>}
    </>
  );
}

/** The target: its name while it exists, with its id under it (what the Target id filter takes); else the id alone. */
function Target({ entry }: { entry: AuditEntry }) {
  if (entry.targetId === null) return <span class="muted">—</span>;
  const kind = entry.targetType === null ? '' : (TARGET_LABELS[entry.targetType] ?? entry.targetType);
  if (entry.targetName === null) {
    return (
      <>
        <span class="muted">{kind} </span>
        <code class="audit-id">{entry.targetId}</code>
      </>
    );
  }
  return (
    <>
      <span class="muted">{kind} </span>
      <span class="audit-name">{entry.targetName}</span>
      <code class="audit-id audit-sub muted">{entry.targetId}</code>
    </>
  );
}

/** The detail's facts on one line: field names, counts, ids. It never holds personal data. */
function detailText(detail: AuditEntry['detail']): string {
  return Object.entries(detail)
    .filter(([, value]) => value !== null && value !== undefined)
    .map(
      ([key, value]) =>
        `${key}: ${Array.isArray(value) ? value.join(', ') : typeof value === 'object' ? JSON.stringify(value) : String(value)}`,
    )
    .join(' · ');
}

/** A day (YYYY-MM-DD from a date input) as the first or last instant of that local day, ISO. */
function dayBound(day: string, end: boolean): string {
  const date = new Date(`${day}T${end ? '23:59:59.999' : '00:00:00.000'}`);
  return date.toISOString();
}

/** Admins: who changed what and when (GET /v1/audit), newest first, filtered, 50 at a time. */
export function AuditPage() {
  const [area, setArea] = useState('');
  const [actorKind, setActorKind] = useState<AuditActorKind | ''>('');
  const [target, setTarget] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const query = (): string => {
    const params = new URLSearchParams();
    if (area !== '') params.set('action', `${area}.*`);
    if (actorKind !== '') params.set('actorKind', actorKind);
    if (target.trim() !== '') params.set('target', target.trim());
    if (from !== '') params.set('from', dayBound(from, false));
    if (to !== '') params.set('to', dayBound(to, true));
    const text = params.toString();
    return `/v1/audit${text === '' ? '' : `?${text}`}`;
  };
  const load = async (more: boolean) => {
    try {
      const page = await api.pages<AuditEntry>(query(), { take: PAGE, max: 1, cursor: more ? cursor : null });
      setEntries((shown) => (more ? [...(shown ?? []), ...page.items] : page.items));
      setCursor(page.nextCursor);
      setError(null);
    } catch (caught) {
      setError(errorText(caught));
    }
  };
  useEffect(() => void load(false), [area, actorKind, from, to]);

  return (
    <div class="page">
      <PageHeader
        title="Audit log"
        description="Who changed what and when: settings, agents, keys, webhooks, blocks, contacts, erasures and retention. Entries are never changed or deleted, and hold no personal data."
      />
      <form
        class="card audit-filters"
        role="search"
        aria-label="Filter the audit log"
        onSubmit={(event) => {
          event.preventDefault();
          void load(false);
        }}
      >
        <div class="field">
          <label class="label" for="audit-area">
            Area
          </label>
          <select id="audit-area" value={area} onChange={(e) => setArea(e.currentTarget.value)}>
            <option value="">Everything</option>
            {AREAS.map(([value, label]) => (
              <option value={value}>{label}</option>
            ))}
          </select>
        </div>
        <div class="field">
          <label class="label" for="audit-actor">
            Who
          </label>
          <select
            id="audit-actor"
            value={actorKind}
            onChange={(e) => setActorKind(AUDIT_ACTOR_KINDS.find((kind) => kind === e.currentTarget.value) ?? '')}
          >
            <option value="">Anyone</option>
            {AUDIT_ACTOR_KINDS.map((kind) => (
              <option value={kind}>{ACTOR_LABELS[kind]}</option>
            ))}
          </select>
        </div>
        <div class="field">
          <label class="label" for="audit-from">
            From
          </label>
          <input
            id="audit-from"
            type="date"
            value={from}
            max={to === '' ? undefined : to}
            onChange={(e) => setFrom(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label class="label" for="audit-to">
            To
          </label>
          <input id="audit-to" type="date" value={to} min={from === '' ? undefined : from} onChange={(e) => setTo(e.currentTarget.value)} />
        </div>
        <div class="field audit-target">
          <label class="label" for="audit-target">
            Target id
          </label>
          <input
            id="audit-target"
            type="search"
            value={target}
            placeholder="wgt_…, ct_…"
            spellcheck={false}
            onInput={(e) => setTarget(e.currentTarget.value)}
          />
        </div>
        <div class="audit-apply">
          <button type="submit" class="button">
            Apply
          </button>
        </div>
      </form>
      <ErrorNote message={error} />
      <ListBody items={entries} empty="Nothing recorded matches.">
        {(list) => (
          <ListTable columns={['Time', 'Who', 'Action', 'Target', 'Details']} actions={false} class="audit-table">
            {list.map((entry) => (
              <tr>
                <td data-label="Time" class="nowrap">
                  <time dateTime={entry.at}>{formatDate(entry.at)}</time>
                </td>
                <td data-label="Who">
                  <Actor entry={entry} />
                </td>
                <td data-label="Action" class="strong">
                  <code>{entry.action}</code>
                </td>
                <td data-label="Target" class="full">
                  <Target entry={entry} />
                </td>
                <td data-label="Details" class="audit-detail full">
                  {detailText(entry.detail)}
                </td>
              </tr>
            ))}
          </ListTable>
        )}
      </ListBody>
      {cursor === null ? null : (
        <p>
          <button type="button" class="button" onClick={() => void load(true)}>
            Show older entries
          </button>
        </p>
      )}
    </div>
  );
}

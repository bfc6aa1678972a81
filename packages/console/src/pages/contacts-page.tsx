import type { Contact, ContactImportResult, ContactSort } from '@parley/protocol';
import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { useSession } from '../session.js';
import { ErrorNote, ListBody, Notice, PageHeader } from '../ui/feedback.js';
import { ListTable } from '../ui/list-table.js';
import { Link } from '../ui/link.js';
import { exactTime, relativeTime } from '../ui/relative-time.js';
import { takeContactsNotice } from './contact-erase-dialog.js';

const PAGE = 25;

/** What the list asks for: the API's own query parameters, so the CSV export is the same selection. */
interface Filters {
  readonly q: string;
  readonly widgetId: string;
  readonly attribute: string;
  readonly seenAfter: string;
  readonly seenBefore: string;
  readonly hasEmail: '' | 'true' | 'false';
  readonly sort: `${ContactSort}:${'asc' | 'desc'}`;
}

const NO_FILTERS: Filters = { q: '', widgetId: '', attribute: '', seenAfter: '', seenBefore: '', hasEmail: '', sort: 'lastSeen:desc' };

const SORTS: ReadonlyArray<readonly [Filters['sort'], string]> = [
  ['lastSeen:desc', 'Recently seen'],
  ['lastSeen:asc', 'Least recently seen'],
  ['created:desc', 'Newest'],
  ['created:asc', 'Oldest'],
  ['name:asc', 'Name, A to Z'],
  ['name:desc', 'Name, Z to A'],
];

function query(filters: Filters): URLSearchParams {
  const [sort = 'lastSeen', order = 'desc'] = filters.sort.split(':');
  const params = new URLSearchParams({ sort, order });
  if (filters.q.trim() !== '') params.set('q', filters.q.trim());
  if (filters.widgetId !== '') params.set('widgetId', filters.widgetId);
  if (filters.attribute.trim() !== '') params.set('attribute', filters.attribute.trim());
  // Dates from the date inputs are whole days in the agent's time zone: "after the 3rd" starts at its midnight.
  if (filters.seenAfter !== '') params.set('seenAfter', new Date(`${filters.seenAfter}T00:00`).toISOString());
  if (filters.seenBefore !== '') params.set('seenBefore', new Date(`${filters.seenBefore}T00:00`).toISOString());
  if (filters.hasEmail !== '') params.set('hasEmail', filters.hasEmail);
  return params;
}

/** How a contact is named in lists: their name, else their email, else what they are. */
export function contactLabel(contact: Pick<Contact, 'name' | 'email' | 'phone'>): string {
  return contact.name ?? contact.email ?? contact.phone ?? 'Unnamed visitor';
}

export function deviceText(contact: Pick<Contact, 'device'>): string {
  const device = contact.device;
  if (device === null) return '—';
  return [device.browser, device.os, device.kind].filter((part) => part !== null).join(' · ') || '—';
}

/** Who the site talked to: search, filters, sort, a page at a time; admins export and import CSV. */
export function ContactsPage() {
  const admin = useSession().agent.role === 'admin';
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [contacts, setContacts] = useState<Contact[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [importing, setImporting] = useState(false);
  // Once, after an erasure on the contact's page: what went (counts only).
  const [notice] = useState(takeContactsNotice);
  const [widgets, setWidgets] = useState<ReadonlyArray<{ id: string; name: string }>>([]);
  useEffect(() => {
    // Widget names are for admins (the widgets API is theirs); agents filter without the menu.
    if (admin) api.all<{ id: string; name: string }>('/v1/widgets').then(setWidgets, () => undefined);
  }, [admin]);

  const load = async (cursor: string | null) => {
    try {
      const answer = await api.pages<Contact>(`/v1/contacts?${query(filters).toString()}`, { take: PAGE, max: 1, cursor });
      setContacts((held) => [...(cursor === null ? [] : (held ?? [])), ...answer.items]);
      setNext(answer.nextCursor);
      setError(null);
    } catch (caught) {
      setError(errorText(caught));
      if (cursor === null) setContacts([]);
    }
  };
  useEffect(() => void load(null), [filters]);

  const set = <K extends keyof Filters>(key: K, value: Filters[K], now = false) => {
    const changed = { ...draft, [key]: value };
    setDraft(changed);
    if (now) setFilters(changed);
  };
  const widgetName = (id: string) => widgets.find((widget) => widget.id === id)?.name;

  return (
    <div class="page contacts">
      <PageHeader title="Contacts" description="Everyone who left a name, an email or an identity in a conversation, or was imported.">
        {admin ? (
          <>
            <a class="button" href={`/v1/contacts.csv?${query(filters).toString()}`} download>
              Export CSV
            </a>
            <button type="button" class="button" aria-expanded={importing} onClick={() => setImporting(!importing)}>
              Import CSV
            </button>
          </>
        ) : null}
      </PageHeader>
      {notice === null ? null : <Notice>{notice}</Notice>}
      {importing ? <ImportCard widgets={widgets} onDone={() => void load(null)} /> : null}
      <form
        class="card contact-filters"
        role="search"
        aria-label="Find contacts"
        onSubmit={(event) => {
          event.preventDefault();
          setFilters(draft);
        }}
      >
        <div class="field contact-search">
          <label for="contact-q">Search</label>
          <input
            id="contact-q"
            type="search"
            placeholder="Name, email, phone or user id"
            value={draft.q}
            onInput={(event) => set('q', event.currentTarget.value)}
          />
        </div>
        {widgets.length > 0 ? (
          <div class="field">
            <label for="contact-widget">Widget</label>
            <select id="contact-widget" value={draft.widgetId} onChange={(event) => set('widgetId', event.currentTarget.value, true)}>
              <option value="">All widgets</option>
              {widgets.map((widget) => (
                <option value={widget.id}>{widget.name}</option>
              ))}
            </select>
          </div>
        ) : null}
        <div class="field">
          <label for="contact-attribute">Attribute</label>
          <input
            id="contact-attribute"
            placeholder="plan=pro"
            value={draft.attribute}
            onInput={(event) => set('attribute', event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="contact-after">Last seen after</label>
          <input id="contact-after" type="date" value={draft.seenAfter} onChange={(event) => set('seenAfter', event.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="contact-before">Last seen before</label>
          <input
            id="contact-before"
            type="date"
            value={draft.seenBefore}
            onChange={(event) => set('seenBefore', event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="contact-email">Email</label>
          <select
            id="contact-email"
            value={draft.hasEmail}
            onChange={(event) => set('hasEmail', event.currentTarget.value as Filters['hasEmail'], true)}
          >
            <option value="">Any</option>
            <option value="true">Has an email</option>
            <option value="false">No email</option>
          </select>
        </div>
        <div class="field">
          <label for="contact-sort">Sort</label>
          <select
            id="contact-sort"
            value={draft.sort}
            onChange={(event) => set('sort', event.currentTarget.value as Filters['sort'], true)}
          >
            {SORTS.map(([value, label]) => (
              <option value={value}>{label}</option>
            ))}
          </select>
        </div>
        <div class="contact-filter-actions">
          <button type="submit" class="button primary">
            Apply
          </button>
          <button
            type="button"
            class="button ghost"
            onClick={() => {
              setDraft(NO_FILTERS);
              setFilters(NO_FILTERS);
            }}
          >
            Clear
          </button>
        </div>
      </form>
      <ErrorNote message={error} />
      <ListBody items={contacts} empty="No contact matches.">
        {(list) => (
          <ListTable
            columns={['Name', 'Email', 'Phone', 'Last seen', 'Device', ...(widgets.length > 0 ? ['Widget'] : [])]}
            caption="Contacts"
            actions={false}
            class="contact-table"
          >
            {list.map((contact) => (
              <tr key={contact.id}>
                <td class="strong full">
                  <Link to={`/contacts/${contact.id}`}>{contactLabel(contact)}</Link>
                </td>
                <td data-label="Email">{contact.email ?? '—'}</td>
                <td data-label="Phone">{contact.phone ?? '—'}</td>
                <td data-label="Last seen">
                  {contact.lastSeenAt === null ? (
                    'Never'
                  ) : (
                    <time title={exactTime(contact.lastSeenAt)}>{relativeTime(contact.lastSeenAt)}</time>
                  )}
                </td>
                <td data-label="Device">{deviceText(contact)}</td>
                {widgets.length > 0 ? <td data-label="Widget">{widgetName(contact.widgetId) ?? contact.widgetId}</td> : null}
              </tr>
            ))}
          </ListTable>
        )}
      </ListBody>
      {next === null ? null : (
        <button type="button" class="button" onClick={() => void load(next)}>
          Show more
        </button>
      )}
    </div>
  );
}

/** Admins: a CSV file into one widget; what could not be used is listed by line. */
function ImportCard(props: { widgets: ReadonlyArray<{ id: string; name: string }>; onDone: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [widgetId, setWidgetId] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ContactImportResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    if (file === null) return setError('Choose a CSV file first.');
    setBusy(true);
    try {
      const csv = await file.text();
      const path = `/v1/contacts/import${widgetId === '' ? '' : `?widgetId=${encodeURIComponent(widgetId)}`}`;
      setResult(await api.post<ContactImportResult>(path, { csv }));
      setError(null);
      props.onDone();
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card contact-import" aria-labelledby="import-title">
      <h2 id="import-title">Import contacts</h2>
      <p class="muted small">
        A CSV whose first line names the columns: <code>email</code> or <code>external_id</code> (who each row is), and <code>name</code>,{' '}
        <code>phone</code>, <code>attributes.&lt;key&gt;</code>. A row updates the contact with that external id or email, or adds one; an
        empty cell changes nothing. The export’s file imports as it is.
      </p>
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <div class="field grow">
          <label for="import-file">CSV file</label>
          <input
            id="import-file"
            type="file"
            accept=".csv,text/csv"
            onChange={(event) => setFile(event.currentTarget.files?.[0] ?? null)}
          />
        </div>
        <div class="field">
          <label for="import-widget">Into widget</label>
          <select id="import-widget" value={widgetId} onChange={(event) => setWidgetId(event.currentTarget.value)}>
            <option value="">The file’s widget_id column</option>
            {props.widgets.map((widget) => (
              <option value={widget.id}>{widget.name}</option>
            ))}
          </select>
        </div>
        <button type="submit" class="button primary" disabled={busy}>
          {busy ? 'Importing…' : 'Import'}
        </button>
      </form>
      <ErrorNote message={error} />
      {result === null ? null : (
        <div role="status">
          <p>
            {result.created} added, {result.updated} updated, {result.failed} left out.
          </p>
          {result.errors.length === 0 ? null : (
            <table class="import-errors">
              <caption class="visually-hidden">Rows left out</caption>
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {result.errors.map((row) => (
                  <tr key={row.row}>
                    <td>{row.row}</td>
                    <td>{row.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </section>
  );
}

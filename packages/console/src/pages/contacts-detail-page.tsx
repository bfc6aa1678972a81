import {
  contactAttributeFromText,
  type Contact,
  type ContactAttributeValue,
  type ContactConversation,
  type ContactPatch,
} from '@parley/protocol';
import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { navigate } from '../router.js';
import { Empty, ErrorNote, formatDate, Notice } from '../ui/feedback.js';
import { Link } from '../ui/link.js';
import { exactTime, relativeTime } from '../ui/relative-time.js';
import { useSession } from '../session.js';
import { ContactEraseDialog, erasedNotice, leaveContactsNotice } from './contact-erase-dialog.js';
import { contactLabel, deviceText } from './contacts-page.js';

const OWNER_LABEL: Readonly<Record<string, string>> = {
  bot: 'With the bot',
  queued: 'Waiting',
  human: 'With an agent',
  resolved: 'Resolved',
};

/** A visited page as a link only when it is a web address (what a page sends is the visitor's word). */
function PageLink(props: { url: string }) {
  return /^https?:\/\//i.test(props.url) ? (
    <a href={props.url} target="_blank" rel="noopener noreferrer nofollow" class="wrap">
      {props.url}
    </a>
  ) : (
    <code class="wrap">{props.url}</code>
  );
}

/** One contact: details and attributes (editable), activity, device, pages visited, every conversation, merge. */
export function ContactsDetailPage(props: { id: string }) {
  const [contact, setContact] = useState<Contact | null>(null);
  const [conversations, setConversations] = useState<ContactConversation[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const admin = useSession().agent.role === 'admin';
  const [erasing, setErasing] = useState(false);

  const load = async () => {
    try {
      const found = await api.get<Contact>(`/v1/contacts/${encodeURIComponent(props.id)}`);
      // A merged contact's id answers with the survivor: the address follows it.
      if (found.id !== props.id) navigate(`/contacts/${found.id}`, true);
      setContact(found);
      const list = await api.pages<ContactConversation>(`/v1/contacts/${encodeURIComponent(found.id)}/conversations`, {
        take: 100,
        max: 5,
      });
      setConversations(list.items);
      setError(null);
    } catch (caught) {
      setError(errorText(caught));
    }
  };
  useEffect(() => void load(), [props.id]);

  const save = async (patch: ContactPatch, what: string) => {
    if (contact === null) return;
    try {
      setContact(await api.patch<Contact>(`/v1/contacts/${encodeURIComponent(contact.id)}`, patch));
      setSaved(`${what} saved.`);
      setError(null);
    } catch (caught) {
      setSaved(null);
      setError(errorText(caught));
    }
  };

  if (contact === null) {
    return (
      <div class="page">
        <p>
          <Link to="/contacts">← All contacts</Link>
        </p>
        {error === null ? <p class="muted">Loading…</p> : <ErrorNote message={error} />}
      </div>
    );
  }
  return (
    <div class="page contact-page">
      <p>
        <Link to="/contacts">← All contacts</Link>
      </p>
      <header class="page-header">
        <div>
          <h1>{contactLabel(contact)}</h1>
          <p class="muted">
            {[contact.email, contact.phone, contact.externalId === null ? null : `User ${contact.externalId}`]
              .filter((part) => part !== null)
              .join(' · ') || 'No contact details yet'}
          </p>
        </div>
        {admin ? (
          <div class="page-actions contact-privacy">
            <a class="button" href={`/v1/contacts/${encodeURIComponent(contact.id)}/export`} download>
              Export data
            </a>
            <button type="button" class="button danger-ghost" onClick={() => setErasing(true)}>
              Erase contact
            </button>
          </div>
        ) : null}
      </header>
      {erasing ? (
        <ContactEraseDialog
          contact={contact}
          onClose={() => setErasing(false)}
          onErased={(counts) => {
            leaveContactsNotice(erasedNotice(counts));
            navigate('/contacts');
          }}
        />
      ) : null}
      <ErrorNote message={error} />
      {saved === null ? null : <Notice>{saved}</Notice>}
      <div class="contact-grid">
        <DetailsCard contact={contact} onSave={(patch) => void save(patch, 'Details')} />
        <section class="card" aria-labelledby="activity-title">
          <h2 id="activity-title">Activity</h2>
          <dl class="facts">
            <dt>First seen</dt>
            <dd>{formatDate(contact.firstSeenAt)}</dd>
            <dt>Last seen</dt>
            <dd>
              {contact.lastSeenAt === null ? '—' : <time title={exactTime(contact.lastSeenAt)}>{relativeTime(contact.lastSeenAt)}</time>}
            </dd>
            <dt>Device</dt>
            <dd>{deviceText(contact)}</dd>
            <dt>Created</dt>
            <dd>{formatDate(contact.createdAt)}</dd>
          </dl>
          <h3>Pages visited</h3>
          {contact.pages.length === 0 ? (
            <p class="muted small">None recorded.</p>
          ) : (
            <ul class="plain-list contact-pages">
              {contact.pages.map((page) => (
                <li key={`${page.url}-${page.at}`}>
                  <PageLink url={page.url} /> <span class="muted small">· {formatDate(page.at)}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
        <AttributesCard contact={contact} onSave={(attributes) => void save({ attributes }, 'Attributes')} />
        <section class="card" aria-labelledby="conversations-title">
          <h2 id="conversations-title">Conversations</h2>
          {conversations === null ? (
            <p class="muted">Loading…</p>
          ) : conversations.length === 0 ? (
            <Empty title="No conversation yet." />
          ) : (
            <ul class="plain-list contact-conversations">
              {conversations.map((conversation) => (
                <li key={conversation.id}>
                  <Link to={`/inbox/${conversation.id}`}>{formatDate(conversation.updatedAt)}</Link>{' '}
                  <span class="badge">{OWNER_LABEL[conversation.owner] ?? conversation.owner}</span>
                  {conversation.lastMessage === null ? null : <p class="muted small clamp">{conversation.lastMessage.text}</p>}
                </li>
              ))}
            </ul>
          )}
        </section>
        <MergeCard contact={contact} onMerged={() => void load()} />
      </div>
    </div>
  );
}

function DetailsCard(props: { contact: Contact; onSave: (patch: ContactPatch) => void }) {
  const { contact } = props;
  const [values, setValues] = useState({ name: '', email: '', phone: '', externalId: '' });
  useEffect(
    () =>
      setValues({ name: contact.name ?? '', email: contact.email ?? '', phone: contact.phone ?? '', externalId: contact.externalId ?? '' }),
    [contact],
  );
  const bind = (key: keyof typeof values) => ({
    id: `contact-${key}`,
    value: values[key],
    onInput: (event: { currentTarget: HTMLInputElement }) => setValues({ ...values, [key]: event.currentTarget.value }),
  });
  return (
    <section class="card" aria-labelledby="details-title">
      <h2 id="details-title">Details</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const text = (value: string) => (value.trim() === '' ? null : value.trim());
          props.onSave({
            name: text(values.name),
            email: text(values.email),
            phone: text(values.phone),
            externalId: text(values.externalId),
          });
        }}
      >
        <div class="fields">
          <div class="field">
            <label for="contact-name">Name</label>
            <input type="text" {...bind('name')} />
          </div>
          <div class="field">
            <label for="contact-email">Email</label>
            <input type="email" {...bind('email')} />
          </div>
          <div class="field">
            <label for="contact-phone">Phone</label>
            <input type="tel" placeholder="+14155550123" {...bind('phone')} />
          </div>
          <div class="field">
            <label for="contact-externalId">User id (your site’s)</label>
            <input type="text" {...bind('externalId')} />
          </div>
        </div>
        <button type="submit" class="button primary">
          Save details
        </button>
      </form>
    </section>
  );
}

function AttributesCard(props: { contact: Contact; onSave: (attributes: Record<string, ContactAttributeValue | null>) => void }) {
  const initial = () => Object.entries(props.contact.attributes).map(([key, value]) => ({ key, value: String(value) }));
  const [rows, setRows] = useState(initial);
  useEffect(() => setRows(initial()), [props.contact]);
  const update = (index: number, change: Partial<{ key: string; value: string }>) =>
    setRows(rows.map((row, at) => (at === index ? { ...row, ...change } : row)));
  return (
    <section class="card" aria-labelledby="attributes-title">
      <h2 id="attributes-title">Attributes</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const kept = rows.filter((row) => row.key.trim() !== '');
          const removed = Object.keys(props.contact.attributes).filter((key) => !kept.some((row) => row.key.trim() === key));
          props.onSave({
            ...Object.fromEntries(removed.map((key) => [key, null])),
            ...Object.fromEntries(kept.map((row) => [row.key.trim(), contactAttributeFromText(row.value)])),
          });
        }}
      >
        {rows.length === 0 ? <p class="muted small">No attributes yet. The site sets them with setAttributes; add one here.</p> : null}
        <ul class="plain-list attribute-rows">
          {rows.map((row, index) => (
            <li key={index} class="attribute-row">
              <input
                aria-label={`Attribute ${index + 1} name`}
                value={row.key}
                placeholder="plan"
                onInput={(event) => update(index, { key: event.currentTarget.value })}
              />
              <input
                aria-label={`Attribute ${row.key || index + 1} value`}
                value={row.value}
                placeholder="pro"
                onInput={(event) => update(index, { value: event.currentTarget.value })}
              />
              <button
                type="button"
                class="button small danger-ghost"
                aria-label={`Remove attribute ${row.key || index + 1}`}
                onClick={() => setRows(rows.filter((_, at) => at !== index))}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
        <div class="row-actions">
          <button type="button" class="button small" onClick={() => setRows([...rows, { key: '', value: '' }])}>
            Add attribute
          </button>
          <button type="submit" class="button primary small">
            Save attributes
          </button>
        </div>
      </form>
    </section>
  );
}

/** Finds another contact (the same person under another email, a visitor before they logged in) and folds it into this one. */
function MergeCard(props: { contact: Contact; onMerged: () => void }) {
  const [q, setQ] = useState('');
  const [found, setFound] = useState<Contact[] | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const search = async () => {
    try {
      const params = new URLSearchParams({ q, widgetId: props.contact.widgetId, take: '6' });
      const page = await api.get<{ items: Contact[] }>(`/v1/contacts?${params.toString()}`);
      setFound(page.items.filter((other) => other.id !== props.contact.id).slice(0, 5));
      setMessage(null);
    } catch (caught) {
      setMessage(errorText(caught));
    }
  };
  const merge = async (other: Contact) => {
    if (!confirm(`Merge ${contactLabel(other)} into ${contactLabel(props.contact)}? Their conversations move here.`)) return;
    try {
      const answer = await api.post<{ conversations: number }>(`/v1/contacts/${encodeURIComponent(props.contact.id)}/merge`, {
        from: other.id,
      });
      setMessage(`Merged: ${answer.conversations} conversation${answer.conversations === 1 ? '' : 's'} moved here.`);
      setFound(null);
      props.onMerged();
    } catch (caught) {
      setMessage(errorText(caught));
    }
  };
  return (
    <section class="card" aria-labelledby="merge-title">
      <h2 id="merge-title">Merge a duplicate</h2>
      <p class="muted small">
        The other contact’s conversations move here; details this contact lacks are taken from it, and its attributes are added (this
        contact’s value wins where both have one).
      </p>
      <form
        class="inline-form"
        role="search"
        aria-label="Find a duplicate"
        onSubmit={(event) => {
          event.preventDefault();
          void search();
        }}
      >
        <div class="field grow">
          <label for="merge-q">Find the duplicate</label>
          <input id="merge-q" type="search" value={q} onInput={(event) => setQ(event.currentTarget.value)} />
        </div>
        <button type="submit" class="button">
          Find
        </button>
      </form>
      {message === null ? null : (
        <p class="small" role="status">
          {message}
        </p>
      )}
      {found === null ? null : found.length === 0 ? (
        <p class="muted small">No other contact of this widget matches.</p>
      ) : (
        <ul class="plain-list">
          {found.map((other) => (
            <li key={other.id} class="list-row">
              <span>
                {contactLabel(other)} <span class="muted small">{other.email ?? ''}</span>
              </span>
              <button type="button" class="button small" onClick={() => void merge(other)}>
                Merge into this contact
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

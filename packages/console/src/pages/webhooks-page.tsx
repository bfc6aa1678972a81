import {
  WEBHOOK_EVENT_TYPES,
  type WebhookDelivery,
  type WebhookDeliveryDetail,
  type WebhookDeliveryStatus,
  type WebhookEventType,
  type WebhookSubscription,
  type WebhookSubscriptionCreated,
} from '@parley/protocol';
import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { CopyButton, ErrorNote, formatDate, ListBody, PageHeader } from '../ui/feedback.js';
import { ListTable } from '../ui/list-table.js';
import { Link } from '../ui/link.js';

const EVENT_LABELS: Readonly<Record<WebhookEventType, string>> = {
  'conversation.created': 'Conversation created',
  'message.created': 'Message created',
  'conversation.ownership_changed': 'Ownership changed (handoff, assigned, resolved…)',
  'conversation.rated': 'Rating given',
  'conversation.email_left': 'Email left (contact form)',
  'contact.created': 'Contact created',
  'contact.updated': 'Contact updated',
  'contact.merged': 'Contacts merged',
};

/** The secret of a subscription just created or rotated: shown once. */
function SecretReveal(props: { created: WebhookSubscriptionCreated; onDone: () => void }) {
  return (
    <div class="card reveal" role="status">
      <h2>Copy the signing secret now</h2>
      <p>This is the only time it is shown. Your endpoint verifies every delivery with it (Standard Webhooks).</p>
      <div class="reveal-key">
        <code data-testid="webhook-secret">{props.created.secret}</code>
        <CopyButton text={props.created.secret} label="Copy the signing secret" />
      </div>
      <button type="button" class="button ghost small" onClick={props.onDone}>
        I stored it
      </button>
    </div>
  );
}

/** Admins: the webhook subscriptions, and a form to add one. */
export function WebhooksPage() {
  const [items, setItems] = useState<WebhookSubscription[] | null>(null);
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<readonly WebhookEventType[]>(['message.created']);
  const [created, setCreated] = useState<WebhookSubscriptionCreated | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = () => api.all<WebhookSubscription>('/v1/webhooks').then(setItems, (caught: unknown) => setError(errorText(caught)));
  useEffect(() => void reload(), []);

  const create = async (event: Event) => {
    event.preventDefault();
    if (url.trim() === '') return setError('Enter the URL that receives the events, e.g. https://crm.example.com/hooks/parley.');
    if (events.length === 0) return setError('Pick at least one event.');
    try {
      setCreated(await api.post<WebhookSubscriptionCreated>('/v1/webhooks', { url: url.trim(), events }));
      setUrl('');
      setError(null);
      await reload();
    } catch (caught) {
      setError(errorText(caught));
    }
  };

  return (
    <div class="page">
      <PageHeader
        title="Webhooks"
        description="Endpoints that receive conversation events as signed POSTs (Standard Webhooks), retried for 24 hours and logged for 30 days."
      />
      <form class="card inline-form webhook-form" onSubmit={(event) => void create(event)}>
        <div class="field grow">
          <label class="label" for="webhook-url">
            Endpoint URL
          </label>
          <input
            id="webhook-url"
            type="url"
            value={url}
            onInput={(e) => setUrl(e.currentTarget.value)}
            placeholder="https://crm.example.com/hooks/parley"
          />
        </div>
        <fieldset class="field webhook-events">
          <legend class="label">Events</legend>
          {WEBHOOK_EVENT_TYPES.map((type) => (
            <label class="check">
              <input
                type="checkbox"
                checked={events.includes(type)}
                onChange={(e) => setEvents(e.currentTarget.checked ? [...events, type] : events.filter((t) => t !== type))}
              />{' '}
              {EVENT_LABELS[type]}
            </label>
          ))}
        </fieldset>
        <button type="submit" class="button primary">
          Add endpoint
        </button>
      </form>
      <ErrorNote message={error} />
      {created === null ? null : (
        <>
          <SecretReveal created={created} onDone={() => setCreated(null)} />
          <p>
            <Link to={`/webhooks/${created.id}`}>Open {created.url}</Link> to send a test event.
          </p>
        </>
      )}
      <ListBody items={items} empty="No webhook endpoint yet.">
        {(list) => (
          <ListTable columns={['Endpoint', 'Events', 'State']} actions={false}>
            {list.map((item) => (
              <tr>
                <td class="strong full">
                  <Link to={`/webhooks/${item.id}`}>{item.url}</Link>
                </td>
                <td data-label="Events">{eventsText(item.events)}</td>
                <td data-label="State">{stateText(item)}</td>
              </tr>
            ))}
          </ListTable>
        )}
      </ListBody>
    </div>
  );
}

/** Event names with a line-break chance after each dot: `conversation.` / `created` on a phone, not `conversation.create` / `d`. */
function eventsText(events: readonly string[]) {
  return events.map((event, index) => (
    <>
      {index === 0 ? '' : ', '}
      {event.split('.').flatMap((part, at, parts) => (at === parts.length - 1 ? [part] : [`${part}.`, <wbr />]))}
    </>
  ));
}

function stateText(item: WebhookSubscription): string {
  if (!item.enabled) return item.disabledReason === 'gone' ? 'Disabled: the endpoint answered 410 Gone' : 'Disabled';
  if (item.circuitOpenUntil !== null && item.circuitOpenUntil > new Date().toISOString())
    return `Resting until ${formatDate(item.circuitOpenUntil)}`;
  return item.consecutiveFailures > 0 ? `Failing (${item.consecutiveFailures} in a row)` : 'Active';
}

/**
 * A delivery's state as a person reads it: a pending delivery that has already failed is retrying (with when),
 * not merely "pending" beside an endpoint the page calls failing; the last answer's HTTP status when there was one.
 */
export function deliveryStatusText(delivery: Pick<WebhookDelivery, 'status' | 'attempts' | 'nextAttemptAt' | 'lastStatus'>): string {
  const answer = delivery.lastStatus === null ? (delivery.attempts > 0 ? ' (no answer)' : '') : ` (HTTP ${delivery.lastStatus})`;
  if (delivery.status !== 'pending' || delivery.attempts === 0) return `${delivery.status}${answer}`;
  const when = delivery.nextAttemptAt === null ? '' : ` at ${formatDate(delivery.nextAttemptAt)}`;
  return `retrying${when}${answer}`;
}

const STATUS_FILTERS: readonly (WebhookDeliveryStatus | '')[] = ['', 'pending', 'delivered', 'failed'];

/** One subscription: test event, enable/disable, rotate, delete, and its delivery log with replay. */
export function WebhookDetailPage(props: { id: string }) {
  const [item, setItem] = useState<WebhookSubscription | null>(null);
  const [deliveries, setDeliveries] = useState<WebhookDelivery[] | null>(null);
  const [status, setStatus] = useState<WebhookDeliveryStatus | ''>('');
  const [open, setOpen] = useState<WebhookDeliveryDetail | null>(null);
  const [secret, setSecret] = useState<WebhookSubscriptionCreated | null>(null);
  const [error, setError] = useState<string | null>(null);
  const base = `/v1/webhooks/${props.id}`;
  const run = async (work: () => Promise<unknown>) => {
    try {
      await work();
      setError(null);
    } catch (caught) {
      setError(errorText(caught));
    }
  };
  const reload = () =>
    run(async () => {
      setItem(await api.get<WebhookSubscription>(base));
      const answer = await api.pages<WebhookDelivery>(`${base}/deliveries${status === '' ? '' : `?status=${status}`}`, {
        take: 50,
        max: 1,
      });
      setDeliveries(answer.items);
    });
  useEffect(() => void reload(), [props.id, status]);

  const show = (delivery: WebhookDelivery) =>
    run(async () => setOpen(await api.get<WebhookDeliveryDetail>(`${base}/deliveries/${delivery.id}`)));
  const test = () => run(async () => (await api.post<WebhookDelivery>(`${base}/test`), await reload()));
  const replay = (delivery: WebhookDelivery) =>
    run(async () => (await api.post(`${base}/deliveries/${delivery.id}/replay`), await reload()));
  const toggle = () => run(async () => setItem(await api.patch<WebhookSubscription>(base, { enabled: !(item?.enabled ?? true) })));
  const rotate = () => run(async () => setSecret(await api.post<WebhookSubscriptionCreated>(`${base}/rotate-secret`, {})));
  const remove = () =>
    run(async () => {
      if (!confirm('Delete this endpoint and its delivery log?')) return;
      await api.delete(base);
      history.back();
    });

  return (
    <div class="page">
      <PageHeader title={item?.url ?? 'Webhook'} description={item === null ? '' : `${item.events.join(', ')} · ${stateText(item)}`}>
        <Link to="/webhooks">All webhooks</Link>
      </PageHeader>
      <div class="card row-actions wrap">
        <button type="button" class="button primary" onClick={() => void test()}>
          Send test event
        </button>
        <button type="button" class="button" onClick={() => void reload()}>
          Refresh
        </button>
        <button type="button" class="button" onClick={() => void toggle()}>
          {item?.enabled === false ? 'Enable' : 'Disable'}
        </button>
        <button type="button" class="button" onClick={() => void rotate()}>
          Rotate secret
        </button>
        <button type="button" class="button danger-ghost" onClick={() => void remove()}>
          Delete
        </button>
      </div>
      <ErrorNote message={error} />
      {secret === null ? null : <SecretReveal created={secret} onDone={() => setSecret(null)} />}
      <div class="field webhook-filter">
        <label class="label" for="delivery-status">
          Show
        </label>
        <select
          id="delivery-status"
          value={status}
          onChange={(e) => setStatus(STATUS_FILTERS.find((s) => s === e.currentTarget.value) ?? '')}
        >
          <option value="">Every delivery</option>
          <option value="pending">Pending</option>
          <option value="delivered">Delivered</option>
          <option value="failed">Failed</option>
        </select>
      </div>
      <ListBody items={deliveries} empty="No delivery yet: send a test event.">
        {(list) => (
          <ListTable columns={['Event', 'Status', 'Attempts', 'Created']} caption="Deliveries">
            {list.map((delivery) => (
              <tr>
                <td class="strong full">
                  <button type="button" class="link-button" onClick={() => void show(delivery)}>
                    {delivery.eventType}
                  </button>
                  {delivery.replayOf === null ? null : <span class="badge">replay</span>}
                </td>
                <td data-label="Status">{deliveryStatusText(delivery)}</td>
                <td data-label="Attempts">{delivery.attempts}</td>
                <td data-label="Created">{formatDate(delivery.createdAt)}</td>
                <td class="right">
                  <button
                    type="button"
                    class="button small"
                    onClick={() => void replay(delivery)}
                    aria-label={`Replay ${delivery.eventType} of ${formatDate(delivery.createdAt)}`}
                  >
                    Replay
                  </button>
                </td>
              </tr>
            ))}
          </ListTable>
        )}
      </ListBody>
      {open === null ? null : (
        <section class="card delivery-detail" aria-label="Delivery">
          <h2>
            {open.eventType} · {open.status}
          </h2>
          <p>
            <code>webhook-id: {open.eventId}</code>
          </p>
          <h3>Attempts</h3>
          <ol class="attempts">
            {open.attemptLog.map((attempt) => (
              <li>
                {formatDate(attempt.createdAt)} —{' '}
                {attempt.statusCode === null ? (attempt.error ?? 'No answer') : `HTTP ${attempt.statusCode}`} in {attempt.latencyMs} ms
                {attempt.responseBody === '' ? null : <pre class="webhook-pre">{attempt.responseBody}</pre>}
              </li>
            ))}
          </ol>
          <h3>Payload</h3>
          <pre class="webhook-pre">{JSON.stringify(open.payload, null, 2)}</pre>
        </section>
      )}
    </div>
  );
}

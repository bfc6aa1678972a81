import { CAMPAIGN_TRIGGER_KINDS, type Campaign, type CampaignReportRow } from '@parley/protocol';
import { useEffect, useState } from 'preact/hooks';
import { api, errorText, type Page } from '../api.js';
import { Markdown } from '../inbox/markdown.js';
import { ErrorNote, ListBody, PageHeader } from '../ui/feedback.js';
import { periodFor } from '../reports/period.js';
import { ListTable } from '../ui/list-table.js';
import { campaignBody, campaignValues, EMPTY_CAMPAIGN, triggerLabel, type CampaignFormValues } from './campaign-form.js';

interface Named {
  readonly id: string;
  readonly name: string;
}

const TRIGGERS: Readonly<Record<Campaign['trigger']['kind'], string>> = {
  page_view: 'Page view',
  time_on_page: 'Time on page',
  time_on_site: 'Time on site',
  exit_intent: 'Exit intent (desktop)',
  scroll_depth: 'Scroll depth',
  event: 'Custom event (Parley track)',
};

/**
 * Proactive messages (docs/campaigns.md): a widget's campaigns with their last 30 days' counts, and the form that
 * adds or changes one, with a preview of the message as the visitor sees it.
 */
export function CampaignsPage() {
  const [widgets, setWidgets] = useState<readonly Named[] | null>(null);
  const [agents, setAgents] = useState<readonly Named[]>([]);
  const [widgetId, setWidgetId] = useState('');
  const [campaigns, setCampaigns] = useState<readonly Campaign[] | null>(null);
  const [counts, setCounts] = useState<ReadonlyMap<string, CampaignReportRow>>(new Map());
  const [editing, setEditing] = useState<Campaign | null>(null);
  const [values, setValues] = useState<CampaignFormValues>(EMPTY_CAMPAIGN);
  const [error, setError] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);

  useEffect(() => {
    void Promise.all([api.get<Page<Named>>('/v1/widgets?take=100'), api.get<Page<Named>>('/v1/agents?take=100')])
      .then(([w, a]) => {
        setWidgets(w.items);
        setAgents(a.items);
        // `?widget=` (a link from the Reports page) picks that widget when it is one of them.
        const asked = new URLSearchParams(location.search).get('widget');
        const first = w.items.find((item) => item.id === asked) ?? w.items[0];
        setWidgetId((current) => (current === '' ? (first?.id ?? '') : current));
      })
      .catch((caught: unknown) => setLoadError(errorText(caught)));
  }, []);

  const load = async (id: string) => {
    if (id === '') return;
    try {
      // The counts beside each campaign: the last 30 days, as UTC days (the report's zone when none is given).
      const { from, to } = periodFor('30d', 'UTC', Date.now());
      const [list, report] = await Promise.all([
        api.get<{ items: Campaign[] }>(`/v1/widgets/${encodeURIComponent(id)}/campaigns`),
        api.get<{ items: CampaignReportRow[] }>(`/v1/reports/campaigns?from=${from}&to=${to}&widgetId=${encodeURIComponent(id)}`),
      ]);
      setCampaigns(list.items);
      setCounts(new Map(report.items.map((row) => [row.campaignId, row])));
      setLoadError(null);
    } catch (caught) {
      setLoadError(errorText(caught));
    }
  };
  useEffect(() => void load(widgetId), [widgetId]);

  const set = <K extends keyof CampaignFormValues>(key: K, value: CampaignFormValues[K]) => setValues((v) => ({ ...v, [key]: value }));
  const reset = () => {
    setEditing(null);
    setValues(EMPTY_CAMPAIGN);
    setError(null);
  };
  const edit = (campaign: Campaign) => {
    setEditing(campaign);
    setValues(campaignValues(campaign));
    setError(null);
    document.getElementById('campaign-name')?.focus();
  };
  const base = `/v1/widgets/${encodeURIComponent(widgetId)}/campaigns`;
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      if (editing === null) await api.post(base, campaignBody(values));
      else await api.patch(`${base}/${encodeURIComponent(editing.id)}`, campaignBody(values));
      reset();
      await load(widgetId);
    } catch (caught) {
      setError(errorText(caught));
    }
  };
  const remove = async (campaign: Campaign) => {
    if (!confirm(`Remove the campaign “${campaign.name}” and its counts?`)) return;
    try {
      await api.delete(`${base}/${encodeURIComponent(campaign.id)}`);
      if (editing?.id === campaign.id) reset();
      await load(widgetId);
    } catch (caught) {
      setError(errorText(caught));
    }
  };

  const text = (key: keyof CampaignFormValues, label: string, help?: string, rows = 0) => {
    const id = `campaign-${key}`;
    const value = String(values[key]);
    return (
      <div class={rows > 0 ? 'field full-row' : 'field'}>
        <label class="label" for={id}>
          {label}
        </label>
        {rows > 0 ? (
          <textarea
            id={id}
            rows={rows}
            value={value}
            aria-describedby={help === undefined ? undefined : `${id}-help`}
            onInput={(e) => set(key, e.currentTarget.value)}
          />
        ) : (
          <input
            id={id}
            value={value}
            aria-describedby={help === undefined ? undefined : `${id}-help`}
            onInput={(e) => set(key, e.currentTarget.value)}
          />
        )}
        {help === undefined ? null : (
          <p class="muted small field-help" id={`${id}-help`}>
            {help}
          </p>
        )}
      </div>
    );
  };
  const choice = <K extends keyof CampaignFormValues>(key: K, label: string, options: readonly (readonly [string, string])[]) => (
    <div class="field">
      <label class="label" for={`campaign-${key}`}>
        {label}
      </label>
      <select id={`campaign-${key}`} value={String(values[key])} onChange={(e) => set(key, e.currentTarget.value as CampaignFormValues[K])}>
        {options.map(([value, name]) => (
          <option value={value}>{name}</option>
        ))}
      </select>
    </div>
  );
  const senderName = values.sender === 'bot' ? 'Your bot' : (agents.find((a) => a.id === values.sender)?.name ?? 'Agent');

  return (
    <div class="page">
      <PageHeader
        title="Campaigns"
        description="Proactive messages: a widget shows one by itself when its trigger fires on a matching page, to its audience, at most as often as its cap allows."
      />
      <ErrorNote message={loadError} />
      <div class="card">
        <div class="field">
          <label class="label" for="campaign-widget">
            Widget
          </label>
          <select id="campaign-widget" value={widgetId} onChange={(e) => (reset(), setWidgetId(e.currentTarget.value))}>
            {(widgets ?? []).map((w) => (
              <option value={w.id}>{w.name}</option>
            ))}
          </select>
        </div>
      </div>
      <ListBody items={campaigns} empty="This widget has no campaigns yet.">
        {(items) => (
          <ListTable
            columns={['Campaign', 'When', 'Priority', 'Shown', 'Opened', 'Replied', 'Reply rate']}
            caption="Campaigns and their last 30 days"
          >
            {items.map((campaign) => {
              const row = counts.get(campaign.id);
              return (
                <tr key={campaign.id}>
                  <td data-label="Campaign">
                    {campaign.name}
                    {campaign.enabled ? null : <span class="muted small"> · off</span>}
                  </td>
                  <td data-label="When">{triggerLabel(campaign.trigger)}</td>
                  <td data-label="Priority">{campaign.priority}</td>
                  <td data-label="Shown">{row?.shown ?? 0}</td>
                  <td data-label="Opened">{row?.opened ?? 0}</td>
                  <td data-label="Replied">{row?.replied ?? 0}</td>
                  <td data-label="Reply rate">
                    {row?.replyRate === null || row === undefined ? '–' : `${Math.round(row.replyRate * 100)} %`}
                  </td>
                  <td>
                    <span class="row-actions">
                      <button type="button" class="button small" aria-label={`Edit ${campaign.name}`} onClick={() => edit(campaign)}>
                        Edit
                      </button>
                      <button
                        type="button"
                        class="button small danger-ghost"
                        aria-label={`Remove ${campaign.name}`}
                        onClick={() => void remove(campaign)}
                      >
                        Remove
                      </button>
                    </span>
                  </td>
                </tr>
              );
            })}
          </ListTable>
        )}
      </ListBody>
      <form class="card" onSubmit={(event) => void submit(event)} aria-labelledby="campaign-form-title">
        <h2 id="campaign-form-title">{editing === null ? 'Add a campaign' : `Edit “${editing.name}”`}</h2>
        <div class="fields">
          {text('name', 'Name', 'Only you see it.')}
          {choice('sender', 'From', [['bot', 'The bot'], ...agents.map((a) => [a.id, a.name] as const)])}
          {choice('display', 'Shown as', [
            ['peek', 'Peek above the launcher'],
            ['window', 'Opened chat window'],
            ['both', 'Window on wide screens, peek on phones'],
          ])}
          {text('text', 'Message (Markdown)', undefined, 3)}
          {text('quickReplies', 'Quick replies', 'One a line, up to 5.', 2)}
          {choice(
            'trigger',
            'Trigger',
            CAMPAIGN_TRIGGER_KINDS.map((kind) => [kind, TRIGGERS[kind]] as const),
          )}
          {values.trigger === 'time_on_page' || values.trigger === 'time_on_site' ? text('amount', 'Seconds') : null}
          {values.trigger === 'scroll_depth' ? text('amount', 'Percent scrolled') : null}
          {values.trigger === 'event' ? text('eventName', 'Event name', "The page calls Parley('track', name).") : null}
          {text(
            'include',
            'Pages (any of)',
            'One rule a line: exact, prefix, wildcard or regex, then the value (/pricing, https://…). Empty: every page.',
            2,
          )}
          {text('exclude', 'Except pages', 'Same rules; an excluded page never shows it.', 2)}
          {choice('visitor', 'Visitors', [
            ['any', 'New and returning'],
            ['new', 'New visitors'],
            ['returning', 'Returning visitors'],
          ])}
          {choice('identified', 'Identified', [
            ['any', 'Identified or not'],
            ['yes', 'Identified only'],
            ['no', 'Anonymous only'],
          ])}
          {choice('businessHours', 'Business hours', [
            ['any', 'Open or closed'],
            ['open', 'While open'],
            ['closed', 'While closed'],
          ])}
          {text('languages', 'Languages', 'Language codes, comma-separated (fr, de). Empty: any.')}
          {text(
            'attributes',
            'Contact attributes',
            'One a line: key, then equals, not_equals, contains, exists or missing, then the value. Tested on the attributes the page gives the widget.',
            2,
          )}
          {choice('cap', 'How often', [
            ['once_per_visitor', 'Once per visitor'],
            ['once_per_session', 'Once per session'],
            ['every_days', 'At most every N days'],
          ])}
          {values.cap === 'every_days' ? text('days', 'Days') : null}
          {text('priority', 'Priority', '0–1000; the highest wins when several match at once.')}
          <div class="field">
            <label class="label" for="campaign-startsAt">
              Starts
            </label>
            <input
              id="campaign-startsAt"
              type="datetime-local"
              value={values.startsAt}
              onInput={(e) => set('startsAt', e.currentTarget.value)}
            />
          </div>
          <div class="field">
            <label class="label" for="campaign-endsAt">
              Ends
            </label>
            <input id="campaign-endsAt" type="datetime-local" value={values.endsAt} onInput={(e) => set('endsAt', e.currentTarget.value)} />
          </div>
          <div class="field check">
            <input
              id="campaign-enabled"
              type="checkbox"
              checked={values.enabled}
              onChange={(e) => set('enabled', e.currentTarget.checked)}
            />
            <label for="campaign-enabled">Enabled</label>
          </div>
        </div>
        <section aria-labelledby="campaign-preview-title" class="campaign-preview">
          <h3 id="campaign-preview-title" class="label">
            Preview
          </h3>
          <div class="bubble-row from-bot">
            <div class="bubble">
              <div class="bubble-head">
                <span class="bubble-author">{senderName}</span>
              </div>
              {/* Rendered as the visitor sees it (the inbox's Markdown subset); live: no cache for every keystroke's text. */}
              <div dir="auto">
                <Markdown text={values.text === '' ? 'Your message' : values.text} live />
              </div>
            </div>
          </div>
        </section>
        <ErrorNote message={error} />
        <div class="row-actions">
          <button type="submit" class="button primary" disabled={widgetId === ''}>
            {editing === null ? 'Add campaign' : 'Save changes'}
          </button>
          {editing === null ? null : (
            <button type="button" class="button" onClick={reset}>
              Cancel
            </button>
          )}
        </div>
      </form>
    </div>
  );
}

import { BOT_KINDS, botKindSchemas, type Bot, type BotKind } from '@parley/protocol';
import { useEffect, useMemo, useState } from 'preact/hooks';
import * as v from 'valibot';
import { api, errorText } from '../api.js';
import { ErrorNote, formatDate, ListBody, Notice, PageHeader } from '../ui/feedback.js';
import { describeSchema, labelFor, type FieldSpec } from '../widgets/settings-fields.js';
import { SettingField } from '../widgets/settings-form.js';

const KIND_LABEL: Record<BotKind, string> = {
  builtin: 'Built-in FAQ bot',
  webhook: 'Webhook (n8n, any HTTPS endpoint)',
  rasa: 'Rasa',
  dialogflow: 'Dialogflow',
  openai: 'OpenAI-compatible LLM',
};

/** Fields of one kind's config, derived from the protocol schema like the widget options. */
function configFields(kind: BotKind): FieldSpec[] {
  const kindSpec = describeSchema(botKindSchemas[kind].config as unknown as Parameters<typeof describeSchema>[0]);
  return kindSpec.type === 'group' ? [...kindSpec.fields] : [];
}

function secretNames(kind: BotKind): string[] {
  return Object.keys((botKindSchemas[kind].secrets as unknown as { entries: Record<string, unknown> }).entries);
}

/** Create or edit one bot. Secrets are write-only: the form shows "set", never a value, and sends only what was typed. */
function BotForm(props: { bot: Bot | null; onSaved: (bot: Bot) => void }) {
  const [kind, setKind] = useState<BotKind>(props.bot?.kind ?? 'builtin');
  const [name, setName] = useState(props.bot?.name ?? '');
  const [config, setConfig] = useState<Record<string, unknown>>({ ...(props.bot?.config ?? {}) });
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const fields = useMemo(() => configFields(kind), [kind]);
  const prefix = props.bot?.id ?? 'new';

  const submit = async (event: Event) => {
    event.preventDefault();
    // The protocol's schema first: an invalid rule is marked where it is and nothing is sent.
    const checked = v.safeParse(botKindSchemas[kind].config, config);
    if (!checked.success) {
      const [issue] = checked.issues;
      const path = (issue.path ?? []).map((step) => String(step.key)).join('.');
      setError(`Not saved: ${path === '' ? '' : `${path}: `}${issue.message}. Correct it, then save again.`);
      return;
    }
    const typed = Object.fromEntries(
      Object.entries(secrets)
        .filter(([, value]) => value !== '')
        .map(([key, value]) => [key, key === 'headers' ? safeJson(value) : value]),
    );
    const body = { name, config, ...(Object.keys(typed).length > 0 ? { secrets: typed } : {}) };
    try {
      const bot =
        props.bot === null ? await api.post<Bot>('/v1/bots', { kind, ...body }) : await api.patch<Bot>(`/v1/bots/${props.bot.id}`, body);
      setSecrets({});
      setError(null);
      setSaved(true);
      setTimeout(() => setSaved(false), 3000);
      props.onSaved(bot);
    } catch (caught) {
      setError(errorText(caught));
    }
  };

  return (
    <form class="bot-form" onSubmit={(event) => void submit(event)}>
      <div class="fields">
        {props.bot === null ? (
          <div class="field">
            <label class="label" for={`${prefix}-kind`}>
              Kind
            </label>
            <select id={`${prefix}-kind`} value={kind} onChange={(e) => (setKind(e.currentTarget.value as BotKind), setConfig({}))}>
              {BOT_KINDS.map((k) => (
                <option value={k}>{KIND_LABEL[k]}</option>
              ))}
            </select>
          </div>
        ) : null}
        <div class="field">
          <label class="label" for={`${prefix}-name`}>
            Name
          </label>
          <input id={`${prefix}-name`} value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        </div>
        {fields.map((spec) => (
          <SettingField
            key={`${kind}-${spec.key}`}
            spec={spec}
            path={`${prefix}.${spec.key}`}
            value={config[spec.key]}
            choices={{}}
            onChange={(value) => setConfig({ ...config, [spec.key]: value })}
          />
        ))}
        {secretNames(kind).map((secret) => {
          const isSet = props.bot?.secrets[secret] === true;
          const common = {
            id: `${prefix}-secret-${secret}`,
            autocomplete: 'off',
            value: secrets[secret] ?? '',
            onInput: (e: Event) => setSecrets({ ...secrets, [secret]: (e.currentTarget as HTMLInputElement).value }),
          };
          return (
            <div class="field">
              <label class="label" for={`${prefix}-secret-${secret}`}>
                {labelFor(secret)} <span class={isSet ? 'badge ok' : 'badge'}>{isSet ? 'set' : 'not set'}</span>
              </label>
              {/* Headers are JSON, easier to get right in the clear; every other secret is masked. */}
              {secret === 'headers' ? (
                <input type="text" placeholder={isSet ? 'Set — type to replace' : '{"X-Api-Key": "…"}'} {...common} />
              ) : (
                <input type="password" placeholder={isSet ? 'Set — type to replace' : 'Not set'} {...common} />
              )}
            </div>
          );
        })}
      </div>
      <ErrorNote message={error} />
      {saved ? <Notice>Saved.</Notice> : null}
      <button type="submit" class="button primary">
        {props.bot === null ? 'Create bot' : 'Save bot'}
      </button>
    </form>
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text; // The server answers with a field error that names `secrets.headers`.
  }
}

export function BotsPage() {
  const [bots, setBots] = useState<Bot[] | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = () => api.all<Bot>('/v1/bots').then(setBots, (caught: unknown) => setError(errorText(caught)));
  useEffect(() => void reload(), []);

  const remove = async (bot: Bot) => {
    if (!confirm(`Delete the bot ${bot.name}?`)) return;
    try {
      await api.delete(`/v1/bots/${bot.id}`);
      await reload();
    } catch (caught) {
      setError(errorText(caught));
    }
  };

  return (
    <div class="page">
      <PageHeader
        title="Bots"
        description="The connectors that answer first. Secrets are write-only: Parley shows whether one is set, never its value."
      />
      <ErrorNote message={error} />
      <ListBody items={bots} empty="No bot yet.">
        {(list) => (
          <ul class="card list">
            {list.map((bot) => (
              <li class="list-row column">
                <div class="list-row-inner">
                  <div class="list-main">
                    <span class="list-title">{bot.name}</span>
                    <span class="muted small">
                      {KIND_LABEL[bot.kind]} · {bot.id} · updated {formatDate(bot.updatedAt)}
                    </span>
                  </div>
                  <div class="row-actions">
                    <button
                      type="button"
                      class="button small"
                      aria-expanded={open === bot.id}
                      onClick={() => setOpen(open === bot.id ? null : bot.id)}
                    >
                      {open === bot.id ? 'Close' : 'Edit'}
                    </button>
                    <button type="button" class="button small danger-ghost" onClick={() => void remove(bot)}>
                      Delete
                    </button>
                  </div>
                </div>
                {open === bot.id ? <BotForm bot={bot} onSaved={() => void reload()} /> : null}
              </li>
            ))}
          </ul>
        )}
      </ListBody>
      <section class="card" aria-labelledby="new-bot">
        <h2 id="new-bot">New bot</h2>
        <BotForm bot={null} onSaved={() => void reload()} />
      </section>
    </div>
  );
}

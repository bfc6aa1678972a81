import type { Blueprint, Widget } from '@parley/protocol';
import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { navigate } from '../router.js';
import { ErrorNote, formatDate, ListBody, PageHeader } from '../ui/feedback.js';
import { Link } from '../ui/link.js';
import { ImportCard } from './config-documents.js';

type Kind = 'widgets' | 'blueprints';

const TEXT = {
  widgets: {
    title: 'Widgets',
    description: 'Each widget is one chat on your sites: its look, texts, bot and allowed origins.',
    noun: 'widget',
    empty: 'No widget yet. Create one to get its embed code.',
  },
  blueprints: {
    title: 'Blueprints',
    description: 'Shared option sets: a change reaches every widget that uses the blueprint.',
    noun: 'blueprint',
    empty: 'No blueprint yet. Create one to share options between widgets.',
  },
} as const;

/** The list of widgets or blueprints, with a create form that opens the new one in the editor. */
export function SettingsListPage(props: { kind: Kind }) {
  const text = TEXT[props.kind];
  const [items, setItems] = useState<readonly (Widget | Blueprint)[] | null>(null);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);

  const [loads, setLoads] = useState(0);
  useEffect(() => {
    setItems(null);
    api.all<Widget | Blueprint>(`/v1/${props.kind}`).then(setItems, (caught: unknown) => setError(errorText(caught)));
  }, [props.kind, loads]);

  const create = async (event: Event) => {
    event.preventDefault();
    if (name.trim() === '') {
      setError(`Give the new ${text.noun} a name first.`);
      return;
    }
    try {
      const created = await api.post<Widget | Blueprint>(`/v1/${props.kind}`, { name: name.trim() });
      navigate(`/${props.kind}/${created.id}`);
    } catch (caught) {
      setError(errorText(caught));
    }
  };

  return (
    <div class="page">
      <PageHeader title={text.title} description={text.description} />
      <form class="card inline-form" onSubmit={(event) => void create(event)}>
        <div class="field grow">
          <label class="label" for="new-name">
            New {text.noun} name
          </label>
          <input
            id="new-name"
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
            placeholder={props.kind === 'widgets' ? 'Support chat' : 'Brand defaults'}
          />
        </div>
        <button type="submit" class="button primary">
          Create {text.noun}
        </button>
      </form>
      <ErrorNote message={error} />
      <ListBody items={items} empty={text.empty}>
        {(list) => (
          <ul class="card list">
            {list.map((item) => (
              <li class="list-row">
                <div class="list-main">
                  <Link to={`/${props.kind}/${item.id}`} class="list-title">
                    {item.name}
                  </Link>
                  <span class="muted small">
                    {item.description === '' ? item.id : item.description} · updated {formatDate(item.updatedAt)}
                  </span>
                </div>
                {'effective' in item ? (
                  <span class="chip">
                    <span class="swatch" style={{ background: item.effective.theme.primaryColor ?? '#1f5fd1' }} aria-hidden="true" />
                    {item.effective.layout}
                  </span>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </ListBody>
      <ImportCard kind={props.kind} onImported={() => setLoads(loads + 1)} />
    </div>
  );
}

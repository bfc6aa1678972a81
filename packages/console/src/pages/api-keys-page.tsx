import type { ApiKey, ApiKeyCreated } from '@parley/protocol';
import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { CopyButton, ErrorNote, formatDate, ListBody, PageHeader } from '../ui/feedback.js';
import { ListTable } from '../ui/list-table.js';

export function ApiKeysPage() {
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = () => api.all<ApiKey>('/v1/api-keys').then(setKeys, (caught: unknown) => setError(errorText(caught)));
  useEffect(() => void reload(), []);

  const create = async (event: Event) => {
    event.preventDefault();
    if (name.trim() === '') return setError('Name the key after what will use it, e.g. “CRM sync”.');
    try {
      setCreated(await api.post<ApiKeyCreated>('/v1/api-keys', { name: name.trim() }));
      setName('');
      setError(null);
      await reload();
    } catch (caught) {
      setError(errorText(caught));
    }
  };

  const revoke = async (key: ApiKey) => {
    if (!confirm(`Revoke ${key.name}? Anything using it stops working at once.`)) return;
    try {
      await api.delete(`/v1/api-keys/${key.id}`);
      await reload();
    } catch (caught) {
      setError(errorText(caught));
    }
  };

  return (
    <div class="page">
      <PageHeader
        title="API keys"
        description="Keys for the management API (Authorization: Bearer …). Only a hash is stored: a key is shown once."
      />
      <form class="card inline-form" onSubmit={(event) => void create(event)}>
        <div class="field grow">
          <label class="label" for="key-name">
            New key name
          </label>
          <input id="key-name" value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="CRM sync" />
        </div>
        <button type="submit" class="button primary">
          Create key
        </button>
      </form>
      <ErrorNote message={error} />
      {created === null ? null : (
        <div class="card reveal" role="status">
          <h2>Copy “{created.name}” now</h2>
          <p>This is the only time the key is shown. Store it in your secret manager.</p>
          <div class="reveal-key">
            <code data-testid="new-key">{created.key}</code>
            <CopyButton text={created.key} label="Copy the new API key" />
          </div>
          <button type="button" class="button ghost small" onClick={() => setCreated(null)}>
            I stored it
          </button>
        </div>
      )}
      <ListBody items={keys} empty="No API key.">
        {(list) => (
          <ListTable columns={['Name', 'Starts with', 'Created', 'Last used']}>
            {list.map((key) => (
              <tr>
                <td class="strong full">{key.name}</td>
                <td data-label="Starts with">
                  <code>{key.prefix}…</code>
                </td>
                <td data-label="Created">{formatDate(key.createdAt)}</td>
                <td data-label="Last used">{key.lastUsedAt === null ? 'Never' : formatDate(key.lastUsedAt)}</td>
                <td class="right">
                  <button
                    type="button"
                    class="button small danger-ghost"
                    onClick={() => void revoke(key)}
                    aria-label={`Revoke ${key.name}`}
                  >
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </ListTable>
        )}
      </ListBody>
    </div>
  );
}

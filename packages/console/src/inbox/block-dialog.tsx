import type { BlockCreate, BlockDuration, BlockScope } from '@parley/protocol';
import { useRef, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { ErrorNote } from '../ui/feedback.js';
import { ModalDialog } from '../ui/modal-dialog.js';

const DURATIONS: readonly (readonly [BlockDuration, string])[] = [
  ['1d', '1 day'],
  ['7d', '7 days'],
  ['30d', '30 days'],
  ['permanent', 'Until unblocked'],
];

/**
 * "Block visitor" (Intercom's and Chatwoot's Block contact): this visitor, or the address they write
 * from; for how long; why (agents only). A modal dialog: focus starts inside and goes back where it
 * was, Escape and Cancel close it, and the visitor is refused on every node once it is confirmed.
 */
export function BlockDialog(props: { conversationId: string; onClose: () => void; onBlocked: () => void }) {
  const [scope, setScope] = useState<BlockScope>('visitor');
  const [duration, setDuration] = useState<BlockDuration>('7d');
  const [everyWidget, setEveryWidget] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLInputElement>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    const body: BlockCreate = {
      scope,
      duration,
      ...(reason.trim() === '' ? {} : { reason: reason.trim() }),
      ...(scope === 'address' && everyWidget ? { everyWidget: true } : {}),
    };
    try {
      await api.post(`/v1/inbox/${encodeURIComponent(props.conversationId)}/block`, body);
      props.onBlocked();
    } catch (caught) {
      setError(errorText(caught));
      setBusy(false);
    }
  };

  return (
    <ModalDialog
      class="block-dialog"
      title="Block visitor"
      titleId="block-title"
      helpId="block-help"
      initialFocus={first}
      onClose={props.onClose}
    >
      <p id="block-help" class="muted small">
        They can no longer write in the chat: the widget tells them they can’t send messages. Open conversations stay in the inbox.
      </p>
      <form onSubmit={(event) => void submit(event)}>
        <fieldset class="block-choices">
          <legend class="label">Block</legend>
          <label class="choice">
            <input ref={first} type="radio" name="block-scope" checked={scope === 'visitor'} onChange={() => setScope('visitor')} />
            <span>
              This visitor
              <span class="hint">Their identity when the site verified it, else this conversation.</span>
            </span>
          </label>
          <label class="choice">
            <input type="radio" name="block-scope" checked={scope === 'address'} onChange={() => setScope('address')} />
            <span>
              Their address
              <span class="hint">Everyone writing from it (a whole office may share one).</span>
            </span>
          </label>
        </fieldset>
        {scope === 'address' ? (
          <div class="field check">
            <input id="block-every" type="checkbox" checked={everyWidget} onChange={(e) => setEveryWidget(e.currentTarget.checked)} />
            <label for="block-every">On every widget</label>
          </div>
        ) : null}
        <div class="field">
          <label class="label" for="block-duration">
            For
          </label>
          <select id="block-duration" value={duration} onChange={(e) => setDuration(durationOf(e.currentTarget.value))}>
            {DURATIONS.map(([value, label]) => (
              <option value={value}>{label}</option>
            ))}
          </select>
        </div>
        <div class="field">
          <label class="label" for="block-reason">
            Reason <span class="muted">(optional, only agents see it)</span>
          </label>
          <textarea id="block-reason" rows={2} maxLength={500} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
        </div>
        <ErrorNote message={error} />
        <div class="dialog-buttons">
          <button type="button" class="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="button danger" disabled={busy}>
            Block
          </button>
        </div>
      </form>
    </ModalDialog>
  );
}

function durationOf(value: string): BlockDuration {
  return DURATIONS.find(([known]) => known === value)?.[0] ?? '7d';
}

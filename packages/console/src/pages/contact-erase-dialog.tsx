import type { Contact } from '@parley/protocol';
import { useRef, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { ErrorNote } from '../ui/feedback.js';
import { ModalDialog } from '../ui/modal-dialog.js';
import { plural } from '../ui/plural.js';

/** What an erasure removed (POST /v1/contacts/{id}/erase). */
export interface ErasedCounts {
  readonly contacts: number;
  readonly conversations: number;
  readonly messages: number;
  readonly files: number;
}

let pendingNotice: string | null = null;

/** The contacts list shows this once (after an erasure the detail page navigates there). */
export function takeContactsNotice(): string | null {
  const notice = pendingNotice;
  pendingNotice = null;
  return notice;
}

export function leaveContactsNotice(notice: string): void {
  pendingNotice = notice;
}

/** What the admin types to confirm: the contact's email when it has one (any case), or ERASE. */
export function confirmsErasure(contact: Pick<Contact, 'email'>, typed: string): boolean {
  const text = typed.trim();
  return text === 'ERASE' || (contact.email !== null && text.toLowerCase() === contact.email.toLowerCase());
}

/**
 * "Erase contact": deletes everything Parley holds about this person (issue 18). A modal dialog like
 * Block visitor's: focus starts in the field and goes back where it was, Escape and Cancel close it,
 * and the button stays disabled until the admin typed the contact's email or ERASE.
 */
export function ContactEraseDialog(props: { contact: Contact; onClose: () => void; onErased: (counts: ErasedCounts) => void }) {
  const { contact } = props;
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const field = useRef<HTMLInputElement>(null);

  const confirmed = confirmsErasure(contact, typed);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (!confirmed) return;
    setBusy(true);
    try {
      const answer = await api.post<{ erased: ErasedCounts }>(`/v1/contacts/${encodeURIComponent(contact.id)}/erase`, {
        confirm: contact.id,
      });
      props.onErased(answer.erased);
    } catch (caught) {
      setError(errorText(caught));
      setBusy(false);
    }
  };

  return (
    <ModalDialog
      class="erase-dialog"
      title="Erase contact"
      titleId="erase-title"
      helpId="erase-help"
      initialFocus={field}
      onClose={props.onClose}
    >
      <div id="erase-help">
        <p class="small">
          This deletes everything Parley holds about <strong class="wrap">{contact.name ?? contact.email ?? 'this contact'}</strong>: their
          details and attributes, every conversation with its messages and files, their events and the webhook payloads that carried their
          data. Their open chats end at once. It cannot be undone.
        </p>
        <p class="muted small">Export their data first if you need to hand it over. The audit log records the erasure (counts only).</p>
      </div>
      <form onSubmit={(event) => void submit(event)}>
        <div class="field">
          <label class="label" for="erase-confirm">
            {contact.email === null ? (
              <>
                Type <strong>ERASE</strong> to confirm
              </>
            ) : (
              <>
                Type their email (<span class="wrap">{contact.email}</span>) or <strong>ERASE</strong> to confirm
              </>
            )}
          </label>
          <input
            ref={field}
            id="erase-confirm"
            type="text"
            autoComplete="off"
            spellcheck={false}
            value={typed}
            onInput={(event) => setTyped(event.currentTarget.value)}
          />
        </div>
        <ErrorNote message={error} />
        <div class="dialog-buttons">
          <button type="button" class="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="button danger" disabled={!confirmed || busy}>
            {busy ? 'Erasing…' : 'Erase contact'}
          </button>
        </div>
      </form>
    </ModalDialog>
  );
}

/** The notice the contacts list shows after an erasure: counts, no name. */
export function erasedNotice(counts: ErasedCounts): string {
  return `Contact erased: ${plural(counts.conversations, 'conversation')}, ${plural(counts.messages, 'message')} and ${plural(counts.files, 'file')} deleted.`;
}

import type { VNode } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Controller } from '../ui/controller.js';
import type { DeskText } from '../ui/desk-status.js';
import { useView } from '../ui/use-view.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Where the conversation stands with the humans, under the messages: the visitor's place in the
 * queue, who is answering, or — in offline mode (no agent online, or outside business hours) — a
 * request for an email so the reply can reach them. Live region, so screen readers hear each change.
 */
export function Desk({ ctl, text: { fill, duration } }: { readonly ctl: Controller; readonly text: DeskText }): VNode | null {
  const state = useView(ctl.store);
  const { strings, language } = state.config;
  if (state.owner === 'queued' && state.presence?.offline === true) return <OfflineForm ctl={ctl} />;
  let text: string | null = null;
  if (state.owner === 'queued' && state.queue) {
    const { position, estimatedWaitMs } = state.queue;
    text = fill(strings.queuePlace, { count: String(position), time: duration(estimatedWaitMs ?? 60_000, language) });
  } else if (state.owner === 'human' && state.assignee) {
    text = fill(strings.chattingWith, { name: state.assignee });
  }
  if (text === null) return null;
  return (
    <div class="sys" role="status" aria-live="polite">
      {text}
    </div>
  );
}

/** Offline mode: one labelled email field, checked before it is sent; focus moves in, then back to the composer. */
function OfflineForm({ ctl }: { readonly ctl: Controller }): VNode {
  const state = useView(ctl.store);
  const { strings } = state.config;
  const [email, setEmail] = useState('');
  const [error, setError] = useState('');
  const input = useRef<HTMLInputElement>(null);
  const sent = state.done.includes('contact');
  const wasSent = useRef(sent);
  useEffect(() => {
    // Offline mode starts while the visitor is in the composer: the question is what they must answer next.
    if (!sent) input.current?.focus();
  }, []);
  useEffect(() => {
    if (sent && !wasSent.current) (input.current?.getRootNode() as ShadowRoot | Document | undefined)?.querySelector('textarea')?.focus();
    wasSent.current = sent;
  }, [sent]);
  const message = state.presence?.offlineMessage || strings.offlinePrompt;
  if (sent)
    return (
      <div class="sys" role="status" aria-live="polite">
        {strings.offlineThanks}
      </div>
    );
  const submit = (event: Event) => {
    event.preventDefault();
    const value = email.trim();
    if (!EMAIL.test(value)) {
      setError(strings.contactEmailInvalid);
      return input.current?.focus();
    }
    ctl.saveContact({ name: undefined, email: value, phone: undefined });
  };
  return (
    <form class="form" onSubmit={submit} noValidate aria-labelledby="p-offline-q">
      <p id="p-offline-q" role="status" aria-live="polite">
        {message}
      </p>
      <label>
        {strings.contactEmail}
        <input
          ref={input}
          type="email"
          autoComplete="email"
          required
          value={email}
          aria-invalid={error !== ''}
          aria-describedby={error === '' ? undefined : 'p-offline-err'}
          onInput={(event) => {
            setEmail(event.currentTarget.value);
            setError('');
          }}
        />
      </label>
      {error !== '' && (
        <span id="p-offline-err" class="err" role="alert">
          {error}
        </span>
      )}
      <button class="btn" type="submit">
        {strings.contactSubmit}
      </button>
    </form>
  );
}

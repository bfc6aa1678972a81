import type { VNode } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Controller } from '../ui/controller.js';
import { useView } from '../ui/use-view.js';
import { HeaderDialog } from './header-dialog.js';
import { adoptChromeStyles } from './chrome-styles.js';
import { modalKeys } from './modal-keys.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** An envelope, drawn like the core's icons (the core does not need it, so it is not there). */
const MAIL_ICON = (
  <svg
    viewBox="0 0 24 24"
    fill="none"
    stroke="currentColor"
    stroke-width="2"
    stroke-linecap="round"
    stroke-linejoin="round"
    aria-hidden="true"
    focusable="false"
  >
    <path d="M3 5h18v14H3zM3 6l9 7 9-7" />
  </svg>
);

/** What the dialog shows under its title: the form (maybe with why the last try failed), or where the mail went. */
type Step = { readonly kind: 'form' | 'sending' | 'failed' | 'wait' } | { readonly kind: 'sent'; readonly to: string };

/**
 * "Email me this conversation": the header's envelope opens a small dialog with the visitor's email
 * (prefilled with the one they left). The address is first recorded on the conversation's contact
 * (`POST …/contact`), because the server mails a visitor's transcript only to the conversation's own
 * address, then the mail is asked for (`POST …/transcript/email`). Shown by HeaderTools only in managed
 * mode, once there is a conversation and the server sends mail (the public config's `services.transcripts`).
 */
export function MailTranscript({ ctl }: { readonly ctl: Controller }): VNode {
  const { strings } = useView(ctl.store).config;
  return <HeaderDialog label={strings.transcriptEmail} icon={MAIL_ICON} dialog={(close) => <MailDialog ctl={ctl} close={close} />} />;
}

function MailDialog({ ctl, close }: { readonly ctl: Controller; readonly close: () => void }): VNode {
  const { strings, language } = useView(ctl.store).config;
  const [email, setEmail] = useState(() => ctl.persist.read().contact?.email ?? '');
  const [invalid, setInvalid] = useState(false);
  const [step, setStep] = useState<Step>({ kind: 'form' });
  const box = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const done = useRef<HTMLButtonElement>(null);
  useEffect(() => (step.kind === 'sent' ? done : input).current?.focus(), [step.kind === 'sent']);

  const submit = async (event: Event) => {
    event.preventDefault();
    const address = email.trim();
    if (!EMAIL.test(address)) {
      setInvalid(true);
      return input.current?.focus();
    }
    if (step.kind === 'sending') return;
    setStep({ kind: 'sending' });
    setStep(await mailTranscript(ctl, address, language));
  };
  const busy = step.kind === 'sending';
  const note =
    step.kind === 'failed' ? strings.transcriptFailed : step.kind === 'wait' ? strings.transcriptWait : step.kind === 'sent' ? null : '';
  return (
    <div class="overlay" ref={adoptChromeStyles} onKeyDown={modalKeys(box, close)}>
      <div ref={box} class="dialog mail" role="dialog" aria-modal="true" aria-labelledby="p-mail-t">
        <h3 id="p-mail-t">{strings.transcriptEmail}</h3>
        {step.kind === 'sent' ? (
          <>
            <p role="status">{strings.transcriptSent.replace('{email}', step.to)}</p>
            <div class="row2">
              <button ref={done} class="btn" onClick={close}>
                {strings.dialogClose}
              </button>
            </div>
          </>
        ) : (
          <form noValidate onSubmit={(event) => void submit(event)}>
            <label>
              {strings.contactEmail}
              <input
                ref={input}
                type="email"
                autoComplete="email"
                dir="ltr"
                required
                value={email}
                aria-invalid={invalid}
                aria-describedby={invalid ? 'p-mail-err' : undefined}
                onInput={(event) => {
                  setEmail(event.currentTarget.value);
                  setInvalid(false);
                }}
              />
            </label>
            {invalid && (
              <p id="p-mail-err" class="err" role="alert">
                {strings.contactEmailInvalid}
              </p>
            )}
            {note !== '' && <p role="alert">{note}</p>}
            <div class="row2">
              <button type="button" class="btn ghost" onClick={close}>
                {strings.dialogClose}
              </button>
              {/* aria-disabled, not disabled: the focus stays on the button while the mail is asked for. */}
              <button type="submit" class="btn" aria-disabled={busy}>
                {busy ? strings.sending : strings.send}
              </button>
            </div>
          </form>
        )}
      </div>
    </div>
  );
}

/**
 * Records the address on the conversation, then asks for the mail. Resolves to the next step: `sent`
 * with the address as the server masked it, `wait` when this conversation was mailed minutes ago (429),
 * else `failed` (network, no mail set up after all, a refused visitor).
 */
async function mailTranscript(ctl: Controller, email: string, language: string): Promise<Step> {
  const contact = await ctl.post('contact', { email });
  if (contact?.ok !== true) return { kind: 'failed' };
  // Prefilled next time, and the contact card knows it too.
  ctl.persist.update((current) => ({ contact: { name: undefined, phone: undefined, ...current.contact, email } }));
  const mailed = await ctl.post('transcript/email', { timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone, locale: language });
  if (mailed?.status === 429) return { kind: 'wait' };
  if (mailed?.ok !== true) return { kind: 'failed' };
  const body: unknown = await mailed.json().catch(() => undefined);
  if (body === undefined) return { kind: 'failed' };
  return { kind: 'sent', to: typeof body === 'object' && body !== null && 'to' in body && typeof body.to === 'string' ? body.to : email };
}

import type { VNode } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Controller } from '../ui/controller.js';
import { useView } from '../ui/use-view.js';
import type { ChromeParts } from './header-dialog.js';

/** A chain link, drawn like the core's icons (the core does not need it, so it is not there). */
const LINK_ICON = (
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
    <path d="M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1" />
  </svg>
);

/** The link the server made, or why there is none yet. */
type Made = { readonly kind: 'making' | 'failed' } | { readonly kind: 'made'; readonly url: string; readonly days: number };

/**
 * "Get a link to this conversation" (async mode, docs/async-mode.md), a lazy extra of its own: the header's chain opens a dialog that asks the
 * server for a signed link (`POST /v1/conversations/{id}/links`) and shows it with how long it lasts and a copy
 * button. Shown by HeaderTools in managed mode while a human is involved (queued or answering): the wait the visitor
 * may spend elsewhere, on another device.
 */
export function ConversationLink({ ctl, ...parts }: { readonly ctl: Controller } & ChromeParts): VNode {
  const { strings } = useView(ctl.store).config;
  const { HeaderDialog } = parts;
  return <HeaderDialog label={strings.linkGet} icon={LINK_ICON} dialog={(close) => <LinkDialog ctl={ctl} close={close} {...parts} />} />;
}

function LinkDialog({
  ctl,
  close,
  chromeStyles,
  modalKeys,
}: { readonly ctl: Controller; readonly close: () => void } & ChromeParts): VNode {
  const { strings, language } = useView(ctl.store).config;
  const [made, setMade] = useState<Made>({ kind: 'making' });
  const [copied, setCopied] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const field = useRef<HTMLInputElement>(null);
  const closer = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    closer.current?.focus();
    void makeLink(ctl).then(setMade);
  }, []);
  useEffect(() => {
    if (made.kind === 'made') field.current?.select();
  }, [made.kind]);
  const copy = async () => {
    if (made.kind !== 'made') return;
    try {
      await navigator.clipboard.writeText(made.url);
      setCopied(true);
    } catch {
      // No clipboard (permissions, an insecure page): the address is selected in its field for the visitor to copy.
      field.current?.select();
    }
  };
  const days =
    made.kind === 'made' ? new Intl.NumberFormat(language, { style: 'unit', unit: 'day', unitDisplay: 'long' }).format(made.days) : '';
  return (
    <div class="overlay" ref={chromeStyles} onKeyDown={modalKeys(box, close)}>
      <div ref={box} class="dialog mail" role="dialog" aria-modal="true" aria-labelledby="p-link-t">
        <h3 id="p-link-t">{strings.linkGet}</h3>
        {made.kind === 'made' ? (
          <>
            <p>{strings.linkReady.replace('{time}', days)}</p>
            {/* Named by the dialog's title: a label above it would only say the title again. */}
            <p>
              <input
                ref={field}
                type="url"
                dir="ltr"
                readOnly
                aria-labelledby="p-link-t"
                value={made.url}
                onFocus={(event) => event.currentTarget.select()}
              />
            </p>
            <p role="status">{copied ? strings.linkCopied : ''}</p>
          </>
        ) : (
          <p role={made.kind === 'failed' ? 'alert' : 'status'}>{made.kind === 'failed' ? strings.loadFailed : strings.sending}</p>
        )}
        <div class="row2">
          <button ref={closer} type="button" class="btn ghost" onClick={close}>
            {strings.dialogClose}
          </button>
          {made.kind === 'made' && (
            <button type="button" class="btn" onClick={() => void copy()}>
              {strings.linkCopy}
            </button>
          )}
        </div>
      </div>
    </div>
  );
}

/** Asks the server for a link to this conversation; `failed` on any refusal or network error. */
async function makeLink(ctl: Controller): Promise<Made> {
  const answer = await ctl.post('links', {});
  const body: unknown = answer?.ok === true ? await answer.json().catch(() => undefined) : undefined;
  if (typeof body !== 'object' || body === null || !('url' in body) || typeof body.url !== 'string' || !('expiresAt' in body)) {
    return { kind: 'failed' };
  }
  const days = Math.max(1, Math.round((Date.parse(String(body.expiresAt)) - Date.now()) / 86_400_000));
  return { kind: 'made', url: body.url, days };
}

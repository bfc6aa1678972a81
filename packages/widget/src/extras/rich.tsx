import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import type { Message } from '@parley/protocol';
import type { Controller } from '../ui/controller.js';
import { useView } from '../ui/use-view.js';

interface CardButton {
  readonly label: string;
  readonly value?: string;
  readonly url?: string;
}
interface Card {
  readonly title?: string;
  readonly text?: string;
  readonly imageUrl?: string;
  readonly buttons?: readonly CardButton[];
}
interface FormField {
  readonly name: string;
  readonly label?: string;
  readonly type?: 'text' | 'email' | 'number' | 'tel' | 'textarea' | 'select';
  readonly required?: boolean;
  readonly options?: readonly string[];
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const list = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);
const rec = (value: unknown): Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
/** Web links only: `javascript:`, `data:` and the like never reach an href or src. */
const safeUrl = (value: unknown): string | undefined => {
  const url = str(value);
  return url !== undefined && /^https?:\/\//i.test(url) ? url : undefined;
};

// Cards, carousels, forms, contact collection and the rating: loaded only when a conversation shows one.

/** The composer's attach icon, drawn here: importing it would make the icons a chunk of their own. */
const AttachIcon = (): VNode => (
  <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2">
    <path d="M21 11.5 12.5 20a5 5 0 0 1-7-7L14 4.5a3.3 3.3 0 0 1 4.7 4.7l-8.5 8.5a1.7 1.7 0 0 1-2.4-2.4L15.5 8" />
  </svg>
);

/** The rich content's own styles: adopted by the widget's shadow root when the first rich message shows. */
const RICH_CSS = `
.cards{display:flex;gap:10px;overflow-x:auto;max-width:100%;padding:2px 2px 8px;scroll-snap-type:x mandatory}
.card{flex:none;width:230px;border:1px solid var(--p-line);border-radius:var(--p-radius);overflow:hidden;background:var(--p-bg);scroll-snap-align:start;display:flex;flex-direction:column}
.card img{width:100%;height:120px;object-fit:cover;display:block;background:var(--p-soft)}
.card .body{padding:10px 12px;font-size:14px;flex:1}
.card h3{font-size:15px;margin:0 0 4px}
.card .acts{display:flex;flex-direction:column;border-top:1px solid var(--p-line)}
.card .acts button,.card .acts a{border:0;background:none;padding:9px;color:var(--p-primary);font-weight:600;font-size:14px;text-align:center;text-decoration:none}
.card .acts>*+*{border-top:1px solid var(--p-line)}
.file{display:inline-flex;align-items:center;gap:6px;text-decoration:none;margin:2px 0}
.img img{max-width:240px;max-height:240px;border-radius:12px;display:block;margin:4px 0}
.form{width:88%;border:1px solid var(--p-line);border-radius:var(--p-radius);padding:12px;display:flex;flex-direction:column;gap:8px;background:var(--p-bg);margin:4px 0}
.form label{font-size:13px;font-weight:600;display:flex;flex-direction:column;gap:4px}
.form input,.form select,.form textarea{border:1px solid #8a929c;border-radius:8px;padding:8px 10px;font-size:14px;background:var(--p-bg);font-weight:400}
.form .err{color:#b3261e;font-size:12.5px;font-weight:500}
.rating{align-self:center;text-align:center;border:1px solid var(--p-line);border-radius:var(--p-radius);padding:12px 16px;margin:10px 0}
.rating div{display:flex;gap:4px;justify-content:center;margin-top:6px}
.rating button{border:0;background:none;font-size:24px;padding:2px 4px;border-radius:8px;color:#8a6d00}
.rating button:hover{background:var(--p-soft)}
`;
let sheet: CSSStyleSheet | undefined;

/** A ref callback: the element's shadow root gets the rich styles once. */
function adoptStyles(element: Element | null): void {
  const root = element?.getRootNode();
  if (!(root instanceof ShadowRoot)) return;
  if (sheet === undefined) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(RICH_CSS);
  }
  if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
}

/** Payloads come from bots and agents: every field is checked before use, unknown shapes render nothing. */
function toCard(value: unknown): Card {
  const raw = rec(value);
  const buttons = list(raw['buttons']).map((button): CardButton => {
    const b = rec(button);
    const label = str(b['label']) ?? str(b['title']) ?? '';
    const url = safeUrl(b['url']);
    const valueText = str(b['reply']) ?? str(b['value']);
    return { label, ...(url === undefined ? {} : { url }), ...(valueText === undefined ? {} : { value: valueText }) };
  });
  const title = str(raw['title']);
  const text = str(raw['text']) ?? str(raw['subtitle']);
  const imageUrl = safeUrl(raw['imageUrl']) ?? safeUrl(raw['image']);
  return {
    buttons: buttons.filter((button) => button.label !== ''),
    ...(title === undefined ? {} : { title }),
    ...(text === undefined ? {} : { text }),
    ...(imageUrl === undefined ? {} : { imageUrl }),
  };
}

/** The interactive part of a message: quick replies (last message only), a card, a carousel, a form. */
export function RichContent({ ctl, message }: { readonly ctl: Controller; readonly message: Message }): VNode | null {
  const payload = rec(message.payload);
  switch (message.type) {
    case 'card':
      return (
        <div class="cards" ref={adoptStyles}>
          <CardView ctl={ctl} card={toCard(payload)} />
        </div>
      );
    case 'carousel':
      if (!ctl.store.state.config.carousel) return null;
      return (
        <div class="cards" role="list" ref={adoptStyles}>
          {list(payload['cards']).map((card) => (
            <CardView ctl={ctl} card={toCard(card)} />
          ))}
        </div>
      );
    case 'form':
      return ctl.store.state.config.form ? <FormView ctl={ctl} message={message} /> : null;
    case 'file': {
      const url = safeUrl(payload['url']);
      if (url === undefined) return null;
      const name = str(payload['name']) ?? url;
      if ((str(payload['mimeType']) ?? '').startsWith('image/')) {
        return (
          <a href={url} target="_blank" rel="noopener noreferrer" class="img" ref={adoptStyles}>
            <img src={url} alt={str(payload['alt']) ?? name} loading="lazy" />
          </a>
        );
      }
      return (
        <a class="chip file" href={url} target="_blank" rel="noopener noreferrer" download={name} ref={adoptStyles}>
          <AttachIcon />
          {name}
        </a>
      );
    }
    default:
      return null;
  }
}

function CardView({ ctl, card }: { readonly ctl: Controller; readonly card: Card }): VNode {
  return (
    <div class="card" role="listitem">
      {card.imageUrl !== undefined && <img src={card.imageUrl} alt={card.title ?? ''} loading="lazy" />}
      <div class="body">
        {card.title !== undefined && <h3>{card.title}</h3>}
        {card.text !== undefined && <div>{card.text}</div>}
      </div>
      {card.buttons !== undefined && card.buttons.length > 0 && (
        <div class="acts">
          {card.buttons.map((button) =>
            button.url !== undefined ? (
              <a href={button.url} target="_blank" rel="noopener noreferrer">
                {button.label}
              </a>
            ) : (
              <button onClick={() => ctl.send(button.value ?? button.label)}>{button.label}</button>
            ),
          )}
        </div>
      )}
    </div>
  );
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function FormView({ ctl, message }: { readonly ctl: Controller; readonly message: Message }): VNode {
  const state = useView(ctl.store);
  const payload = rec(message.payload);
  const fields = list(payload['fields']).map((field): FormField => {
    const f = rec(field);
    return {
      name: str(f['name']) ?? 'field',
      label: str(f['label']) ?? str(f['name']) ?? '',
      type: (str(f['type']) as FormField['type']) ?? 'text',
      required: f['required'] === true,
      options: list(f['options'])
        .map(str)
        .filter((o): o is string => o !== undefined),
    };
  });
  const key = `form:${message.id}`;
  const submitted = state.done.includes(key);
  const [values, setValues] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const { strings } = state.config;
  const submit = (event: Event) => {
    event.preventDefault();
    if (submitted) return;
    const found: Record<string, string> = {};
    for (const field of fields) {
      const value = (values[field.name] ?? '').trim();
      if (field.required && value === '') found[field.name] = '*';
      else if (field.type === 'email' && value !== '' && !EMAIL.test(value)) found[field.name] = strings.contactEmailInvalid;
    }
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    ctl.markDone(key);
    // The protocol's form answer: one visitor message of `name: value` lines.
    ctl.send(fields.map((field) => `${field.name}: ${(values[field.name] ?? '').trim()}`).join('\n'));
  };
  return (
    <form class="form" onSubmit={submit} noValidate ref={adoptStyles}>
      {fields.map((field) => {
        const id = `f-${message.id}-${field.name}`;
        const common = {
          id,
          name: field.name,
          disabled: submitted,
          'aria-invalid': errors[field.name] !== undefined,
          'aria-required': field.required === true,
          value: values[field.name] ?? '',
          onInput: (event: Event) => setValues({ ...values, [field.name]: (event.currentTarget as HTMLInputElement).value }),
        };
        return (
          <label for={id}>
            {field.label}
            {field.required ? ' *' : ''}
            {field.type === 'textarea' ? (
              <textarea {...common} rows={3} />
            ) : field.type === 'select' ? (
              <select {...common}>
                <option value="">{strings.formChoose}</option>
                {(field.options ?? []).map((option) => (
                  <option value={option}>{option}</option>
                ))}
              </select>
            ) : (
              <input {...common} type={inputType(field.type)} />
            )}
            {errors[field.name] !== undefined && errors[field.name] !== '*' && <span class="err">{errors[field.name]}</span>}
          </label>
        );
      })}
      <button class="btn" type="submit" disabled={submitted}>
        {submitted ? '✓' : (str(payload['submitLabel']) ?? strings.contactSubmit)}
      </button>
    </form>
  );
}

/** Contact details before or during the chat, per `contactCollection`; submitted once. */
export function ContactCard({ ctl }: { readonly ctl: Controller }): VNode | null {
  const state = useView(ctl.store);
  const setting = state.config.contactCollection;
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState('');
  if (setting === false || state.done.includes('contact')) return null;
  const when = setting === true ? 'during' : setting.when;
  const fields = setting === true ? (['email'] as const) : setting.fields;
  if (when === 'during' && !state.messages.some((message) => message.author.role === 'visitor')) return null;
  const { strings } = state.config;
  const labels = { name: strings.contactName, email: strings.contactEmail, phone: strings.contactPhone };
  const submit = (event: Event) => {
    event.preventDefault();
    const email = (values['email'] ?? '').trim();
    if (fields.includes('email') && email !== '' && !EMAIL.test(email)) return setError(strings.contactEmailInvalid);
    if (fields.every((field) => (values[field] ?? '').trim() === '')) return setError(strings.contactEmailInvalid);
    ctl.saveContact({ name: values['name']?.trim(), email: email === '' ? undefined : email, phone: values['phone']?.trim() });
  };
  return (
    <form class="form" onSubmit={submit} noValidate aria-label={strings.contactTitle} ref={adoptStyles}>
      <strong>{strings.contactTitle}</strong>
      {fields.map((field) => (
        <label>
          {labels[field]}
          <input
            type={inputType(field === 'email' ? 'email' : field === 'phone' ? 'tel' : 'text')}
            autoComplete={field === 'phone' ? 'tel' : field}
            value={values[field] ?? ''}
            onInput={(event) => setValues({ ...values, [field]: event.currentTarget.value })}
          />
        </label>
      ))}
      {error !== '' && (
        <span class="err" role="alert">
          {error}
        </span>
      )}
      <button class="btn" type="submit">
        {strings.contactSubmit}
      </button>
    </form>
  );
}

/** Shown once the conversation is resolved: one to five stars, sent as a message, given once. */
export function Rating({ ctl }: { readonly ctl: Controller }): VNode {
  const state = useView(ctl.store);
  const key = `rating:${state.messages[0]?.conversationId ?? ''}`;
  const { strings } = state.config;
  if (state.done.includes(key))
    return (
      <div class="rating" role="status" ref={adoptStyles}>
        {strings.ratingThanks}
      </div>
    );
  return (
    <div class="rating" role="group" aria-label={strings.ratingPrompt} ref={adoptStyles}>
      {strings.ratingPrompt}
      <div>
        {[1, 2, 3, 4, 5].map((stars) => (
          <button
            aria-label={`${stars}/5`}
            onClick={() => {
              ctl.markDone(key);
              ctl.rate(stars);
            }}
          >
            ★
          </button>
        ))}
      </div>
    </div>
  );
}

/** The visitor's files on their way (progress) or refused (the reason, and a button to dismiss it). */
export function Uploads({ ctl }: { readonly ctl: Controller }): VNode {
  const { uploads, config } = useView(ctl.store);
  const { strings } = config;
  return (
    <>
      {uploads.map((upload) => (
        <div class={`row me ${upload.error === null ? 'pending' : 'failed'}`} key={upload.id}>
          <div class="bub">
            <AttachIcon />
            {upload.name}
          </div>
          <div class="meta">
            {upload.error === null ? (
              <>
                <span>{strings.sending}</span>
                <progress max={1} value={upload.progress} aria-label={upload.name} />
              </>
            ) : (
              <>
                <span role="alert">{upload.error}</span>
                <button onClick={() => ctl.dismissUpload(upload.id)}>{strings.dialogNo}</button>
              </>
            )}
          </div>
        </div>
      ))}
    </>
  );
}

/** One of the text-like input types (Preact's typings model each type separately). */
function inputType(type: FormField['type']): 'text' {
  // Each of these renders a plain single-line box; the cast only widens what the typings accept.
  return (type === 'email' || type === 'number' || type === 'tel' ? type : 'text') as 'text';
}

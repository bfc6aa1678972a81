import type { VNode } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Message } from '@parley/protocol';
import type { Controller } from '../ui/controller.js';
import { useView } from '../ui/use-view.js';
import { sheetAdopter } from './sheet.js';

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

/**
 * The rich content's own styles: adopted by the widget's shadow root when the first rich message shows. The
 * buttons' `.btn` is not the core's (no core part has one): the desk and chrome extras keep their own copy.
 */
const RICH_CSS = `
.btn{border:0;border-radius:10px;background:var(--p-primary);color:var(--p-on-primary);padding:9px 14px;font-weight:600}
.bub svg{width:1em;height:1em;vertical-align:-2px;margin-inline-end:5px}
.meta progress{width:90px;height:6px;accent-color:var(--p-primary)}
.carousel{position:relative;max-width:100%}
.cards{display:flex;gap:10px;overflow-x:auto;max-width:100%;padding:2px 2px 8px;scroll-snap-type:x mandatory;scroll-padding-inline:2px;scrollbar-width:thin}
.carousel.more::after{content:"";position:absolute;top:0;bottom:8px;inset-inline-end:0;width:36px;pointer-events:none;background:linear-gradient(to left,var(--p-bg),transparent)}
[dir=rtl] .carousel.more::after{background:linear-gradient(to right,var(--p-bg),transparent)}
.nav{position:absolute;top:42px;z-index:1;width:36px;height:36px;border-radius:50%;border:1px solid var(--p-line);background:var(--p-bg);color:var(--p-fg);display:grid;place-items:center;padding:0;box-shadow:0 2px 8px rgba(16,24,40,.18)}
.nav:hover{background:var(--p-soft)}
.nav.prev{inset-inline-start:6px}.nav.next{inset-inline-end:6px}
.nav svg{width:18px;height:18px}
[dir=rtl] .nav svg{transform:scaleX(-1)}
.count{font-size:12px;color:var(--p-muted);margin:0 4px}
.fb{display:flex;flex-direction:column;gap:6px;align-items:flex-start;max-width:100%}
.fb .bub a{font-weight:600}
.card{flex:none;width:230px;border:1px solid var(--p-line);border-radius:var(--p-radius);overflow:hidden;background:var(--p-bg);scroll-snap-align:start;display:flex;flex-direction:column}
.card img{width:100%;height:120px;object-fit:cover;display:block;background:var(--p-soft)}
.card .body{padding:10px 12px;font-size:14px;flex:1}
.card h3{font-size:15px;margin:0 0 4px}
.card .acts{display:flex;flex-direction:column;border-top:1px solid var(--p-line)}
.card .acts button,.card .acts a{border:0;background:none;padding:9px;color:var(--p-accent);font-weight:600;font-size:14px;text-align:center;text-decoration:none}
.card .acts>*+*{border-top:1px solid var(--p-line)}
.file{display:inline-flex;align-items:center;gap:6px;text-decoration:none;margin:2px 0}
.img img{max-width:240px;max-height:240px;border-radius:12px;display:block;margin:4px 0}
.form{width:88%;border:1px solid var(--p-line);border-radius:var(--p-radius);padding:12px;display:flex;flex-direction:column;gap:8px;background:var(--p-bg);margin:4px 0}
.form label{font-size:13px;font-weight:600;display:flex;flex-direction:column;gap:4px}
.form input,.form select,.form textarea{border:1px solid #8a929c;border-radius:8px;padding:8px 10px;font-size:14px;background:var(--p-bg);font-weight:400}
.form .err{color:#b3261e;font-size:12.5px;font-weight:500}
.rating{align-self:center;text-align:center;border:1px solid var(--p-line);border-radius:var(--p-radius);padding:14px 16px;margin:10px 0;display:flex;flex-direction:column;gap:10px;align-items:center;width:min(100%,320px);font-weight:600}
.stars{display:flex;gap:2px;justify-content:center}
.stars button{border:0;background:none;padding:4px;border-radius:8px;color:var(--p-muted);line-height:0}
.stars svg{width:30px;height:30px;fill:none;stroke:currentColor;stroke-width:1.6;stroke-linejoin:round;transition:transform .12s ease}
.stars .on{color:#b7791f}.stars .on svg{fill:#f6b73c;stroke:#b7791f}
.dark .stars .on{color:#f6c453}.dark .stars .on svg{stroke:#f6c453}
.stars button:hover svg,.stars button:focus-visible svg{transform:scale(1.15)}
@media (prefers-reduced-motion:reduce){.stars svg{transition:none}}
.rating label{display:flex;flex-direction:column;gap:4px;width:100%;text-align:start;font-size:13px}
.rating textarea{border:1px solid #8a929c;border-radius:8px;padding:8px 10px;font-size:14px;background:var(--p-bg);font-weight:400;resize:vertical}
.rating .btn{align-self:stretch}
`;
/** A ref callback: the element's shadow root gets the rich styles once. */
const adoptStyles = sheetAdopter(RICH_CSS);

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
    case 'carousel': {
      const cards = list(payload['cards']).map(toCard);
      // Carousels off: the same cards as text, their replies as quick replies and their links as links.
      return ctl.store.state.config.carousel ? <Carousel ctl={ctl} cards={cards} /> : <CardsAsText ctl={ctl} cards={cards} />;
    }
    case 'form':
      return ctl.store.state.config.form ? <FormView ctl={ctl} message={message} /> : <FormAsText ctl={ctl} message={message} />;
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

/** A chevron pointing to the end (`m9 5…`) or the start (`m15 5…`); mirrored right to left by the stylesheet. */
const Chevron = ({ d }: { readonly d: string }): VNode => (
  <svg
    viewBox="0 0 24 24"
    aria-hidden="true"
    fill="none"
    stroke="currentColor"
    stroke-width="2.2"
    stroke-linecap="round"
    stroke-linejoin="round"
  >
    <path d={d} />
  </svg>
);

/** How far one card is from the next: its width and the track's 10 px gap. */
const cardStep = (track: HTMLElement): number => (track.firstElementChild?.clientWidth ?? 230) + 10;

/**
 * Cards side by side, scrolled a card at a time: snap points, previous/next buttons (labelled, in the tab
 * order, shown only where there is more), a fade on the side where more cards wait, and "2 / 3".
 */
function Carousel({ ctl, cards }: { readonly ctl: Controller; readonly cards: readonly Card[] }): VNode {
  const { strings } = useView(ctl.store).config;
  const track = useRef<HTMLDivElement>(null);
  const [at, setAt] = useState({ first: 0, start: true, end: true });
  const measure = () => {
    const element = track.current;
    if (element === null) return;
    // Right to left, scrollLeft runs from 0 down to negative values: its size is the distance from the start.
    const left = Math.abs(element.scrollLeft);
    setAt({ first: Math.round(left / cardStep(element)), start: left < 4, end: left + element.clientWidth >= element.scrollWidth - 4 });
  };
  useEffect(() => {
    const element = track.current;
    if (element === null || typeof ResizeObserver !== 'function') return measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  const go = (by: number) => {
    const element = track.current;
    if (element === null) return;
    const rtl = getComputedStyle(element).direction === 'rtl' ? -1 : 1;
    element.scrollBy({ left: by * rtl * cardStep(element), behavior: 'smooth' });
  };
  const shown = Math.min(cards.length, at.first + 1);
  return (
    <div class={`carousel${at.end ? '' : ' more'}`} ref={adoptStyles}>
      <div class="cards" role="list" ref={track} onScroll={measure}>
        {cards.map((card) => (
          <CardView ctl={ctl} card={card} />
        ))}
      </div>
      {!at.start && (
        <button class="nav prev" aria-label={strings.carouselPrev} onClick={() => go(-1)}>
          <Chevron d="m15 5-7 7 7 7" />
        </button>
      )}
      {!at.end && (
        <button class="nav next" aria-label={strings.carouselNext} onClick={() => go(1)}>
          <Chevron d="m9 5 7 7-7 7" />
        </button>
      )}
      {/* Numbers read left to right in every language: "2 / 3", never "3 / 2" right to left. */}
      {!(at.start && at.end) && (
        <div class="count">
          <span dir="ltr">{`${shown} / ${cards.length}`}</span>
        </div>
      )}
    </div>
  );
}

/** `carousel: false`: each card as a bubble of text with its links; reply buttons become quick replies under them. */
function CardsAsText({ ctl, cards }: { readonly ctl: Controller; readonly cards: readonly Card[] }): VNode {
  const replies = cards.flatMap((card) => card.buttons?.filter((button) => button.url === undefined) ?? []);
  return (
    <div class="fb" ref={adoptStyles}>
      {cards.map((card) => (
        <div class="bub" dir="auto">
          {card.title !== undefined && <strong>{card.title}</strong>}
          {card.text !== undefined && <p>{card.text}</p>}
          {card.buttons?.map(
            (button) =>
              button.url !== undefined && (
                <p>
                  <a href={button.url} target="_blank" rel="noopener noreferrer">
                    {button.label} ↗
                  </a>
                </p>
              ),
          )}
        </div>
      ))}
      {replies.length > 0 && <Chips ctl={ctl} replies={replies.map((button) => [button.label, button.value ?? button.label])} />}
    </div>
  );
}

/** Choices as quick-reply chips: the label shows, the value is what is sent. */
function Chips({ ctl, replies }: { readonly ctl: Controller; readonly replies: readonly (readonly [string, string])[] }): VNode {
  return (
    <div class="qr">
      {replies.map(([label, value]) => (
        <button class="chip" onClick={() => ctl.send(value)}>
          {label}
        </button>
      ))}
    </div>
  );
}

/**
 * `form: false`: what the form asks, as a list the visitor answers in their own words; a form of one choice
 * offers its options as quick replies, answered as the form would (`name: value`).
 */
function FormAsText({ ctl, message }: { readonly ctl: Controller; readonly message: Message }): VNode {
  const fields = formFields(message);
  const only = fields.length === 1 ? fields[0] : undefined;
  return (
    <div class="fb" ref={adoptStyles}>
      <div class="bub" dir="auto">
        <ul>
          {fields.map((field) => (
            <li>
              {field.label}
              {field.required ? ' *' : ''}
              {(field.options ?? []).length > 0 && `: ${(field.options ?? []).join(', ')}`}
            </li>
          ))}
        </ul>
      </div>
      {only?.options !== undefined && only.options.length > 0 && (
        <Chips ctl={ctl} replies={only.options.map((option) => [option, `${only.name}: ${option}`])} />
      )}
    </div>
  );
}

function CardView({ ctl, card }: { readonly ctl: Controller; readonly card: Card }): VNode {
  return (
    <div class="card" role="listitem">
      {card.imageUrl !== undefined && <img src={card.imageUrl} alt={card.title ?? ''} loading="lazy" />}
      <div class="body" dir="auto">
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

function formFields(message: Message): FormField[] {
  return list(rec(message.payload)['fields']).map((field): FormField => {
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
}

function FormView({ ctl, message }: { readonly ctl: Controller; readonly message: Message }): VNode {
  const state = useView(ctl.store);
  const payload = rec(message.payload);
  const fields = formFields(message);
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

/**
 * Shown once the conversation is resolved: one to five stars, then an optional comment, sent together once.
 * The stars are a radio group (arrow keys move, the chosen one is announced) drawn as SVG.
 */
export function Rating({ ctl }: { readonly ctl: Controller }): VNode {
  const state = useView(ctl.store);
  const key = `rating:${state.messages[0]?.conversationId ?? ''}`;
  const { strings } = state.config;
  const [score, setScore] = useState(0);
  const [hover, setHover] = useState(0);
  const [comment, setComment] = useState('');
  if (state.done.includes(key))
    return (
      <div class="rating" role="status" ref={adoptStyles}>
        {strings.ratingThanks}
      </div>
    );
  const submit = (event: Event) => {
    event.preventDefault();
    ctl.markDone(key);
    ctl.rate(score, comment.trim());
  };
  const lit = hover || score;
  return (
    <form class="rating" aria-labelledby="p-rate-q" onSubmit={submit} ref={adoptStyles}>
      <span id="p-rate-q">{strings.ratingPrompt}</span>
      <div class="stars" role="radiogroup" aria-labelledby="p-rate-q" onMouseLeave={() => setHover(0)}>
        {[1, 2, 3, 4, 5].map((stars) => (
          <button
            type="button"
            role="radio"
            aria-checked={score === stars}
            aria-label={`${stars}/5`}
            tabIndex={score === stars || (score === 0 && stars === 1) ? 0 : -1}
            class={stars <= lit ? 'on' : ''}
            onMouseEnter={() => setHover(stars)}
            onClick={() => setScore(stars)}
            onKeyDown={(event) => {
              const by = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1 }[event.key];
              if (by === undefined) return;
              event.preventDefault();
              const next = Math.min(5, Math.max(1, (score || stars) + by));
              setScore(next);
              (event.currentTarget.parentElement?.children[next - 1] as HTMLElement | undefined)?.focus();
            }}
          >
            <svg viewBox="0 0 24 24" aria-hidden="true">
              <path d="M12 2.8l2.8 5.9 6.4.8-4.7 4.4 1.2 6.4L12 17.2l-5.7 3.1 1.2-6.4-4.7-4.4 6.4-.8z" />
            </svg>
          </button>
        ))}
      </div>
      {score > 0 && (
        <>
          <label>
            {strings.ratingComment}
            <textarea rows={2} maxLength={1000} value={comment} onInput={(event) => setComment(event.currentTarget.value)} />
          </label>
          <button class="btn" type="submit">
            {strings.send}
          </button>
        </>
      )}
    </form>
  );
}

/** The visitor's files on their way (progress) or refused (the reason, and a button to dismiss it). */
export function Uploads({ ctl }: { readonly ctl: Controller }): VNode {
  const { uploads, config } = useView(ctl.store);
  const { strings } = config;
  return (
    <>
      {uploads.map((upload) => (
        <div class={`row me ${upload.error === null ? 'pending' : 'failed'}`} key={upload.id} ref={adoptStyles}>
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

/** Live translation's view (extras/translation.tsx) is part of this extra: the core asks one module for both. */
export { Translated } from './translation.js';

import {
  cardPayloadSchema,
  carouselPayloadSchema,
  formPayloadSchema,
  quickRepliesPayloadSchema,
  type CardPayload,
  type FormPayload,
  type Message,
} from '@parley/protocol';
import * as v from 'valibot';
import { plural } from '../ui/plural.js';

/**
 * What the visitor saw of a rich message — a card, a carousel, quick replies, a form — drawn for the
 * agent, read-only: buttons are labels (the visitor's choice arrives as their next message), links open
 * in a new tab. A payload that does not match its schema shows nothing here; the message's text (its
 * Markdown fallback) is shown above it either way.
 */
export function RichMessage(props: { message: Message }) {
  const { type, payload } = props.message;
  if (payload === null) return null;
  if (type === 'card' && v.is(cardPayloadSchema, payload)) return <Card card={payload} />;
  if (type === 'carousel' && v.is(carouselPayloadSchema, payload)) {
    return (
      <>
        <div class="rich-carousel" role="group" aria-label={`Carousel of ${plural(payload.cards.length, 'card')}`}>
          {payload.cards.map((card) => (
            <Card card={card} />
          ))}
        </div>
        {payload.cards.length > 1 ? <p class="rich-caption">{payload.cards.length} cards, which the visitor saw side by side</p> : null}
      </>
    );
  }
  if (type === 'form' && v.is(formPayloadSchema, payload)) return <FormPreview form={payload} />;
  const replies = type === 'quick_replies' && v.is(quickRepliesPayloadSchema, payload) ? payload.replies : looseReplies(payload);
  return replies === null ? null : <Replies labels={replies} />;
}

/** Quick replies some connectors attach to any message (`quickReplies` or `replies`, strings). */
function looseReplies(payload: Readonly<Record<string, unknown>>): readonly string[] | null {
  const list = payload['quickReplies'] ?? payload['replies'];
  if (!Array.isArray(list)) return null;
  const labels = list.filter((item): item is string => typeof item === 'string');
  return labels.length === 0 ? null : labels;
}

const safeUrl = (url: string | undefined): string | null => (url !== undefined && /^(https?:\/\/|\/(?!\/))/.test(url) ? url : null);

function Replies(props: { labels: readonly string[] }) {
  return (
    <ul class="quick-replies" aria-label="Quick replies offered">
      {props.labels.map((label) => (
        <li class="chip">{label}</li>
      ))}
    </ul>
  );
}

function Card(props: { card: CardPayload }) {
  const { title, subtitle, buttons } = props.card;
  const image = safeUrl(props.card.imageUrl);
  const link = safeUrl(props.card.url);
  return (
    <div class="rich-card">
      {image === null ? null : <img src={image} alt="" loading="lazy" />}
      <div class="rich-card-body">
        {link === null ? (
          <strong class="rich-card-title">{title}</strong>
        ) : (
          <a class="rich-card-title" href={link} target="_blank" rel="noopener noreferrer">
            {title}
          </a>
        )}
        {subtitle === undefined ? null : <p class="rich-card-subtitle">{subtitle}</p>}
        {buttons === undefined || buttons.length === 0 ? null : (
          <ul class="rich-card-buttons" aria-label="Buttons">
            {buttons.map((button) => {
              const url = safeUrl(button.url);
              return (
                <li>
                  {url === null ? (
                    <span class="chip">{button.label}</span>
                  ) : (
                    <a class="chip" href={url} target="_blank" rel="noopener noreferrer">
                      {button.label} ↗
                    </a>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </div>
    </div>
  );
}

const FIELD_TYPE: Readonly<Record<string, string>> = {
  text: 'text',
  email: 'email',
  tel: 'phone',
  number: 'number',
  textarea: 'long text',
  select: 'choice',
};

function FormPreview(props: { form: FormPayload }) {
  return (
    <div class="rich-form" role="group" aria-label="Form shown to the visitor">
      <ul>
        {props.form.fields.map((field) => (
          <li>
            <span class="rich-form-label">
              {field.label}
              {field.required === true ? <span aria-label=" (required)"> *</span> : null}
            </span>
            <span class="rich-form-type">
              {FIELD_TYPE[field.type] ?? field.type}
              {field.options === undefined ? '' : `: ${field.options.join(', ')}`}
            </span>
          </li>
        ))}
      </ul>
      <span class="chip">{props.form.submitLabel ?? 'Send'}</span>
    </div>
  );
}

import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { formatDate } from '../ui/feedback.js';

/** One conversation link as the API answers it (docs/async-mode.md). */
interface ConversationLink {
  readonly id: string;
  readonly url: string;
  readonly createdBy: 'visitor' | 'agent' | 'system';
  readonly expiresAt: string;
  readonly revokedAt: string | null;
}

const MADE_BY: Readonly<Record<ConversationLink['createdBy'], string>> = {
  visitor: 'by the visitor',
  agent: 'by an agent',
  system: 'in a reply mail',
};

/**
 * The conversation's links (async mode): each opens the conversation full page on any device until it expires or is
 * revoked. An agent makes one to send the visitor, and revokes any (audited).
 */
export function ConversationLinks(props: { conversationId: string }) {
  const base = `/v1/conversations/${encodeURIComponent(props.conversationId)}/links`;
  const [links, setLinks] = useState<readonly ConversationLink[] | null>(null);
  const [note, setNote] = useState('');
  const load = () =>
    api.get<{ items: ConversationLink[] }>(base).then(
      (answer) => setLinks(answer.items),
      (error: unknown) => setNote(errorText(error)),
    );
  useEffect(() => {
    setLinks(null);
    setNote('');
    void load();
  }, [props.conversationId]);
  const make = () => {
    setNote('Making a link…');
    api.post<ConversationLink>(base, {}).then(
      async (link) => {
        await load();
        setNote(`Link made, valid until ${formatDate(link.expiresAt)}.`);
      },
      (error: unknown) => setNote(errorText(error)),
    );
  };
  const revoke = (link: ConversationLink) => {
    api.delete(`${base}/${encodeURIComponent(link.id)}`).then(
      async () => {
        await load();
        setNote('Link revoked: it no longer opens the conversation.');
      },
      (error: unknown) => setNote(errorText(error)),
    );
  };
  const now = Date.now();
  const live = (links ?? []).filter((link) => link.revokedAt === null && Date.parse(link.expiresAt) > now);
  const spent = (links?.length ?? 0) - live.length;
  return (
    <section aria-labelledby="conversation-links-title">
      <h3 id="conversation-links-title">Conversation links</h3>
      <p class="muted small">Anyone with a link can read and reply in this conversation, on any device, until it expires or is revoked.</p>
      {live.length === 0 ? null : (
        <ul class="plain-list">
          {live.map((link) => (
            <li>
              <div class="transcript-mail-row">
                <input
                  type="url"
                  readOnly
                  value={link.url}
                  aria-label={`Link made ${MADE_BY[link.createdBy]}, valid until ${formatDate(link.expiresAt)}`}
                  onFocus={(event) => event.currentTarget.select()}
                />
                <button type="button" class="button small" onClick={() => revoke(link)}>
                  Revoke
                </button>
              </div>
              <span class="muted small">
                {MADE_BY[link.createdBy]} · until {formatDate(link.expiresAt)}
              </span>
            </li>
          ))}
        </ul>
      )}
      {spent > 0 ? <p class="muted small">{spent === 1 ? '1 revoked or expired link.' : `${spent} revoked or expired links.`}</p> : null}
      <button type="button" class="button small" onClick={make}>
        Make a link
      </button>
      <p class="muted small" role="status">
        {note}
      </p>
    </section>
  );
}

import type { VisitorBlock } from '@parley/protocol';
import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { ErrorNote, formatDate, ListBody, PageHeader } from '../ui/feedback.js';
import { ListTable } from '../ui/list-table.js';
import { Link } from '../ui/link.js';

const PAGE = 50;

/**
 * Who a block refuses, as agents read it: a network (`t:` with PARLEY_STORE_VISITOR_IP=truncated), an address
 * known only by its keyed hash (`h:`, the default: the server never stores the address), a verified user id,
 * or "an anonymous visitor".
 */
function subjectText(block: VisitorBlock): string {
  if (block.scope === 'address') {
    if (block.subject.startsWith('t:')) return `Network ${block.subject.slice(2)}`;
    if (block.subject.startsWith('h:')) return `Visitor address (key ${block.subject.slice(2, 8)}…)`;
    return block.subject;
  }
  if (block.subject.startsWith('user:')) return `User ${block.subject.slice('user:'.length)}`;
  return 'Anonymous visitor';
}

/** Admins: every block in force (newest first, a page at a time), each with Unblock. */
export function BlocksPage() {
  const [blocks, setBlocks] = useState<VisitorBlock[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Widgets by name: an id says nothing to a person (and does not fit a phone's width).
  const [widgetNames, setWidgetNames] = useState<ReadonlyMap<string, string>>(new Map());
  useEffect(() => {
    api.all<{ id: string; name: string }>('/v1/widgets').then(
      (widgets) => setWidgetNames(new Map(widgets.map((widget) => [widget.id, widget.name]))),
      () => undefined,
    );
  }, []);

  const load = async (cursor: string | null) => {
    try {
      const answer = await api.pages<VisitorBlock>('/v1/blocks', { take: PAGE, max: 1, cursor });
      setBlocks((held) => [...(cursor === null ? [] : (held ?? [])), ...answer.items]);
      setNext(answer.nextCursor);
    } catch (caught) {
      setError(errorText(caught));
    }
  };
  useEffect(() => void load(null), []);

  const unblock = async (block: VisitorBlock) => {
    try {
      await api.delete(`/v1/blocks/${encodeURIComponent(block.id)}`);
      setBlocks((held) => (held ?? []).filter((kept) => kept.id !== block.id));
      setError(null);
    } catch (caught) {
      setError(errorText(caught));
    }
  };

  return (
    <div class="page">
      <PageHeader
        title="Blocks"
        description="Visitors and addresses agents blocked from the chat (More → Block visitor in a conversation). A block ends by itself when its time is up; Unblock ends it now, on every server."
      />
      <ErrorNote message={error} />
      <ListBody items={blocks} empty="Nobody is blocked.">
        {(list) => (
          <ListTable columns={['Blocked', 'Widget', 'By', 'Until', 'Reason']}>
            {list.map((block) => (
              <tr key={block.id}>
                <td class="strong full">
                  <span class="badge">{block.scope === 'address' ? 'Address' : 'Visitor'}</span> {subjectText(block)}
                  {block.conversationId === null ? null : (
                    <>
                      {' · '}
                      <Link to={`/inbox/${block.conversationId}`}>Conversation</Link>
                    </>
                  )}
                </td>
                <td data-label="Widget">
                  {block.widgetId === null
                    ? 'Every widget'
                    : (widgetNames.get(block.widgetId) ?? <code class="wrap">{block.widgetId}</code>)}
                </td>
                <td data-label="By">
                  {block.createdBy.name}, {formatDate(block.createdAt)}
                </td>
                <td data-label="Until">{block.expiresAt === null ? 'Until unblocked' : formatDate(block.expiresAt)}</td>
                <td data-label="Reason">{block.reason ?? '—'}</td>
                <td class="right">
                  <button
                    type="button"
                    class="button small danger-ghost"
                    onClick={() => void unblock(block)}
                    aria-label={`Unblock ${subjectText(block)}`}
                  >
                    Unblock
                  </button>
                </td>
              </tr>
            ))}
          </ListTable>
        )}
      </ListBody>
      {next === null ? null : (
        <button type="button" class="button" onClick={() => void load(next)}>
          Show more
        </button>
      )}
    </div>
  );
}

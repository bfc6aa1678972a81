import type { VisitorBlock } from '@parley/protocol';
import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { useSession } from '../session.js';
import type { Agent, Team } from '../types.js';
import { MenuButton, type MenuGroup, type MenuItem } from '../ui/menu-button.js';
import { dateFormat } from '../ui/relative-time.js';
import { BlockDialog } from './block-dialog.js';

const SNOOZES: readonly { readonly label: string; readonly until: () => Date }[] = [
  { label: '1 hour', until: () => new Date(Date.now() + 3_600_000) },
  { label: '4 hours', until: () => new Date(Date.now() + 4 * 3_600_000) },
  {
    label: 'Tomorrow 9:00',
    until: () => {
      const date = new Date();
      date.setDate(date.getDate() + 1);
      date.setHours(9, 0, 0, 0);
      return date;
    },
  },
  { label: 'Next week', until: () => new Date(Date.now() + 7 * 86_400_000) },
];

const STATUS_TEXT: Readonly<Record<string, string>> = { online: 'online', away: 'away', offline: 'offline' };

/**
 * The conversation's toolbar, one row as in Chatwoot's and Intercom's inbox: Assign (agents and teams,
 * the current assignee checked), Snooze, More (hand back to the bot, and further actions), and the
 * primary action — Resolve, or Reopen once resolved.
 */
export function ConversationActions(props: {
  conversationId: string;
  status: string;
  owner: string | null;
  assignee: { readonly id: string; readonly name: string } | null;
  onDone: () => void;
  onError: (e: string) => void;
}) {
  const session = useSession();
  const [agents, setAgents] = useState<readonly Agent[]>([]);
  const [teams, setTeams] = useState<readonly Team[]>([]);
  useEffect(() => {
    // Every agent may list agents and teams (to transfer to); if that fails, "Me" is still offered.
    api.all<Agent>('/v1/agents').then(setAgents, () => undefined);
    api.all<Team>('/v1/teams').then(setTeams, () => undefined);
  }, []);
  // The blocks that refuse this conversation's visitor: the header says so and offers Unblock.
  const [blocks, setBlocks] = useState<readonly VisitorBlock[]>([]);
  const [blocking, setBlocking] = useState(false);
  const blocksPath = `/v1/inbox/${encodeURIComponent(props.conversationId)}/blocks`;
  const readBlocks = () =>
    api.get<{ items: VisitorBlock[] }>(blocksPath).then(
      (answer) => setBlocks(answer.items),
      () => setBlocks([]),
    );
  useEffect(() => {
    setBlocks([]);
    void readBlocks();
  }, [props.conversationId]);
  const unblock = async () => {
    try {
      await api.delete(`/v1/inbox/${encodeURIComponent(props.conversationId)}/block`);
      await readBlocks();
      props.onDone();
    } catch (caught) {
      props.onError(errorText(caught));
    }
  };

  const act = async (action: string, body: unknown = {}) => {
    try {
      await api.post(`/v1/inbox/${encodeURIComponent(props.conversationId)}/${action}`, body);
      props.onDone();
    } catch (caught) {
      props.onError(errorText(caught));
    }
  };

  const resolved = props.status === 'resolved' || props.owner === 'resolved';
  const assigneeId = props.owner === 'human' ? (props.assignee?.id ?? null) : null;
  const assignGroups: MenuGroup[] = [
    {
      heading: 'Agents',
      items: [
        {
          label: `Me (${session.agent.name})`,
          checked: assigneeId === session.agent.id,
          onSelect: () => void act('assign', { agentId: session.agent.id }),
        },
        ...agents
          .filter((agent) => agent.id !== session.agent.id)
          .map((agent) => ({
            label: agent.name,
            hint: STATUS_TEXT[agent.status] ?? agent.status,
            checked: assigneeId === agent.id,
            onSelect: () => void act('assign', { agentId: agent.id }),
          })),
      ],
    },
    {
      heading: 'Teams (back to the queue)',
      items: teams.map((team) => ({ label: team.name, onSelect: () => void act('assign', { teamId: team.id }) })),
    },
  ];
  // More actions (e.g. blocking the visitor) join this list.
  const more: MenuItem[] = [];
  if (props.owner !== 'bot' && !resolved) more.push({ label: 'Hand back to the bot', onSelect: () => void act('handback') });
  const blocked = blocks.length > 0;
  const until = blocks.some((block) => block.expiresAt === null)
    ? null
    : blocks
        .map((block) => block.expiresAt ?? '')
        .sort()
        .at(-1);
  if (blocked) more.unshift({ label: 'Unblock visitor', hint: untilText(until).trim(), onSelect: () => void unblock() });
  else more.push({ label: 'Block visitor…', danger: true, onSelect: () => setBlocking(true) });

  return (
    <div class="actions" role="toolbar" aria-label="Conversation actions">
      {/* Blocked: said here (the toolbar has no room for more); Unblock is the More menu's first item. */}
      {blocked ? (
        <span class="badge blocked" role="status">
          Blocked
          <span class="visually-hidden">{untilText(until)}</span>
        </span>
      ) : null}
      <MenuButton
        label={<span class="assign-label">{assigneeId === null ? 'Assign' : (props.assignee?.name ?? 'Assign')}</span>}
        ariaLabel={assigneeId === null ? 'Assign' : `Assigned to ${props.assignee?.name ?? ''}: transfer`}
        groups={assignGroups}
        align="end"
      />
      {resolved ? null : (
        <MenuButton
          label={<ClockIcon />}
          ariaLabel="Snooze"
          class="icon-only"
          groups={[
            {
              heading: '',
              items: SNOOZES.map((snooze) => ({
                label: snooze.label,
                hint: dateFormat('snooze-hint', undefined, { weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(snooze.until()),
                onSelect: () => void act('snooze', { until: snooze.until().toISOString() }),
              })),
            },
          ]}
          align="end"
        />
      )}
      {more.length === 0 ? null : (
        <MenuButton
          label={<span aria-hidden="true">⋯</span>}
          ariaLabel="More actions"
          class="icon-only"
          groups={[{ heading: '', items: more }]}
          align="end"
        />
      )}
      {resolved ? (
        <button type="button" class="button small primary" onClick={() => void act('reopen')}>
          Reopen
        </button>
      ) : (
        <button type="button" class="button small success" onClick={() => void act('resolve')} aria-keyshortcuts="e">
          Resolve
        </button>
      )}
      {blocking ? (
        <BlockDialog
          conversationId={props.conversationId}
          onClose={() => setBlocking(false)}
          onBlocked={() => {
            setBlocking(false);
            void readBlocks();
            props.onDone();
          }}
        />
      ) : null}
    </div>
  );
}

function untilText(until: string | null | undefined): string {
  return until === null || until === undefined
    ? ' until unblocked'
    : ` until ${dateFormat('snooze-until', undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(until))}`;
}

function ClockIcon() {
  return (
    <svg class="icon" width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">
      <circle cx="8" cy="8" r="6.25" fill="none" stroke="currentColor" stroke-width="1.5" />
      <path d="M8 4.5V8l2.5 1.5" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linecap="round" />
    </svg>
  );
}

import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import { useSession } from '../session.js';
import type { Agent, Team } from '../types.js';

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

/** Assign or transfer (agent or team), hand back to the bot, resolve / reopen, snooze. */
export function ConversationActions(props: {
  conversationId: string;
  status: string;
  owner: string | null;
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

  const act = async (action: string, body: unknown = {}) => {
    try {
      await api.post(`/v1/inbox/${encodeURIComponent(props.conversationId)}/${action}`, body);
      props.onDone();
    } catch (caught) {
      props.onError(errorText(caught));
    }
  };

  const resolved = props.status === 'resolved' || props.owner === 'resolved';
  return (
    <div class="actions">
      <label class="visually-hidden" for="assign">
        Assign or transfer
      </label>
      <select
        id="assign"
        value=""
        onChange={(e) => {
          const [kind, id] = e.currentTarget.value.split(':');
          if (kind === 'agent') void act('assign', { agentId: id });
          if (kind === 'team') void act('assign', { teamId: id });
          e.currentTarget.value = '';
        }}
      >
        <option value="">Assign…</option>
        <option value={`agent:${session.agent.id}`}>Me ({session.agent.name})</option>
        {agents
          .filter((a) => a.id !== session.agent.id)
          .map((agent) => (
            <option value={`agent:${agent.id}`}>
              {agent.name} ({agent.status})
            </option>
          ))}
        {teams.map((team) => (
          <option value={`team:${team.id}`}>Team: {team.name}</option>
        ))}
      </select>
      {props.owner !== 'bot' && !resolved ? (
        <button type="button" class="button small" onClick={() => void act('handback')}>
          Hand back to bot
        </button>
      ) : null}
      <label class="visually-hidden" for="snooze">
        Snooze
      </label>
      <select
        id="snooze"
        value=""
        onChange={(e) => {
          const choice = SNOOZES[Number(e.currentTarget.value)];
          if (choice !== undefined) void act('snooze', { until: choice.until().toISOString() });
          e.currentTarget.value = '';
        }}
      >
        <option value="">Snooze…</option>
        {SNOOZES.map((snooze, index) => (
          <option value={String(index)}>{snooze.label}</option>
        ))}
      </select>
      {resolved ? (
        <button type="button" class="button small" onClick={() => void act('reopen')}>
          Reopen
        </button>
      ) : (
        <button type="button" class="button small success" onClick={() => void act('resolve')} aria-keyshortcuts="e">
          Resolve
        </button>
      )}
    </div>
  );
}

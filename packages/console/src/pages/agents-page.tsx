import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api.js';
import type { Agent, Team } from '../types.js';
import { ErrorNote, ListBody, PageHeader } from '../ui/feedback.js';
import { ListTable } from '../ui/list-table.js';
import { plural } from '../ui/plural.js';

function AgentRow(props: { agent: Agent; teams: readonly Team[]; onChange: () => void; onError: (message: string) => void }) {
  const { agent } = props;
  const update = async (patch: Partial<Pick<Agent, 'role' | 'capacity' | 'teamIds'>>) => {
    try {
      await api.patch(`/v1/agents/${agent.id}`, patch);
      props.onChange();
    } catch (caught) {
      props.onError(errorText(caught));
    }
  };
  const remove = async () => {
    if (!confirm(`Remove ${agent.name}? Their conversations go back to the queue.`)) return;
    try {
      await api.delete(`/v1/agents/${agent.id}`);
      props.onChange();
    } catch (caught) {
      props.onError(errorText(caught));
    }
  };
  return (
    <tr>
      <td class="full">
        <span class="strong">{agent.name}</span>
        <br />
        <span class="muted small">{agent.email}</span>
      </td>
      <td data-label="Status">
        <span class="status-pill">
          <span class={`dot dot-${agent.status}`} aria-hidden="true" />
          {agent.status}
        </span>
      </td>
      <td data-label="Role">
        <select
          aria-label={`Role of ${agent.name}`}
          value={agent.role}
          onChange={(e) => void update({ role: e.currentTarget.value as Agent['role'] })}
        >
          <option value="agent">Agent</option>
          <option value="admin">Admin</option>
        </select>
      </td>
      <td data-label="Capacity">
        <input
          class="number-small"
          type="number"
          min={1}
          max={100}
          aria-label={`Capacity of ${agent.name}`}
          value={String(agent.capacity)}
          onChange={(e) => void update({ capacity: Number(e.currentTarget.value) })}
        />
      </td>
      <td data-label="Team">
        <select
          aria-label={`Team of ${agent.name}`}
          value={agent.teamIds[0] ?? ''}
          onChange={(e) => void update({ teamIds: e.currentTarget.value === '' ? [] : [e.currentTarget.value] })}
        >
          <option value="">No team</option>
          {props.teams.map((team) => (
            <option value={team.id}>{team.name}</option>
          ))}
        </select>
      </td>
      <td class="right">
        <button type="button" class="button small danger-ghost" onClick={() => void remove()} aria-label={`Remove ${agent.name}`}>
          Remove
        </button>
      </td>
    </tr>
  );
}

/** The add-agent form, empty. */
const NEW_AGENT = { name: '', email: '', password: '', role: 'agent', capacity: '3' };

export function AgentsPage() {
  const [agents, setAgents] = useState<Agent[] | null>(null);
  const [teams, setTeams] = useState<Team[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [form, setForm] = useState(NEW_AGENT);
  const [teamName, setTeamName] = useState('');

  const reload = () => {
    api.all<Agent>('/v1/agents').then(setAgents, (caught: unknown) => (setAgents([]), setError(errorText(caught))));
    api.all<Team>('/v1/teams').then(setTeams, () => setTeams([]));
  };
  useEffect(reload, []);

  const invite = async (event: Event) => {
    event.preventDefault();
    try {
      await api.post('/v1/agents', {
        name: form.name,
        email: form.email,
        password: form.password,
        role: form.role,
        capacity: Number(form.capacity),
      });
      setForm(NEW_AGENT);
      setError(null);
      reload();
    } catch (caught) {
      setError(errorText(caught));
    }
  };
  const addTeam = async (event: Event) => {
    event.preventDefault();
    if (teamName.trim() === '') return setError('Name the team first, e.g. “Billing”.');
    try {
      await api.post('/v1/teams', { name: teamName.trim() });
      setTeamName('');
      reload();
    } catch (caught) {
      setError(errorText(caught));
    }
  };
  const removeTeam = async (team: Team) => {
    try {
      await api.delete(`/v1/teams/${team.id}`);
      reload();
    } catch (caught) {
      setError(errorText(caught));
    }
  };
  // One element per type: preact's input typings tie `type` to the attributes (and roles) it allows.
  const input = (key: keyof typeof form, label: string, type: 'text' | 'email' | 'password' | 'number' = 'text') => {
    const common = {
      id: `agent-${key}`,
      value: form[key],
      required: true,
      onInput: (e: Event) => setForm({ ...form, [key]: (e.currentTarget as HTMLInputElement).value }),
    };
    return (
      <div class="field">
        <label class="label" for={`agent-${key}`}>
          {label}
        </label>
        {type === 'password' ? (
          <input type="password" autocomplete="new-password" {...common} />
        ) : type === 'email' ? (
          <input type="email" {...common} />
        ) : type === 'number' ? (
          <input type="number" min={1} {...common} />
        ) : (
          <input type="text" {...common} />
        )}
      </div>
    );
  };

  return (
    <div class="page">
      <PageHeader title="Agents & teams" description="Who answers, in which team, and how many chats each takes at once." />
      <ErrorNote message={error} />
      <ListBody items={agents} empty="No agents yet.">
        {(list) => (
          <ListTable columns={['Agent', 'Status', 'Role', 'Capacity', 'Team']}>
            {list.map((agent) => (
              <AgentRow agent={agent} teams={teams} onChange={reload} onError={setError} />
            ))}
          </ListTable>
        )}
      </ListBody>
      <div class="two-columns">
        <form class="card" onSubmit={(event) => void invite(event)}>
          <h2>Add an agent</h2>
          <div class="fields">
            {input('name', 'Name')}
            {input('email', 'Agent email', 'email')}
            {input('password', 'First password', 'password')}
            <div class="field">
              <label class="label" for="agent-role">
                Role
              </label>
              <select id="agent-role" value={form.role} onChange={(e) => setForm({ ...form, role: e.currentTarget.value })}>
                <option value="agent">Agent</option>
                <option value="admin">Admin</option>
              </select>
            </div>
            {input('capacity', 'Capacity (chats at once)', 'number')}
          </div>
          <button type="submit" class="button primary">
            Add agent
          </button>
        </form>
        <section class="card" aria-labelledby="teams-title">
          <h2 id="teams-title">Teams</h2>
          <ul class="plain-list">
            {teams.map((team) => (
              <li class="list-row">
                <span>
                  {team.name}{' '}
                  <span class="muted small">· {plural(agents?.filter((a) => a.teamIds.includes(team.id)).length ?? 0, 'agent')}</span>
                </span>
                <button
                  type="button"
                  class="button small danger-ghost"
                  onClick={() => void removeTeam(team)}
                  aria-label={`Delete team ${team.name}`}
                >
                  Delete
                </button>
              </li>
            ))}
          </ul>
          <form class="inline-form" onSubmit={(event) => void addTeam(event)}>
            <div class="field grow">
              <label class="label" for="team-name">
                New team
              </label>
              <input id="team-name" value={teamName} onInput={(e) => setTeamName(e.currentTarget.value)} placeholder="Billing" />
            </div>
            <button type="submit" class="button">
              Add team
            </button>
          </form>
        </section>
      </div>
    </div>
  );
}

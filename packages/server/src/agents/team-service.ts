import type { Page, Team, TeamCreate, TeamUpdate } from '@parley/protocol';
import { ApiError } from '../http/api-error.js';
import type { AgentsStore } from '../store/agents-store.js';
import { newId, nowIso } from '../store/ids.js';
import { checkCursor, toPage } from '../store/pagination.js';
import type { TeamRow, TeamsStore } from '../store/teams-store.js';

/** Teams: named groups of agents that widgets route to. */
export class TeamService {
  /** Told when membership changed (routing may now reach more agents). */
  onMembership: () => void = () => undefined;

  constructor(
    private readonly teams: TeamsStore,
    private readonly agents: AgentsStore,
  ) {}

  async create(input: TeamCreate): Promise<Team> {
    const agentIds = await this.checkAgents(input.agentIds ?? []);
    const now = nowIso();
    const row: TeamRow = { id: newId('team'), name: input.name, created_at: now, updated_at: now };
    await this.teams.insert(row, agentIds);
    this.onMembership();
    return toTeam(row, agentIds);
  }

  async get(id: string): Promise<Team> {
    const row = await this.teams.get(id);
    if (row === undefined) throw new ApiError('PARLEY_ERR_TEAM_NOT_FOUND', `No team has the id ${id}.`);
    return toTeam(row, (await this.teams.members([id])).get(id) ?? []);
  }

  async list(take: number, cursor: string | undefined): Promise<Page<Team>> {
    const rows = await this.teams.list(take, checkCursor(cursor, 'team'));
    const members = await this.teams.members(rows.map((row) => row.id));
    return toPage(rows, take, (row) => toTeam(row, members.get(row.id) ?? []));
  }

  async update(id: string, input: TeamUpdate): Promise<Team> {
    await this.get(id);
    const agentIds = input.agentIds === undefined ? undefined : await this.checkAgents(input.agentIds);
    await this.teams.update(id, { ...(input.name === undefined ? {} : { name: input.name }), updated_at: nowIso() }, agentIds);
    if (agentIds !== undefined) this.onMembership();
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    if (!(await this.teams.delete(id))) throw new ApiError('PARLEY_ERR_TEAM_NOT_FOUND', `No team has the id ${id}.`);
  }

  async exists(id: string): Promise<boolean> {
    return (await this.teams.get(id)) !== undefined;
  }

  private async checkAgents(agentIds: readonly string[]): Promise<string[]> {
    const unique = [...new Set(agentIds)];
    for (const id of unique) {
      if ((await this.agents.get(id)) === undefined) {
        throw new ApiError('PARLEY_ERR_REQUEST_UNKNOWN_REFERENCE', `No agent has the id ${id}.`, 'agentIds');
      }
    }
    return unique;
  }
}

function toTeam(row: TeamRow, agentIds: readonly string[]): Team {
  return { id: row.id, object: 'team', name: row.name, agentIds: [...agentIds], createdAt: row.created_at, updatedAt: row.updated_at };
}

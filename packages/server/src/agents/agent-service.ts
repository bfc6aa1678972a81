import type { Agent, AgentCreate, AgentRole, AgentStatus, AgentUpdate, Page } from '@parley/protocol';
import { hashPassword, verifyDecoy, verifyPassword } from '../auth/passwords.js';
import { ApiError } from '../http/api-error.js';
import type { AgentRow, AgentsStore } from '../store/agents-store.js';
import { isUniqueViolation } from '../store/conversations-store.js';
import { newId, nowIso } from '../store/ids.js';
import { checkCursor, toPage } from '../store/pagination.js';
import type { TeamsStore } from '../store/teams-store.js';

export const DEFAULT_CAPACITY = 5;
/** An `online` agent without activity for this long reads as `away`. */
export const AWAY_AFTER_MS = 10 * 60_000;
/** Activity is written at most this often per agent: every request would otherwise be a write. */
const TOUCH_EVERY_MS = 30_000;

export interface AgentServiceOptions {
  readonly awayAfterMs?: number;
}

/** Agent accounts: creation, roles, status with auto-away, capacity, team membership, passwords. */
export class AgentService {
  private readonly touched = new Map<string, number>();
  private readonly awayAfterMs: number;
  /** Told when an agent's effective availability may have changed (routing drains the queue). */
  onAvailability: (agentId: string) => void = () => undefined;
  /** Told after an agent was deleted (their conversations are handed to others). */
  onDeleted: (agentId: string) => Promise<void> = async () => undefined;

  constructor(
    private readonly agents: AgentsStore,
    private readonly teams: TeamsStore,
    options: AgentServiceOptions = {},
  ) {
    this.awayAfterMs = options.awayAfterMs ?? AWAY_AFTER_MS;
  }

  async create(input: AgentCreate): Promise<Agent> {
    const teamIds = await this.checkTeams(input.teamIds ?? []);
    const now = nowIso();
    const row: AgentRow = {
      id: newId('agt'),
      email: input.email,
      name: input.name,
      role: input.role ?? 'agent',
      password_hash: await hashPassword(input.password),
      status: 'offline',
      capacity: input.capacity ?? DEFAULT_CAPACITY,
      last_seen_at: null,
      last_assigned_at: null,
      language: input.language ?? null,
      created_at: now,
      updated_at: now,
    };
    try {
      await this.agents.insert(row, teamIds);
    } catch (error) {
      if (isUniqueViolation(error)) throw emailTaken(input.email);
      throw error;
    }
    return this.toAgent(row, teamIds);
  }

  async get(id: string): Promise<Agent> {
    const row = await this.row(id);
    return this.toAgent(row, (await this.agents.teamIds([id])).get(id) ?? []);
  }

  async row(id: string): Promise<AgentRow> {
    const row = await this.agents.get(id);
    if (row === undefined) throw new ApiError('PARLEY_ERR_AGENT_NOT_FOUND', `No agent has the id ${id}.`);
    return row;
  }

  async list(take: number, cursor: string | undefined): Promise<Page<Agent>> {
    const rows = await this.agents.list(take, checkCursor(cursor, 'agt'));
    const teams = await this.agents.teamIds(rows.map((row) => row.id));
    return toPage(rows, take, (row) => this.toAgent(row, teams.get(row.id) ?? []));
  }

  /** Every agent with its teams, for routing and presence (a deployment has tens of agents, not thousands). */
  async all(): Promise<Agent[]> {
    const rows = await this.agents.all();
    const teams = await this.agents.teamIds(rows.map((row) => row.id));
    return rows.map((row) => this.toAgent(row, teams.get(row.id) ?? []));
  }

  async update(id: string, input: AgentUpdate): Promise<Agent> {
    const row = await this.row(id);
    if (input.role === 'agent' && row.role === 'admin') await this.assertNotLastAdmin(row, 'demote');
    const teamIds = input.teamIds === undefined ? undefined : await this.checkTeams(input.teamIds);
    const changes: Partial<AgentRow> = {
      ...(input.email === undefined ? {} : { email: input.email }),
      ...(input.name === undefined ? {} : { name: input.name }),
      ...(input.role === undefined ? {} : { role: input.role }),
      ...(input.capacity === undefined ? {} : { capacity: input.capacity }),
      ...(input.language === undefined ? {} : { language: input.language }),
      ...(input.status === undefined ? {} : { status: input.status, last_seen_at: nowIso() }),
      ...(input.password === undefined ? {} : { password_hash: await hashPassword(input.password) }),
      updated_at: nowIso(),
    };
    try {
      await this.agents.update(id, changes, teamIds);
    } catch (error) {
      if (isUniqueViolation(error) && input.email !== undefined) throw emailTaken(input.email);
      throw error;
    }
    // A new password ends every login of the agent.
    if (input.password !== undefined) await this.agents.deleteSessionsOf(id);
    if (input.status !== undefined || input.capacity !== undefined || teamIds !== undefined) this.onAvailability(id);
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    const row = await this.row(id);
    if (row.role === 'admin') await this.assertNotLastAdmin(row, 'delete');
    await this.agents.delete(id);
    await this.onDeleted(id);
  }

  /** The agent for these credentials, or undefined: unknown email and wrong password cost the same and look the same. */
  async checkCredentials(email: string, password: string): Promise<AgentRow | undefined> {
    const row = await this.agents.byEmail(email);
    if (row === undefined) return verifyDecoy(password).then(() => undefined);
    return (await verifyPassword(row.password_hash, password)) ? row : undefined;
  }

  async changePassword(id: string, currentPassword: string, newPassword: string): Promise<void> {
    const row = await this.row(id);
    if (!(await verifyPassword(row.password_hash, currentPassword))) {
      throw new ApiError('PARLEY_ERR_AUTH_PASSWORD_MISMATCH', 'currentPassword is not the current password.', 'currentPassword');
    }
    await this.agents.update(id, { password_hash: await hashPassword(newPassword), updated_at: nowIso() });
  }

  /** Records activity (requests, frames): keeps an `online` agent from turning `away`. */
  touch(id: string): void {
    const now = Date.now();
    // Stamped at most every 30 s (a quarter of the away delay when that is shorter), not on every request.
    if (now - (this.touched.get(id) ?? 0) < Math.min(TOUCH_EVERY_MS, this.awayAfterMs / 4)) return;
    this.touched.set(id, now);
    // Best effort: a lost activity stamp only makes the agent read as away sooner.
    this.agents.touch(id, new Date(now).toISOString()).catch(() => this.touched.delete(id));
  }

  /** `online` turns `away` after awayAfterMs without activity. */
  effectiveStatus(row: Pick<AgentRow, 'status' | 'last_seen_at'>): AgentStatus {
    const status: AgentStatus = row.status === 'online' || row.status === 'away' ? row.status : 'offline';
    if (status !== 'online') return status;
    const seen = row.last_seen_at === null ? 0 : Date.parse(row.last_seen_at);
    return Date.now() - seen > this.awayAfterMs ? 'away' : 'online';
  }

  toAgent(row: AgentRow, teamIds: readonly string[]): Agent {
    return {
      id: row.id,
      object: 'agent',
      email: row.email,
      name: row.name,
      role: roleOf(row.role),
      status: this.effectiveStatus(row),
      capacity: Number(row.capacity),
      teamIds: [...teamIds],
      language: row.language,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  countAdmins(): Promise<number> {
    return this.agents.count('admin');
  }

  count(): Promise<number> {
    return this.agents.count();
  }

  private async assertNotLastAdmin(row: AgentRow, action: 'delete' | 'demote'): Promise<void> {
    if ((await this.agents.count('admin')) <= 1) {
      throw new ApiError(
        'PARLEY_ERR_AGENT_LAST_ADMIN',
        `${row.email} is the last admin; make another agent admin before you ${action} them.`,
      );
    }
  }

  private async checkTeams(teamIds: readonly string[]): Promise<string[]> {
    const unique = [...new Set(teamIds)];
    const found = await this.teams.existing(unique);
    const missing = unique.find((id) => !found.has(id));
    if (missing !== undefined) throw new ApiError('PARLEY_ERR_REQUEST_UNKNOWN_REFERENCE', `No team has the id ${missing}.`, 'teamIds');
    return unique;
  }
}

export function roleOf(value: string): AgentRole {
  return value === 'admin' ? 'admin' : 'agent';
}

function emailTaken(email: string): ApiError {
  return new ApiError('PARLEY_ERR_AGENT_EMAIL_TAKEN', `An agent with the email ${email} already exists.`, 'email');
}

import { createHash, randomBytes } from 'node:crypto';
import type { AgentRow, AgentsStore } from '../store/agents-store.js';
import { nowIso } from '../store/ids.js';

export const CONSOLE_COOKIE = 'parley_console';
/** A login lasts this long; logging in again starts a new one. */
export const CONSOLE_SESSION_MS = 7 * 24 * 3_600_000;
const TOKEN_PREFIX = 'pcs_';

export interface ConsoleLogin {
  readonly agent: AgentRow;
  readonly tokenHash: string;
}

/**
 * Console logins: an opaque random token (256 bits) in an HttpOnly cookie, stored only as its
 * SHA-256, so a session can be revoked at once (logout, password change, agent deleted).
 */
export class ConsoleSessions {
  constructor(private readonly agents: AgentsStore) {}

  async open(agentId: string): Promise<{ token: string; expiresAt: Date }> {
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const expiresAt = new Date(Date.now() + CONSOLE_SESSION_MS);
    const now = nowIso();
    await this.agents.insertSession({
      token_hash: hashToken(token),
      agent_id: agentId,
      expires_at: expiresAt.toISOString(),
      created_at: now,
    });
    // Housekeeping on login rather than a timer: expired rows are harmless, only clutter.
    await this.agents.deleteExpiredSessions(now);
    return { token, expiresAt };
  }

  /** The agent behind a token, or undefined when it is unknown, expired or its agent is gone. */
  async resolve(token: string): Promise<ConsoleLogin | undefined> {
    if (!isConsoleToken(token)) return undefined;
    const tokenHash = hashToken(token);
    const session = await this.agents.session(tokenHash);
    if (session === undefined || session.expires_at <= nowIso()) return undefined;
    const agent = await this.agents.get(session.agent_id);
    return agent === undefined ? undefined : { agent, tokenHash };
  }

  revoke(tokenHash: string): Promise<void> {
    return this.agents.deleteSession(tokenHash);
  }

  revokeOthers(agentId: string, keep: string): Promise<void> {
    return this.agents.deleteSessionsOf(agentId, keep);
  }
}

export function isConsoleToken(token: string): boolean {
  return token.startsWith(TOKEN_PREFIX) && token.length < 100;
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

import * as v from 'valibot';
import { agentCreateSchema, agentUpdateSchema } from '@parley/protocol';
import { AgentService } from '../agents/agent-service.js';
import type { OpenDatabase } from '../store/database.js';
import { AgentsStore } from '../store/agents-store.js';
import { TeamsStore } from '../store/teams-store.js';
import { choosePassword, type ChosenPassword } from './agent-password.js';
import type { CliArgs } from './cli-args.js';

/**
 * `agents list`, `agents create`, `agents reset-password <email>`: console accounts from the
 * server's machine, so a lost admin password never locks the owner out.
 */
export async function agentsCommand(database: OpenDatabase, { command, arg, values }: CliArgs): Promise<number> {
  const agentsStore = new AgentsStore(database.db);
  const agents = new AgentService(agentsStore, new TeamsStore(database.db));
  switch (command) {
    case 'list':
      for (const agent of await agents.all()) console.log(`${agent.id}  ${agent.email}  ${agent.name}  ${agent.role}  ${agent.status}`);
      return 0;
    case 'create': {
      const chosen = await choosePassword(values);
      const input = v.safeParse(agentCreateSchema, {
        email: values.email,
        name: values.name,
        password: chosen.password,
        ...(values.role === undefined ? {} : { role: values.role }),
      });
      if (!input.success) return invalid('agents create --email <email> --name <name> [--role admin|agent] [--password …]', input.issues);
      const agent = await agents.create(input.output);
      console.log(`Created ${agent.id} (${agent.email}, ${agent.role}).${shownOnce(chosen)}`);
      return 0;
    }
    case 'reset-password': {
      if (arg === undefined) {
        console.error('agents reset-password needs the agent’s email, e.g. agents reset-password admin@parley.local');
        return 2;
      }
      const row = await agentsStore.byEmail(arg.trim().toLowerCase());
      if (row === undefined) {
        console.error(`No agent has the email ${arg}; see agents list.`);
        return 1;
      }
      const chosen = await choosePassword(values);
      const input = v.safeParse(agentUpdateSchema, { password: chosen.password });
      if (!input.success) return invalid('agents reset-password <email> [--password … | --password-stdin]', input.issues);
      // Through the service, so every console login of that agent ends as with a password change in the API.
      await agents.update(row.id, input.output);
      console.log(`Reset the password of ${row.email}; their console sessions are signed out.${shownOnce(chosen)}`);
      return 0;
    }
    default:
      return 2;
  }
}

function shownOnce(chosen: ChosenPassword): string {
  return chosen.generated ? ` The password is shown this once:\n${chosen.password}` : '';
}

function invalid(usage: string, issues: readonly v.BaseIssue<unknown>[]): number {
  for (const issue of issues) console.error(`${optionName(issue)}: ${issue.message}`);
  console.error(`Usage: npm run parley -- ${usage}`);
  return 2;
}

function optionName(issue: v.BaseIssue<unknown>): string {
  const key = issue.path?.[0]?.key;
  return typeof key === 'string' ? `--${key}` : 'input';
}

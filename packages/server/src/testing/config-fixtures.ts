import { cliArgs } from '../cli/cli-args.js';
import { widgetsCommand } from '../cli/widgets-command.js';
import type { TestServer } from './test-server.js';

/** POSTs a widget or blueprint body to `url` and answers the new resource's id (anything but 201 throws). */
export async function createResource(server: TestServer, url: string, body: Record<string, unknown>): Promise<string> {
  const response = await server.request('POST', url, { body });
  if (response.status !== 201) throw new Error(`POST ${url} failed: ${response.body}`);
  return response.json.id;
}

/** The versions of a widget or blueprint, newest first (one page of 100). */
export async function versionItems(server: TestServer, collection: 'widgets' | 'blueprints', id: string): Promise<unknown[]> {
  return (await server.request('GET', `/v1/${collection}/${id}/versions?take=100`)).json.items;
}

/** `npm run parley -- widgets <argv>` on the server's database: its exit code and what it printed (errors as `error: …`). */
export async function runWidgetsCommand(server: TestServer, ...argv: string[]): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const code = await widgetsCommand(server.services.database, cliArgs(['widgets', ...argv]), {
    reviewBeforePublish: false,
    out: (line) => lines.push(line),
    err: (line) => lines.push(`error: ${line}`),
  });
  return { code, text: lines.join('\n') };
}

import { readFile } from 'node:fs/promises';
import {
  BLUEPRINT_DOCUMENT_FORMAT,
  type AuditActor,
  type BlueprintImportResult,
  type ConfigChange,
  type WidgetImportResult,
} from '@parley/protocol';
import { TeamService } from '../agents/team-service.js';
import { ApiError } from '../http/api-error.js';
import { AgentsStore } from '../store/agents-store.js';
import { BlueprintsStore } from '../store/blueprints-store.js';
import { BotsStore } from '../store/bots-store.js';
import type { OpenDatabase } from '../store/database.js';
import { TeamsStore } from '../store/teams-store.js';
import { WidgetsStore } from '../store/widgets-store.js';
import { parseBlueprintDocument, parseWidgetDocument } from '../widgets/document-input.js';
import { BlueprintService } from '../widgets/blueprint-service.js';
import { WidgetService } from '../widgets/widget-service.js';
import type { CliArgs } from './cli-args.js';

/** Who the versions the CLI makes are by. */
const CLI_AUTHOR: AuditActor = { kind: 'system', id: null, name: 'parley widgets apply' };

export interface WidgetsCommandOptions {
  /** PARLEY_REVIEW_BEFORE_PUBLISH: an update goes to the draft. */
  readonly reviewBeforePublish: boolean;
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
}

/**
 * `widgets apply <file.json> [--dry-run]`: applies a `parley.widget/1` document (docs/configuration-versions.md) to
 * the database, as `POST /v1/widgets/import` does, and prints the changes; a `parley.blueprint/1` document (its
 * `format` says which) goes to its blueprint, as `POST /v1/blueprints/import` does. Idempotent: a document equal to the
 * widget's configuration writes nothing. A running server serves the change within its public config cache's
 * 30 seconds (the CLI does not reach its memory).
 */
export async function widgetsCommand(
  database: OpenDatabase,
  { command, arg, values }: CliArgs,
  options: WidgetsCommandOptions,
): Promise<number> {
  const out = options.out ?? ((line: string) => console.log(line));
  const err = options.err ?? ((line: string) => console.error(line));
  if (command !== 'apply') return 2;
  if (arg === undefined) {
    err('widgets apply needs a file, e.g. widgets apply support-widget.json [--dry-run]');
    return 2;
  }
  const dryRun = values['dry-run'] === true;
  const { db } = database;
  const widgets = new WidgetService(new WidgetsStore(db), new BlueprintsStore(db), new BotsStore(db), { changed: async () => {} }, options);
  try {
    let body: unknown;
    try {
      body = JSON.parse(await readFile(arg, 'utf8')) as unknown;
    } catch (error) {
      err(`${arg}: ${error instanceof Error ? error.message : String(error)}`);
      return 1;
    }
    const teams = new TeamService(new TeamsStore(db), new AgentsStore(db));
    const blueprintFile = typeof body === 'object' && body !== null && 'format' in body && body.format === BLUEPRINT_DOCUMENT_FORMAT;
    let result: WidgetImportResult | BlueprintImportResult;
    if (blueprintFile) {
      const document = await parseBlueprintDocument(body, teams);
      const blueprints = new BlueprintService(new BlueprintsStore(db), new WidgetsStore(db), new BotsStore(db), {
        changed: async () => {},
      });
      result = await blueprints.importDocument(document, CLI_AUTHOR, dryRun);
    } else {
      const document = await parseWidgetDocument(body, teams);
      result = await widgets.importDocument(document, CLI_AUTHOR, dryRun);
    }
    const kind = blueprintFile ? 'blueprint' : 'widget';
    const targetId = result.object === 'blueprint_import' ? result.blueprintId : result.widgetId;
    const who = targetId ?? `a new ${kind}`;
    const verb =
      result.action === 'unchanged'
        ? `${who} already has this configuration (version ${result.version}); nothing to do.`
        : result.action === 'create'
          ? dryRun
            ? `Would create a new ${kind}:`
            : `Created ${who} (version ${result.version}):`
          : dryRun
            ? `Would update ${who} (version ${result.version}):`
            : result.object === 'widget_import' && result.draft
              ? `Wrote the draft of ${who} (published version ${result.version}; publish it to make it live):`
              : `Updated ${who}, now version ${result.version}:`;
    out(verb);
    for (const change of result.changes) out(`  ${describeChange(change)}`);
    if (dryRun) out('Dry run: nothing was changed.');
    return 0;
  } catch (error) {
    if (error instanceof ApiError) {
      err(`${arg}: ${error.message}${error.field === undefined ? '' : ` (${error.field})`} [${error.code}]`);
      return 1;
    }
    throw error;
  }
}

/** `~ /title: "Old" → "New"`, `+ /intro: "Hi"`, `- /origin: [...]`. */
export function describeChange(change: ConfigChange): string {
  const show = (value: unknown): string => JSON.stringify(value) ?? 'undefined';
  if (change.op === 'add') return `+ ${change.path}: ${show(change.new)}`;
  if (change.op === 'remove') return `- ${change.path}: ${show(change.old)}`;
  return `~ ${change.path}: ${show(change.old)} → ${show(change.new)}`;
}

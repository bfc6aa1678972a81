import { blueprintDocumentSchema, widgetDocumentSchema, type BlueprintDocument, type WidgetDocument } from '@parley/protocol';
import type { TeamService } from '../agents/team-service.js';
import { assertRuleTeams } from '../engine/routing-rules.js';
import { parseInput } from '../http/parse-input.js';
import { refuseRemovedOptions } from './removed-options.js';

type Teams = Pick<TeamService, 'get'>;

/**
 * A `parley.widget/1` document as `POST /v1/widgets/import` and `widgets apply` take it: validated (a removed option
 * named as such), and every team its routing rules name must exist.
 */
export async function parseWidgetDocument(body: unknown, teams: Teams): Promise<WidgetDocument> {
  const document = parseInput(widgetDocumentSchema, refuseRemovedInside(body, 'widget'));
  await assertRuleTeams(teams, document.widget.routingRules);
  return document;
}

/** A `parley.blueprint/1` document (`POST /v1/blueprints/import`, `widgets apply`), checked as a widget document is. */
export async function parseBlueprintDocument(body: unknown, teams: Teams): Promise<BlueprintDocument> {
  const document = parseInput(blueprintDocumentSchema, refuseRemovedInside(body, 'blueprint'));
  await assertRuleTeams(teams, document.blueprint.routingRules);
  return document;
}

/**
 * A removed option (`plugins`…) is refused by name where a document holds the settings, under `widget` or
 * `blueprint`: the strict schema would otherwise answer only "unknown field", which does not say what replaced it.
 */
function refuseRemovedInside(body: unknown, key: 'widget' | 'blueprint'): unknown {
  if (typeof body === 'object' && body !== null) refuseRemovedOptions((body as Record<string, unknown>)[key], `${key}.`);
  return body;
}

import type { Blueprint, BlueprintCreate, BlueprintUpdate, Meta, Page } from '@parley/protocol';
import { ApiError } from '../http/api-error.js';
import type { BlueprintRow, BlueprintsStore } from '../store/blueprints-store.js';
import type { BotsStore } from '../store/bots-store.js';
import { newId, nowIso } from '../store/ids.js';
import { readJson, writeJson } from '../store/json.js';
import { checkCursor, toPage } from '../store/pagination.js';
import type { WidgetsStore } from '../store/widgets-store.js';
import type { ConfigChanges } from './public-config-cache.js';
import { applyPatch, ownSettings, readSettings, splitInput } from './widget-service.js';

/** Named partial configurations. Widgets read them at request time, so a change reaches every linked widget. */
export class BlueprintService {
  constructor(
    private readonly blueprints: BlueprintsStore,
    private readonly widgets: WidgetsStore,
    private readonly bots: BotsStore,
    /** Told after each committed change: every widget linked to the blueprint shows it. */
    private readonly configChanges: ConfigChanges,
  ) {}

  async create(input: BlueprintCreate): Promise<Blueprint> {
    const { name, description, meta, settings } = splitInput(input);
    await this.checkBot(settings.botId);
    const now = nowIso();
    const row: BlueprintRow = {
      id: newId('bp'),
      name: name ?? input.name,
      description: description ?? '',
      settings: writeJson(ownSettings(settings)),
      bot_id: settings.botId ?? null,
      meta: writeJson(meta ?? {}),
      version: 1,
      created_at: now,
      updated_at: now,
    };
    await this.blueprints.insert(row);
    return toBlueprint(row);
  }

  async get(id: string): Promise<Blueprint> {
    return toBlueprint(await this.requireRow(id));
  }

  async list(take: number, cursor: string | undefined): Promise<Page<Blueprint>> {
    const rows = await this.blueprints.list(take, checkCursor(cursor, 'bp'));
    return toPage(rows, take, toBlueprint);
  }

  async update(id: string, input: BlueprintUpdate): Promise<Blueprint> {
    const row = await this.requireRow(id);
    const { name, description, meta, settings: patch } = splitInput(input);
    await this.checkBot(patch.botId);
    const own = applyPatch(readSettings(row.settings), patch);
    await this.blueprints.update(id, {
      ...(name === undefined ? {} : { name }),
      ...(description === undefined ? {} : { description }),
      ...(meta === undefined ? {} : { meta: writeJson(meta) }),
      settings: writeJson(own),
      bot_id: own.botId ?? null,
      updated_at: nowIso(),
    });
    await this.configChanges.changed({ blueprintId: id });
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    await this.requireRow(id);
    const linked = await this.widgets.countByBlueprint(id);
    if (linked > 0) {
      throw new ApiError(
        'PARLEY_ERR_BLUEPRINT_IN_USE',
        `The blueprint ${id} is still linked to ${linked} widget(s); detach or delete them first.`,
      );
    }
    await this.blueprints.delete(id);
    await this.configChanges.changed({ blueprintId: id });
  }

  private async requireRow(id: string): Promise<BlueprintRow> {
    const row = await this.blueprints.get(id);
    if (row === undefined) throw new ApiError('PARLEY_ERR_BLUEPRINT_NOT_FOUND', `No blueprint has the id ${id}.`);
    return row;
  }

  private async checkBot(botId: string | null | undefined): Promise<void> {
    if (typeof botId === 'string' && (await this.bots.get(botId)) === undefined) {
      throw new ApiError('PARLEY_ERR_REQUEST_UNKNOWN_REFERENCE', `No bot has the id ${botId}.`, 'botId');
    }
  }
}

function toBlueprint(row: BlueprintRow): Blueprint {
  return {
    ...readSettings(row.settings),
    id: row.id,
    object: 'blueprint',
    name: row.name,
    description: row.description,
    meta: readJson<Meta>(row.meta),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

import { BLUEPRINT_DOCUMENT_FORMAT, type BlueprintDocument } from '@parley/protocol';
import type { AuditActor, Blueprint, BlueprintCreate, BlueprintUpdate, BlueprintVersion, Meta, Page } from '@parley/protocol';
import { ApiError } from '../http/api-error.js';
import type { BlueprintRow, BlueprintsStore, BlueprintVersionRow } from '../store/blueprints-store.js';
import type { BotsStore } from '../store/bots-store.js';
import { newId, nowIso } from '../store/ids.js';
import { readJson, writeJson } from '../store/json.js';
import { checkCursor, toPage } from '../store/pagination.js';
import type { WidgetsStore } from '../store/widgets-store.js';
import type { ConfigChanges } from './public-config-cache.js';
import { applyPatch, authorColumns, authorOf, documentOf, ownSettings, readDocument, readSettings, splitInput } from './config-document.js';

/**
 * Named partial configurations. Widgets read them at request time, so a change reaches every linked widget. Every
 * change is a new immutable version (blueprint_versions); widget versions record which one they were built from.
 */
export class BlueprintService {
  constructor(
    private readonly blueprints: BlueprintsStore,
    private readonly widgets: WidgetsStore,
    private readonly bots: BotsStore,
    /** Told after each committed change: every widget linked to the blueprint shows it. */
    private readonly configChanges: ConfigChanges,
  ) {}

  async create(input: BlueprintCreate, author: AuditActor): Promise<Blueprint> {
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
    await this.blueprints.insert(row, {
      document: JSON.stringify(documentOf(row)),
      ...authorColumns(author),
      message: 'Created',
      created_at: now,
    });
    return toBlueprint(row);
  }

  async get(id: string): Promise<Blueprint> {
    return toBlueprint(await this.requireRow(id));
  }

  async list(take: number, cursor: string | undefined): Promise<Page<Blueprint>> {
    const rows = await this.blueprints.list(take, checkCursor(cursor, 'bp'));
    return toPage(rows, take, toBlueprint);
  }

  async update(id: string, input: BlueprintUpdate, author: AuditActor): Promise<Blueprint> {
    const row = await this.requireRow(id);
    const { name, description, meta, settings: patch } = splitInput(input);
    await this.checkBot(patch.botId);
    const own = applyPatch(readSettings(row.settings), patch);
    const now = nowIso();
    const changes = {
      name: name ?? row.name,
      description: description ?? row.description,
      meta: meta === undefined ? row.meta : writeJson(meta),
      settings: writeJson(own),
      bot_id: own.botId ?? null,
      updated_at: now,
    };
    const document = JSON.stringify(documentOf(changes));
    await this.blueprints.update(id, changes, { document, ...authorColumns(author), message: '', created_at: now });
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

  /** The blueprint as a `parley.blueprint/1` document. */
  async exportDocument(id: string): Promise<BlueprintDocument> {
    const row = await this.requireRow(id);
    const { blueprintId: _none, ...blueprint } = documentOf(row);
    // documentOf of a blueprint row: its name, description, meta and the options the protocol schema accepted.
    return { format: BLUEPRINT_DOCUMENT_FORMAT, id: row.id, blueprint: blueprint as BlueprintDocument['blueprint'] };
  }

  async versions(id: string, take: number, before: number | undefined): Promise<Page<BlueprintVersion>> {
    await this.requireRow(id);
    const rows = await this.blueprints.versions(id, take, before);
    return toPage(
      rows.map((r) => ({ ...r, id: String(r.number) })),
      take,
      toVersion,
    );
  }

  async version(id: string, number: number): Promise<BlueprintVersion> {
    await this.requireRow(id);
    const row = await this.blueprints.version(id, number);
    if (row === undefined) throw new ApiError('PARLEY_ERR_BLUEPRINT_NOT_FOUND', `The blueprint ${id} has no version ${number}.`);
    return toVersion(row);
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
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toVersion(row: BlueprintVersionRow): BlueprintVersion {
  const { blueprintId: _none, ...document } = readDocument(row.document);
  return {
    object: 'blueprint_version',
    blueprintId: row.blueprint_id,
    number: row.number,
    document,
    author: authorOf(row),
    message: row.message,
    createdAt: row.created_at,
  };
}

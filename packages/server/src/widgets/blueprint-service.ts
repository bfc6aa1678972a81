import { BLUEPRINT_DOCUMENT_FORMAT, diffConfig, jsonEqual, type BlueprintDocument, type BlueprintImportResult } from '@parley/protocol';
import type {
  AuditActor,
  Blueprint,
  BlueprintCreate,
  BlueprintUpdate,
  BlueprintVersion,
  Meta,
  Page,
  WidgetConfigDocument,
} from '@parley/protocol';
import { ApiError } from '../http/api-error.js';
import type { BlueprintRow, BlueprintsStore, BlueprintVersionRow, NewBlueprintVersion } from '../store/blueprints-store.js';
import type { BotsStore } from '../store/bots-store.js';
import { newId, nowIso } from '../store/ids.js';
import { readJson, writeJson } from '../store/json.js';
import { checkCursor, toPage } from '../store/pagination.js';
import type { WidgetsStore } from '../store/widgets-store.js';
import type { ConfigChanges } from './public-config-cache.js';
import {
  applyPatch,
  authorColumns,
  authorOf,
  type ConfigRowFields,
  documentFromBody,
  documentOf,
  ownSettings,
  readDocument,
  readSettings,
  rowFieldsOf,
  splitInput,
} from './config-document.js';

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

  async create(input: BlueprintCreate, author: AuditActor, message = 'Created'): Promise<Blueprint> {
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
    await this.blueprints.insert(row, newVersion(row, author, message, now));
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
    const fields = {
      name: name ?? row.name,
      description: description ?? row.description,
      meta: meta === undefined ? row.meta : writeJson(meta),
      settings: writeJson(own),
      bot_id: own.botId ?? null,
    };
    // A PATCH that changes nothing writes no version and tells no widget (as a widget's does).
    const same =
      fields.name === row.name &&
      fields.description === row.description &&
      (meta === undefined || jsonEqual(meta, readJson(row.meta))) &&
      jsonEqual(own, readSettings(row.settings));
    if (!same) await this.publish(id, fields, author, '');
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

  /**
   * Applies a `parley.blueprint/1` document: updates the blueprint of its `id` when this server has it, else the one
   * blueprint named `blueprint.name`, else creates one. The document is the whole configuration (options it leaves
   * out are removed). A document equal to the configuration writes nothing; `dryRun` checks and answers the changes
   * without writing. A change reaches every linked widget at once, as a PATCH does.
   */
  async importDocument(input: BlueprintDocument, author: AuditActor, dryRun: boolean): Promise<BlueprintImportResult> {
    const target = await this.importTarget(input);
    const base = target === undefined ? undefined : blueprintDocument(documentOf(target));
    const next = blueprintDocument(documentFromBody(input.blueprint, base ?? {}));
    const fields = rowFieldsOf(next);
    await this.checkBot(fields.bot_id);
    const changes = diffConfig(base ?? {}, next);
    const answer = { object: 'blueprint_import', dryRun, changes } as const;
    if (target === undefined) {
      if (dryRun) return { ...answer, action: 'create', blueprintId: null, version: null };
      const created = await this.create({ ...input.blueprint, name: fields.name }, author, 'Imported');
      return { ...answer, action: 'create', blueprintId: created.id, version: created.version };
    }
    if (changes.length === 0) return { ...answer, action: 'unchanged', blueprintId: target.id, version: target.version };
    if (dryRun) return { ...answer, action: 'update', blueprintId: target.id, version: target.version };
    const { name, description, meta, settings, bot_id } = fields;
    const version = await this.publish(target.id, { name, description, meta, settings, bot_id }, author, 'Imported');
    return { ...answer, action: 'update', blueprintId: target.id, version: version ?? target.version + 1 };
  }

  /** The blueprint takes `fields` as its next version; every linked widget shows it. Answers the version's number. */
  private async publish(
    id: string,
    fields: Omit<BlueprintRow, 'id' | 'version' | 'created_at' | 'updated_at'>,
    author: AuditActor,
    message: string,
  ): Promise<number | undefined> {
    const now = nowIso();
    const changes = { ...fields, updated_at: now };
    const number = await this.blueprints.update(id, changes, newVersion(changes, author, message, now));
    await this.configChanges.changed({ blueprintId: id });
    return number;
  }

  private async importTarget(input: BlueprintDocument): Promise<BlueprintRow | undefined> {
    if (input.id !== undefined) {
      const byId = await this.blueprints.get(input.id);
      if (byId !== undefined) return byId;
    }
    const named = await this.blueprints.byName(input.blueprint.name, 2);
    if (named.length > 1) {
      throw new ApiError(
        'PARLEY_ERR_REQUEST_VALIDATION',
        `More than one blueprint is named ${JSON.stringify(input.blueprint.name)}; give the document the id of the one to update.`,
        'id',
      );
    }
    return named[0];
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

/** The version a change records: the blueprint's configuration document after it, by `author`. */
function newVersion(row: ConfigRowFields, author: AuditActor, message: string, now: string): NewBlueprintVersion {
  return { document: writeJson(documentOf(row)), ...authorColumns(author), message, created_at: now };
}

/** A blueprint's configuration document: a widget's without `blueprintId` (blueprints link to nothing). */
function blueprintDocument(document: WidgetConfigDocument): WidgetConfigDocument {
  const { blueprintId: _none, ...rest } = document;
  return rest;
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

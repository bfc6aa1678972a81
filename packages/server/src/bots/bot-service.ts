import * as v from 'valibot';
import { botKindSchemas, type Bot, type BotCreate, type BotKind, type BotUpdate, type Meta, type Page } from '@parley/protocol';
import { ApiError } from '../http/api-error.js';
import { parseInput } from '../http/parse-input.js';
import type { Bus, BusLog } from '../bus/bus.js';
import type { BlueprintsStore } from '../store/blueprints-store.js';
import type { BotRow, BotsStore } from '../store/bots-store.js';
import { newId, nowIso } from '../store/ids.js';
import { readJson, writeJson } from '../store/json.js';
import { checkCursor, toPage } from '../store/pagination.js';
import type { WidgetsStore } from '../store/widgets-store.js';
import { BotCache } from './bot-cache.js';

export interface StoredBot {
  readonly id: string;
  readonly kind: BotKind;
  readonly name: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly secrets: Readonly<Record<string, unknown>>;
}

/** The bot resource. Secrets are stored apart from the config and are never returned, only flagged as set. */
export class BotService {
  private readonly cache: BotCache | null;

  /** With `sharing`, `load` keeps bots in memory and edits reach the other nodes' copies over the bus. */
  constructor(
    private readonly bots: BotsStore,
    private readonly widgets: WidgetsStore,
    private readonly blueprints: BlueprintsStore,
    sharing?: { readonly bus: Bus; readonly log: BusLog },
  ) {
    this.cache = sharing === undefined ? null : new BotCache((id) => this.read(id), sharing.bus, sharing.log);
  }

  async create(input: BotCreate): Promise<Bot> {
    const now = nowIso();
    const row: BotRow = {
      id: newId('bot'),
      name: input.name,
      kind: input.kind,
      config: writeJson(input.config),
      secrets: writeJson(dropNulls(input.secrets ?? {})),
      meta: writeJson(input.meta ?? {}),
      created_at: now,
      updated_at: now,
    };
    await this.bots.insert(row);
    return toBot(row);
  }

  async get(id: string): Promise<Bot> {
    return toBot(await this.requireRow(id));
  }

  /** The bot with its secrets, for connectors only (each bot turn: kept in memory when shared). */
  load(id: string): Promise<StoredBot | undefined> {
    return this.cache === null ? this.read(id) : this.cache.load(id);
  }

  /** Bus events may have been lost (Redis reconnected): read every bot again. */
  forgetLoaded(): void {
    this.cache?.clear();
  }

  private async read(id: string): Promise<StoredBot | undefined> {
    const row = await this.bots.get(id);
    if (row === undefined) return undefined;
    return { id: row.id, kind: kindOf(row), name: row.name, config: readJson(row.config), secrets: readJson(row.secrets) };
  }

  async list(take: number, cursor: string | undefined): Promise<Page<Bot>> {
    return toPage(await this.bots.list(take, checkCursor(cursor, 'bot')), take, toBot);
  }

  /** `config` merges key by key (null removes a key) and is re-validated whole against the bot's kind. */
  async update(id: string, input: BotUpdate): Promise<Bot> {
    const row = await this.requireRow(id);
    const kind = kindOf(row);
    const schemas = botKindSchemas[kind];
    const config =
      input.config === undefined ? readJson(row.config) : parseInput(schemas.config, merge(readJson(row.config), input.config), 'config');
    const secretsPatch = input.secrets === undefined ? {} : parseInput(schemas.secrets, input.secrets, 'secrets');
    const secrets = dropNulls(merge(readJson(row.secrets), secretsPatch));
    await this.bots.update(id, {
      ...(input.name === undefined ? {} : { name: input.name }),
      ...(input.meta === undefined ? {} : { meta: writeJson(input.meta) }),
      config: writeJson(config),
      secrets: writeJson(secrets),
      updated_at: nowIso(),
    });
    await this.cache?.changed(id);
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    await this.requireRow(id);
    const users = (await this.widgets.countByBot(id)) + (await this.blueprints.countByBot(id));
    if (users > 0) throw new ApiError('PARLEY_ERR_BOT_IN_USE', `The bot ${id} is still used by ${users} widget(s) or blueprint(s).`);
    await this.bots.delete(id);
    await this.cache?.changed(id);
  }

  private async requireRow(id: string): Promise<BotRow> {
    const row = await this.bots.get(id);
    if (row === undefined) throw new ApiError('PARLEY_ERR_BOT_NOT_FOUND', `No bot has the id ${id}.`);
    return row;
  }
}

const kindSchema = v.picklist(['builtin', 'webhook', 'rasa', 'dialogflow', 'openai']);

function kindOf(row: BotRow): BotKind {
  return v.parse(kindSchema, row.kind);
}

function merge(base: Readonly<Record<string, unknown>>, patch: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = value;
  }
  return out;
}

function dropNulls(record: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== null && value !== undefined));
}

function toBot(row: BotRow): Bot {
  const secrets = readJson<Record<string, unknown>>(row.secrets);
  return {
    id: row.id,
    object: 'bot',
    kind: kindOf(row),
    name: row.name,
    meta: readJson<Meta>(row.meta),
    config: readJson(row.config),
    secrets: Object.fromEntries(Object.keys(secrets).map((key) => [key, true])),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

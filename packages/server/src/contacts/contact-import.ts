import * as v from 'valibot';
import {
  CONTACT_ATTRIBUTE_KEY,
  CONTACT_ATTRIBUTE_VALUE_MAX,
  contactAttributeFromText,
  contactInputSchema,
  type ContactAttributeValue,
  type ContactImportResult,
} from '@parley/protocol';
import { ApiError } from '../http/api-error.js';
import { unguardCsvCell } from '../http/csv.js';
import { conversationsStore } from '../store/conversations-store.js';
import type { Db } from '../store/database.js';
import { newId, nowIso } from '../store/ids.js';
import type { ContactService } from './contact-service.js';
import { contactsStore } from './contacts-store.js';
import { CsvError, parseCsv } from './contacts-csv.js';

export const IMPORT_MAX_ROWS = 10_000;
export const IMPORT_MAX_BYTES = 5 * 1024 * 1024;
/** Rows written per transaction: a large file neither holds one long transaction nor commits row by row. */
const BATCH = 200;
const ERRORS_MAX = 1000;

const ATTRIBUTE_PREFIX = 'attributes.';
const { name: nameSchema, email: emailSchema, phone: phoneSchema } = contactInputSchema.entries;
const externalIdSchema = v.pipe(v.string(), v.maxLength(256, 'must be at most 256 characters'));

interface Row {
  readonly line: number;
  readonly widgetId: string;
  readonly externalId: string | null;
  readonly email: string | null;
  readonly name: string | null;
  readonly phone: string | null;
  readonly attributes: Readonly<Record<string, ContactAttributeValue>>;
}

class RowError extends Error {
  constructor(
    readonly field: string | null,
    message: string,
  ) {
    super(message);
  }
}

/**
 * CSV import: each row is matched within its widget by `external_id`, else by `email`, and updated, or
 * created when nothing matches. Columns: external_id, email, name, phone, widget_id and any number of
 * `attributes.<key>`; others (the export's id, dates, device) are ignored. The `widgetId` parameter, when
 * given, names every row's widget; else each row's `widget_id` does. An empty cell leaves that detail
 * as it is. A row that cannot be used is reported with its line and left out; the others are written.
 */
export async function importContacts(
  db: Db,
  contacts: ContactService,
  text: string,
  widgetId: string | undefined,
): Promise<ContactImportResult> {
  let table: ReturnType<typeof parseCsv>;
  try {
    table = parseCsv(text);
  } catch (error) {
    if (error instanceof CsvError) throw new ApiError('PARLEY_ERR_CONTACT_IMPORT_INVALID', `The file is not valid CSV: ${error.message}.`);
    throw error;
  }
  const [header, ...body] = table;
  if (header === undefined)
    throw new ApiError('PARLEY_ERR_CONTACT_IMPORT_INVALID', 'The file is empty: its first line must name the columns.');
  const columns = header.cells.map((cell) =>
    unguardCsvCell(cell)
      .toLowerCase()
      .replace(/^externalid$/, 'external_id')
      .replace(/^widgetid$/, 'widget_id'),
  );
  const column = (name: string): number => columns.indexOf(name);
  if (column('email') < 0 && column('external_id') < 0) {
    throw new ApiError(
      'PARLEY_ERR_CONTACT_IMPORT_INVALID',
      `The first line names the columns ${JSON.stringify(header.cells.slice(0, 10))}; an "email" or "external_id" column is needed to know whom each row is.`,
    );
  }
  if (widgetId === undefined && column('widget_id') < 0) {
    throw new ApiError(
      'PARLEY_ERR_CONTACT_IMPORT_INVALID',
      'Name the widget the contacts belong to: a widgetId query parameter or a widget_id column.',
    );
  }
  if (body.length > IMPORT_MAX_ROWS) {
    throw new ApiError('PARLEY_ERR_REQUEST_TOO_LARGE', `The file has ${body.length} rows; import at most ${IMPORT_MAX_ROWS} at a time.`);
  }
  const attributeColumns = header.cells.flatMap((cell, index) => {
    const key = unguardCsvCell(cell);
    return key.startsWith(ATTRIBUTE_PREFIX) ? [{ index, key: key.slice(ATTRIBUTE_PREFIX.length) }] : [];
  });
  const badKey = attributeColumns.find(({ key }) => !CONTACT_ATTRIBUTE_KEY.test(key));
  if (badKey !== undefined) {
    throw new ApiError(
      'PARLEY_ERR_CONTACT_IMPORT_INVALID',
      `The column "${ATTRIBUTE_PREFIX}${badKey.key}" names no valid attribute: keys are 1–64 letters, digits, _ . or -.`,
    );
  }

  const knownWidgets = new Map<string, boolean>();
  const widgetExists = async (id: string): Promise<boolean> => {
    let known = knownWidgets.get(id);
    if (known === undefined) {
      known = (await db.selectFrom('widgets').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
      knownWidgets.set(id, known);
    }
    return known;
  };
  const errors: Array<ContactImportResult['errors'][number]> = [];
  let failed = 0;
  const refuse = (line: number, field: string | null, message: string): void => {
    failed++;
    if (errors.length < ERRORS_MAX) errors.push({ row: line, field, message });
  };

  const rows: Row[] = [];
  for (const { line, cells } of body) {
    const cell = (name: string): string | null => {
      const index = column(name);
      const value = index < 0 ? '' : unguardCsvCell(cells[index] ?? '');
      return value === '' ? null : value;
    };
    try {
      // The parameter wins: an export of one widget imports into another as it is.
      const rowWidget = widgetId ?? cell('widget_id');
      if (rowWidget === null) throw new RowError('widget_id', 'names no widget');
      if (!(await widgetExists(rowWidget))) throw new RowError('widget_id', `names the widget ${rowWidget}, which does not exist`);
      const externalId = checked('external_id', externalIdSchema, cell('external_id'));
      const email = checked('email', emailSchema.wrapped, cell('email'))?.toLowerCase() ?? null;
      if (externalId === null && email === null) throw new RowError(null, 'has neither an email nor an external_id');
      const attributes: Record<string, ContactAttributeValue> = {};
      for (const { index, key } of attributeColumns) {
        const value = unguardCsvCell(cells[index] ?? '');
        if (value === '') continue;
        if (value.length > CONTACT_ATTRIBUTE_VALUE_MAX) {
          throw new RowError(`${ATTRIBUTE_PREFIX}${key}`, `must be at most ${CONTACT_ATTRIBUTE_VALUE_MAX} characters`);
        }
        attributes[key] = contactAttributeFromText(value);
      }
      rows.push({
        line,
        widgetId: rowWidget,
        externalId,
        email,
        name: checked('name', nameSchema.wrapped, cell('name')),
        phone: checked('phone', phoneSchema.wrapped, cell('phone')),
        attributes,
      });
    } catch (error) {
      if (!(error instanceof RowError)) throw error;
      refuse(line, error.field, `Row ${line}${error.field === null ? '' : ` ${error.field}`} ${error.message}.`);
    }
  }

  let created = 0;
  let updated = 0;
  for (let start = 0; start < rows.length; start += BATCH) {
    await db.transaction().execute(async (trx) => {
      for (const row of rows.slice(start, start + BATCH)) {
        const now = nowIso();
        const found = await contactsStore.findForImport(trx, row.widgetId, row.externalId, row.email);
        // Found by email with another external id: that is someone else, so this row is a new contact.
        const same = found !== undefined && (row.externalId === null || found.external_id === null || found.external_id === row.externalId);
        const id = same ? found.id : newId('ct');
        const existing = same ? ((await contactsStore.attributes(trx, [id])).get(id) ?? {}) : {};
        const total = new Set([...Object.keys(existing), ...Object.keys(row.attributes)]).size;
        if (total > 50) {
          refuse(row.line, 'attributes', `Row ${row.line} would leave the contact with ${total} attributes; a contact holds at most 50.`);
          continue;
        }
        if (same) {
          await conversationsStore.updateContact(trx, id, {
            ...(row.externalId === null ? {} : { external_id: row.externalId }),
            ...(row.email === null ? {} : { email: row.email }),
            ...(row.name === null ? {} : { name: row.name }),
            ...(row.phone === null ? {} : { phone: row.phone }),
            updated_at: now,
          });
          updated++;
        } else {
          await conversationsStore.insertContact(trx, {
            id,
            widget_id: row.widgetId,
            external_id: row.externalId,
            name: row.name,
            email: row.email,
            phone: row.phone,
            created_at: now,
            updated_at: now,
          });
          created++;
        }
        await contacts.setAttributes(trx, id, row.attributes, 'skip');
        await (same ? contacts.events.updated(trx, id) : contacts.events.created(trx, id));
      }
    });
  }
  return { created, updated, failed, errors };
}

function checked<S extends v.GenericSchema<string, string>>(field: string, schema: S, value: string | null): string | null {
  if (value === null) return null;
  const result = v.safeParse(schema, value, { abortPipeEarly: true });
  if (result.success) return result.output;
  throw new RowError(
    field,
    result.issues[0].message.startsWith('must') ? result.issues[0].message : `is invalid: ${result.issues[0].message}`,
  );
}

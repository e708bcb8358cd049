import { sql } from 'kysely';
import type { RecordScope } from '../access-port.js';
import { badValue, gone, notFound } from '../outcome.js';
import { visibleTo } from './scope.js';
import type { Db } from './write.js';

/** A stored version with its JSON as text, so a read can answer without re-serializing. */
export interface StoredVersion {
  type: string;
  id: string;
  version: number;
  lastUpdated: number;
  deleted: boolean;
  /** The resource JSON; absent for a deletion. */
  json?: string;
}

/**
 * Read (FHIR-4, FHIR-5): one indexed query on the current-resources table, with the caller's
 * scope inside it. Outside the scope is "not found" (HEART FHIR §1.4 step 5); a deletion is 410.
 */
export async function readCurrent(
  db: Db,
  type: string,
  id: string,
  scope: RecordScope,
): Promise<StoredVersion> {
  let query = db
    .selectFrom('fhir_resources as r')
    .select(['r.version', 'r.last_updated', 'r.deleted', 'r.content'])
    .where('r.resource_type', '=', type)
    .where('r.id', '=', id);
  const visible = visibleTo(scope, type, true);
  if (visible) query = query.where(visible);
  const row = await query.executeTakeFirst();
  if (!row) throw notFound();
  if (row.deleted) throw gone();
  return stored(type, id, row);
}

/** Vread (FHIR-11): any version, under the scope of the resource as it is now. */
export async function readVersion(
  db: Db,
  type: string,
  id: string,
  versionId: string,
  scope: RecordScope,
): Promise<StoredVersion> {
  if (!/^[1-9]\d{0,9}$/.test(versionId)) throw badValue('a version id is a positive integer');
  let query = db
    .selectFrom('fhir_history as r')
    .select(['r.version', 'r.last_updated', 'r.deleted', 'r.content'])
    .where('r.resource_type', '=', type)
    .where('r.id', '=', id)
    .where('r.version', '=', Number(versionId));
  const visible = visibleTo(scope, type, true);
  if (visible) query = query.where(visible);
  const row = await query.executeTakeFirst();
  if (!row) throw notFound('version not found');
  if (row.deleted) throw gone('this version records a deletion');
  return stored(type, id, row);
}

export interface HistoryQuery {
  type: string;
  id?: string;
  since?: number;
  at?: number;
  count: number;
  offset: number;
}

/**
 * Instance and type history, newest first (FHIR-11, FHIR-31). `_since` keeps versions written
 * at or after the instant; `_at` keeps the versions current at that instant. Type history is
 * filtered by the scope exactly like a search.
 *
 * Limitation: the scope is judged by the compartments and labels of the resource as it is now,
 * so an old version that sat in another patient's compartment follows the current one. Lifting
 * it means keeping compartment and label rows per version.
 */
export async function readHistory(
  db: Db,
  query: HistoryQuery,
  scope: RecordScope,
): Promise<{ versions: StoredVersion[]; total: number; hasNext: boolean }> {
  let base = db.selectFrom('fhir_history as r').where('r.resource_type', '=', query.type);
  if (query.id !== undefined) base = base.where('r.id', '=', query.id);
  if (query.since !== undefined) base = base.where('r.last_updated', '>=', query.since);
  if (query.at !== undefined) {
    base = base.where('r.last_updated', '<=', query.at).where(
      sql<boolean>`not exists (select 1 from fhir_history n where n.resource_type = r.resource_type
        and n.id = r.id and n.version > r.version and n.last_updated <= ${query.at})`,
    );
  }
  const visible = visibleTo(scope, query.type, query.id !== undefined);
  if (visible) base = base.where(visible);
  const counted = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  const rows = await base
    .select(['r.id', 'r.version', 'r.last_updated', 'r.deleted', 'r.content'])
    .orderBy('r.last_updated', 'desc')
    .orderBy('r.id')
    .orderBy('r.version', 'desc')
    .limit(query.count + 1)
    .offset(query.offset)
    .execute();
  return {
    versions: rows.slice(0, query.count).map((row) => stored(query.type, row.id, row)),
    total: Number(counted?.n ?? 0),
    hasNext: rows.length > query.count,
  };
}

function stored(
  type: string,
  id: string,
  row: { version: number; last_updated: number; deleted: number; content: string | null },
): StoredVersion {
  return {
    type,
    id,
    version: Number(row.version),
    lastUpdated: Number(row.last_updated),
    deleted: row.deleted === 1,
    json: row.content ?? undefined,
  };
}

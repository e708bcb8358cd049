import type { Resource } from '@medplum/fhirtypes';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/tables.js';
import { FhirError } from '../outcome.js';
import type { ResourceIndex } from './indexer.js';
import { type IndexKind, indexTableOf } from './tables.js';

export type Db = Kysely<Database>;

/** The current row of a resource, as stored. */
export interface CurrentRow {
  version: number;
  last_updated: number;
  deleted: number;
  content: string | null;
}

export async function currentRow(db: Db, type: string, id: string) {
  return db
    .selectFrom('fhir_resources')
    .select(['version', 'last_updated', 'deleted', 'content'])
    .where('resource_type', '=', type)
    .where('id', '=', id)
    .executeTakeFirst();
}

/**
 * Stores one new version: the current row (guarded by the version it replaces, so two
 * concurrent writers cannot both win), the history row, and the index rows rebuilt from scratch.
 * A deletion (`resource` undefined) clears the search index but keeps compartment and label rows,
 * so old versions stay readable under the same scope rules.
 */
export async function storeVersion(
  db: Db,
  target: { type: string; id: string; version: number; lastUpdated: number },
  previous: CurrentRow | undefined,
  resource: Resource | undefined,
  index: ResourceIndex | undefined,
): Promise<void> {
  const { type, id, version, lastUpdated } = target;
  const content = resource ? JSON.stringify(resource) : null;
  const deleted = resource ? 0 : 1;
  const row = { version, last_updated: lastUpdated, deleted, content };
  if (previous) {
    const result = await db
      .updateTable('fhir_resources')
      .set(row)
      .where('resource_type', '=', type)
      .where('id', '=', id)
      .where('version', '=', previous.version)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) throw concurrentWrite();
  } else {
    await insertOrConflict(db, { resource_type: type, id, ...row });
  }
  await db
    .insertInto('fhir_history')
    .values({ resource_type: type, id, ...row })
    .execute();

  if (previous) await clearIndex(db, type, id, resource !== undefined);
  if (index) await writeIndex(db, type, id, index);
}

async function insertOrConflict(db: Db, row: Database['fhir_resources']): Promise<void> {
  const result = await db
    .insertInto('fhir_resources')
    .values(row)
    .onConflict((oc) => oc.columns(['resource_type', 'id']).doNothing())
    .executeTakeFirst();
  if (Number(result.numInsertedOrUpdatedRows ?? 0) !== 1) throw concurrentWrite();
}

const concurrentWrite = () =>
  new FhirError('conflict', 'conflict', 'the resource was changed by another request; retry');

const KINDS = Object.keys(indexTableOf) as IndexKind[];

async function clearIndex(db: Db, type: string, id: string, withMembership: boolean) {
  const tables: (keyof Database)[] = KINDS.map((k) => indexTableOf[k]);
  if (withMembership) tables.push('fhir_compartments', 'fhir_security_labels');
  for (const table of tables) {
    await db
      .deleteFrom(table as 'fhir_token_index')
      .where('resource_type', '=', type)
      .where('id', '=', id)
      .execute();
  }
}

const CHUNK = 200;

async function writeIndex(db: Db, type: string, id: string, index: ResourceIndex) {
  const key = { resource_type: type, id };
  for (const kind of KINDS) {
    const rows = (index[kind] as object[]).map((row) => ({ ...key, ...row }));
    for (let i = 0; i < rows.length; i += CHUNK) {
      await db
        .insertInto(indexTableOf[kind] as 'fhir_token_index')
        .values(rows.slice(i, i + CHUNK) as Database['fhir_token_index'][])
        .execute();
    }
  }
  if (index.patients.length) {
    await db
      .insertInto('fhir_compartments')
      .values(index.patients.map((patient_id) => ({ ...key, patient_id })))
      .execute();
  }
  if (index.labels.length) {
    await db
      .insertInto('fhir_security_labels')
      .values(index.labels.map((label) => ({ ...key, label })))
      .execute();
  }
}

/** Compartments and labels of the stored resource, for the write-scope check on update. */
export async function storedMembership(db: Db, type: string, id: string) {
  const [patients, labels] = await Promise.all([
    db
      .selectFrom('fhir_compartments')
      .select('patient_id')
      .where('resource_type', '=', type)
      .where('id', '=', id)
      .execute(),
    db
      .selectFrom('fhir_security_labels')
      .select('label')
      .where('resource_type', '=', type)
      .where('id', '=', id)
      .execute(),
  ]);
  return { patients: patients.map((p) => p.patient_id), labels: labels.map((l) => l.label) };
}

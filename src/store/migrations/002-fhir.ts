import type { Kysely } from 'kysely';

/**
 * The FHIR resource server's tables. Resources are stored whole as JSON text, current version in
 * `fhir_resources` and every version in `fhir_history`; search reads only the index tables,
 * which the repository fills on every write from the R4 SearchParameter definitions. Times are
 * integer milliseconds since the epoch; dates in the index are ranges [start, end).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('fhir_resources')
    .addColumn('resource_type', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('last_updated', 'bigint', (c) => c.notNull())
    .addColumn('deleted', 'integer', (c) => c.notNull())
    .addColumn('content', 'text')
    .addPrimaryKeyConstraint('fhir_resources_pk', ['resource_type', 'id'])
    .execute();
  await db.schema
    .createIndex('fhir_resources_updated')
    .on('fhir_resources')
    .columns(['resource_type', 'last_updated'])
    .execute();

  await db.schema
    .createTable('fhir_history')
    .addColumn('resource_type', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('last_updated', 'bigint', (c) => c.notNull())
    .addColumn('deleted', 'integer', (c) => c.notNull())
    .addColumn('content', 'text')
    .addPrimaryKeyConstraint('fhir_history_pk', ['resource_type', 'id', 'version'])
    .execute();
  await db.schema
    .createIndex('fhir_history_updated')
    .on('fhir_history')
    .columns(['resource_type', 'last_updated'])
    .execute();

  await indexTable(db, 'fhir_token_index', (t) =>
    t.addColumn('system', 'text').addColumn('code', 'text').addColumn('text', 'text'),
  );
  await createValueIndex(db, 'fhir_token_index', ['code', 'system']);

  await indexTable(db, 'fhir_string_index', (t) =>
    t.addColumn('value', 'text', (c) => c.notNull()).addColumn('raw', 'text', (c) => c.notNull()),
  );
  await createValueIndex(db, 'fhir_string_index', ['value']);

  await indexTable(db, 'fhir_date_index', (t) =>
    t
      .addColumn('start_ms', 'bigint', (c) => c.notNull())
      .addColumn('end_ms', 'bigint', (c) => c.notNull()),
  );
  await createValueIndex(db, 'fhir_date_index', ['start_ms']);

  await indexTable(db, 'fhir_reference_index', (t) =>
    t.addColumn('target_type', 'text').addColumn('target_id', 'text').addColumn('url', 'text'),
  );
  await createValueIndex(db, 'fhir_reference_index', ['target_id', 'target_type']);

  await indexTable(db, 'fhir_quantity_index', (t) =>
    t
      .addColumn('value', 'double precision', (c) => c.notNull())
      .addColumn('system', 'text')
      .addColumn('code', 'text')
      .addColumn('unit', 'text'),
  );
  await createValueIndex(db, 'fhir_quantity_index', ['value']);

  await indexTable(db, 'fhir_uri_index', (t) => t.addColumn('value', 'text', (c) => c.notNull()));
  await createValueIndex(db, 'fhir_uri_index', ['value']);

  await indexTable(db, 'fhir_number_index', (t) =>
    t.addColumn('value', 'double precision', (c) => c.notNull()),
  );
  await createValueIndex(db, 'fhir_number_index', ['value']);

  // Patient compartment membership by Kardia's owner parameter (spec Part 3.6); a Patient is a
  // member of its own compartment.
  await db.schema
    .createTable('fhir_compartments')
    .addColumn('resource_type', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('patient_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('fhir_compartments_pk', ['resource_type', 'id', 'patient_id'])
    .execute();
  await db.schema
    .createIndex('fhir_compartments_patient')
    .on('fhir_compartments')
    .columns(['patient_id', 'resource_type', 'id'])
    .execute();

  // `meta.security` labels as `system|code`, for the access control's label filter.
  await db.schema
    .createTable('fhir_security_labels')
    .addColumn('resource_type', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('fhir_security_labels_pk', ['resource_type', 'id', 'label'])
    .execute();

  // Every Patient compartment belongs to one account (the `sub` of its owner).
  await db.schema
    .createTable('fhir_patient_owners')
    .addColumn('patient_id', 'text', (c) => c.primaryKey())
    .addColumn('owner_sub', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('fhir_patient_owners_sub')
    .on('fhir_patient_owners')
    .column('owner_sub')
    .execute();
}

type TableBuilder = ReturnType<Kysely<unknown>['schema']['createTable']>;

/** An index table: one row per value a search parameter takes on a resource. */
async function indexTable(
  db: Kysely<unknown>,
  name: string,
  columns: (table: TableBuilder) => TableBuilder,
): Promise<void> {
  const table = db.schema
    .createTable(name)
    .addColumn('resource_type', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('param', 'text', (c) => c.notNull());
  await columns(table).execute();
  await db.schema
    .createIndex(`${name}_resource`)
    .on(name)
    .columns(['resource_type', 'id', 'param'])
    .execute();
}

/** Searches start from the parameter and its value. */
async function createValueIndex(db: Kysely<unknown>, name: string, columns: string[]) {
  await db.schema
    .createIndex(`${name}_value`)
    .on(name)
    .columns(['resource_type', 'param', ...columns])
    .execute();
}

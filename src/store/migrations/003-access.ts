import type { Kysely } from 'kysely';

/**
 * Access enforcement's tables (src/access). RS side: the RS's own credentials at its AS and the
 * audit log, kept apart from the clinical data. AS side: the Patient an account launches into
 * (`launch/patient`), which the AS keeps so that it never reads FHIR tables.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // RS side: the protected-resource registration the one-process mode made for itself.
  await db.schema
    .createTable('rs_credentials')
    .addColumn('as_issuer', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('private_jwk', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  // RS side: one row per FHIR interaction, allowed or refused. Times in milliseconds.
  await db.schema
    .createTable('access_audit_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('recorded_ms', 'bigint', (c) => c.notNull())
    .addColumn('interaction', 'text', (c) => c.notNull())
    .addColumn('resource_type', 'text')
    .addColumn('resource_id', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('sub', 'text')
    .addColumn('client_id', 'text')
    .addColumn('token_id', 'text')
    .addColumn('via', 'text')
    .addColumn('share_id', 'text')
    .addColumn('scope', 'text')
    .addColumn('btg', 'integer', (c) => c.notNull())
    .addColumn('resources', 'text', (c) => c.notNull())
    .addColumn('patients', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('access_audit_events_recorded')
    .on('access_audit_events')
    .column('recorded_ms')
    .execute();

  // RS side: which records (Patient compartments) each audit event concerns, for the owner.
  await db.schema
    .createTable('access_audit_patients')
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('patient_id', 'text', (c) => c.notNull())
    .addColumn('recorded_ms', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('access_audit_patients_pk', ['event_id', 'patient_id'])
    .execute();
  await db.schema
    .createIndex('access_audit_patients_patient')
    .on('access_audit_patients')
    .columns(['patient_id', 'recorded_ms'])
    .execute();

  // AS side: the Patient (FHIR logical id) each account launches into at a protected resource.
  await db.schema
    .createTable('launch_patients')
    .addColumn('sub', 'text', (c) => c.notNull())
    .addColumn('resource', 'text', (c) => c.notNull())
    .addColumn('patient_id', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('launch_patients_pk', ['sub', 'resource'])
    .execute();
}

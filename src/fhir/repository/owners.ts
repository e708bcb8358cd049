import { FhirError } from '../outcome.js';
import type { Db } from './write.js';

/**
 * Every Patient compartment belongs to one account, named by its `sub` (DESIGN: the person who
 * decides who may read and change the record). The import command and the access control use
 * these; the AS never reads this table.
 */
export async function patientOwner(db: Db, patientId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('fhir_patient_owners')
    .select('owner_sub')
    .where('patient_id', '=', patientId)
    .executeTakeFirst();
  return row?.owner_sub;
}

export async function patientsOwnedBy(db: Db, ownerSub: string): Promise<string[]> {
  const rows = await db
    .selectFrom('fhir_patient_owners')
    .select('patient_id')
    .where('owner_sub', '=', ownerSub)
    .orderBy('patient_id')
    .execute();
  return rows.map((r) => r.patient_id);
}

/**
 * Owner links made after `sinceMs` (milliseconds), oldest first: the access control reports
 * them to the AS so that `launch/patient` can name an account's Patient.
 */
export async function ownersSince(db: Db, sinceMs: number, limit: number) {
  return db
    .selectFrom('fhir_patient_owners')
    .select(['patient_id', 'owner_sub', 'created_at'])
    .where('created_at', '>', sinceMs)
    .orderBy('created_at')
    .orderBy('patient_id')
    .limit(limit)
    .execute();
}

/** Sets (or moves) the owner of a Patient compartment. */
export async function setPatientOwner(db: Db, patientId: string, ownerSub: string): Promise<void> {
  await db
    .insertInto('fhir_patient_owners')
    .values({ patient_id: patientId, owner_sub: ownerSub, created_at: Date.now() })
    .onConflict((oc) => oc.column('patient_id').doUpdateSet({ owner_sub: ownerSub }))
    .execute();
}

/**
 * Claims each compartment a write lands in for `ownerSub`: an unowned compartment becomes the
 * owner's; one that belongs to another account refuses the write (422), so an import can never
 * slip data into someone else's record.
 */
export async function claimCompartments(
  db: Db,
  patientIds: readonly string[],
  ownerSub: string,
): Promise<void> {
  for (const patientId of patientIds) {
    const current = await patientOwner(db, patientId);
    if (current === ownerSub) continue;
    if (current !== undefined) {
      throw new FhirError(
        'unprocessable',
        'business-rule',
        'the record belongs to another account',
      );
    }
    await db
      .insertInto('fhir_patient_owners')
      .values({ patient_id: patientId, owner_sub: ownerSub, created_at: Date.now() })
      .onConflict((oc) => oc.column('patient_id').doNothing())
      .execute();
    if ((await patientOwner(db, patientId)) !== ownerSub) {
      throw new FhirError(
        'unprocessable',
        'business-rule',
        'the record belongs to another account',
      );
    }
  }
}

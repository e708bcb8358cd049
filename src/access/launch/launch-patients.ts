import type { Kardia } from '../../server/context.js';
import { nowSeconds } from '../../util/time.js';

/**
 * AS side of SMART App Launch `launch/patient` (heart-fhir.md 1.5, HFO-17): which Patient each
 * account launches into. The AS never reads FHIR tables, so it keeps its own copy of the one fact
 * it needs, per protected resource: "account `sub` owns Patient `id` at RS `resource`". The RS
 * tells it when a record gets an owner (see owner-link.ts); the AS reads only this table.
 */
export interface LaunchPatient {
  sub: string;
  /** The RS's identifier (its FHIR base URL), as in the tokens' `aud`. */
  resource: string;
  patientId: string;
}

const PATIENT_ID = /^[A-Za-z0-9\-.]{1,64}$/;

export async function setLaunchPatient(kardia: Kardia, link: LaunchPatient): Promise<void> {
  // FHIR R4 §2.1.0.4 (heart-fhir.md 3.1): a logical id is 1 to 64 of A-Z a-z 0-9 - .
  if (!PATIENT_ID.test(link.patientId)) throw new Error('not a FHIR logical id');
  const row = {
    sub: link.sub,
    resource: link.resource,
    patient_id: link.patientId,
    updated_at: nowSeconds(),
  };
  await kardia.store.db
    .insertInto('launch_patients')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['sub', 'resource']).doUpdateSet({
        patient_id: row.patient_id,
        updated_at: row.updated_at,
      }),
    )
    .execute();
}

/**
 * The Patient an account launches into. Kardia's reading: with one RS that is its record there;
 * with several, this AS's own FHIR server wins, then the most recently linked.
 */
export async function findLaunchPatient(
  kardia: Kardia,
  sub: string,
): Promise<LaunchPatient | undefined> {
  const rows = await kardia.store.db
    .selectFrom('launch_patients')
    .select(['sub', 'resource', 'patient_id', 'updated_at'])
    .where('sub', '=', sub)
    .orderBy('updated_at', 'desc')
    .limit(20)
    .execute();
  const row = rows.find((r) => r.resource === kardia.urls.fhir) ?? rows[0];
  return row ? { sub: row.sub, resource: row.resource, patientId: row.patient_id } : undefined;
}

import type { Db } from '../../fhir/repository/write.js';
import type { RecordPart } from './resource-table.js';

/**
 * Which parts of a record hold live data, from the RS's own FHIR tables: the compartment
 * resource types with at least one resource that is not deleted (heart-fhir.md 2.3: one UMA
 * resource per record and type). The Patient itself is the record, never a part of its own.
 */
export async function livePartsOf(db: Db, patientId: string): Promise<RecordPart[]> {
  const rows = await db
    .selectFrom('fhir_compartments as c')
    .innerJoin('fhir_resources as r', (join) =>
      join.onRef('r.resource_type', '=', 'c.resource_type').onRef('r.id', '=', 'c.id'),
    )
    .select('c.resource_type')
    .distinct()
    .where('c.patient_id', '=', patientId)
    .where('r.deleted', '=', 0)
    .where('c.resource_type', '!=', 'Patient')
    .execute();
  return rows.map((row) => row.resource_type).sort();
}

/** The Patient compartments a stored resource belongs to (its current version's index). */
export async function compartmentsOf(db: Db, type: string, id: string): Promise<string[]> {
  if (type === 'Patient') return [id];
  const rows = await db
    .selectFrom('fhir_compartments')
    .select('patient_id')
    .where('resource_type', '=', type)
    .where('id', '=', id)
    .execute();
  return rows.map((row) => row.patient_id);
}

import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { RecordScope } from '../access-port.js';
import { isCompartmentType } from '../definitions/compartment.js';
import { forbidden } from '../outcome.js';
import type { ResourceIndex } from './indexer.js';

/**
 * A caller's RecordScope as SQL conditions on a resource row aliased `r` (spec Part 3.6 and HEART
 * FHIR §1.4 steps 5 and 6): applied inside every read, search, include and history query, so
 * totals and pages only count what the caller may see.
 *
 * A search lists the compartment (`r.id in (...)`), which lets the database walk the patient's
 * resources through the compartment index. A query that already names one resource (`pinned`:
 * read, vread, instance history) asks that resource's own compartment rows through their
 * primary key instead: listing the compartment there would cost a read the size of the whole
 * record on every request.
 */
export function visibleTo(
  scope: RecordScope,
  type: string,
  pinned = false,
): RawBuilder<SqlBool> | undefined {
  const conditions: RawBuilder<unknown>[] = [];
  if (scope.types !== '*' && !scope.types.has(type)) return sql<SqlBool>`1 = 0`;
  if (scope.patients !== '*' && isCompartmentType(type)) {
    if (scope.patients.length === 0) return sql<SqlBool>`1 = 0`;
    const patients = sql.join(scope.patients);
    conditions.push(
      pinned
        ? sql`exists (select 1 from fhir_compartments c where c.resource_type = r.resource_type
          and c.id = r.id and c.patient_id in (${patients}))`
        : sql`r.id in (select c.id from fhir_compartments c
          where c.resource_type = ${type} and c.patient_id in (${patients}))`,
    );
  }
  if (scope.deniedLabels.length > 0) {
    // Asked of each candidate row: the labelled resources of a type, listed, grow with the whole
    // database, while a row's own labels are a primary-key lookup.
    conditions.push(sql`not exists (select 1 from fhir_security_labels l
      where l.resource_type = r.resource_type and l.id = r.id
      and l.label in (${sql.join(scope.deniedLabels)}))`);
  }
  if (conditions.length === 0) return undefined;
  return sql<SqlBool>`(${sql.join(conditions, sql` and `)})`;
}

export const isOpen = (scope: RecordScope): boolean =>
  scope.types === '*' && scope.patients === '*' && scope.deniedLabels.length === 0;

/**
 * A write must stay inside the caller's write scope (spec Part 3.6: refused with 403): the type
 * is granted, every compartment the resource lands in is in reach, and it carries no label the
 * caller may not see. Shared reference data is writable only with an unrestricted reach.
 */
export function checkWritable(
  scope: RecordScope,
  type: string,
  patients: readonly string[],
  labels: readonly string[],
): void {
  if (scope.types !== '*' && !scope.types.has(type)) throw forbidden();
  if (scope.patients !== '*') {
    const reach = new Set(scope.patients);
    if (!isCompartmentType(type) || patients.length === 0) throw forbidden();
    if (patients.some((p) => !reach.has(p))) throw forbidden();
  }
  if (labels.some((label) => scope.deniedLabels.includes(label))) throw forbidden();
}

export function checkIndexWritable(scope: RecordScope, type: string, index: ResourceIndex) {
  checkWritable(scope, type, index.patients, index.labels);
}

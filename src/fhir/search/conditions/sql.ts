import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { IndexTableName } from '../../repository/tables.js';

export type Condition = RawBuilder<SqlBool>;

/**
 * The same condition asked of one row, for a query that another, narrower condition drives (see
 * `perRow`): `[not] exists` on the index table's (resource_type, id, param) index.
 */
const rowForms = new WeakMap<Condition, Condition>();

/**
 * `r.id [not] in (rows of the index table for this parameter matching any of the values)`. Every
 * search condition has this one shape, so SQLite and PostgreSQL run the same SQL and drive the
 * lookup from the (resource_type, param, value) indexes.
 */
export function inIndex(
  table: IndexTableName,
  type: string,
  param: string,
  alternatives: RawBuilder<unknown>[] | undefined,
  negate = false,
): Condition {
  const match = alternatives?.length ? sql` and (${sql.join(alternatives, sql` or `)})` : sql``;
  const operator = negate ? sql`not in` : sql`in`;
  const listed = sql<SqlBool>`r.id ${operator} (select i.id from ${sql.table(table)} i
    where i.resource_type = ${type} and i.param = ${param}${match})`;
  // A reference's matches are the resources pointing at one target, as narrow as a record: it
  // stays listed, and may drive the query.
  if (table === 'fhir_reference_index') return listed;
  const exists = negate ? sql`not exists` : sql`exists`;
  // Inside CASE the match cannot pick the index: the (resource_type, param, value) index would
  // look equally exact to the planner and scan every row of that value for each candidate.
  const rowMatch = alternatives?.length
    ? sql` and (case when (${sql.join(alternatives, sql` or `)}) then 1 else 0 end) = 1`
    : sql``;
  rowForms.set(
    listed,
    sql<SqlBool>`${exists} (select 1 from ${sql.table(table)} i where i.resource_type = r.resource_type
      and i.id = r.id and i.param = ${param}${rowMatch})`,
  );
  return listed;
}

/**
 * A condition as a check of each candidate row, where it has such a form. A search confined to
 * a compartment lets the compartment drive and asks the other conditions row by row: listed,
 * each would read its matches across every record in the database.
 */
export const perRow = (condition: Condition): Condition => rowForms.get(condition) ?? condition;

/** LIKE with the user's text escaped, so `%` and `_` match themselves. */
export function likePattern(text: string, mode: 'prefix' | 'contains'): string {
  const escaped = text.replace(/[\\%_]/g, (c) => `\\${c}`);
  return mode === 'prefix' ? `${escaped}%` : `%${escaped}%`;
}

export const like = (column: string, pattern: string): RawBuilder<unknown> =>
  sql`${sql.ref(column)} like ${pattern} escape '\\'`;

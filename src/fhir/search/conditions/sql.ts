import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { IndexTableName } from '../../repository/tables.js';

export type Condition = RawBuilder<SqlBool>;

/**
 * `r.id [not] in (rows of the index table for this parameter matching any of the values)`. Every
 * search condition has this one shape, so SQLite and PostgreSQL run the same SQL and drive the
 * lookup from the (resource_type, param, value) indexes.
 *
 * Limitation: each condition lists its matches across every record of the database, and the
 * caller's compartment only narrows them afterwards, so `Observation?patient=X&code=Y` reads
 * every resource with that code. On a personal record the compartment is nearly always the
 * narrowest condition; asking the other conditions row by row (`exists` on the `_resource`
 * index) once a compartment condition is present would make such searches grow with one record,
 * not the database.
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
  return sql<SqlBool>`r.id ${operator} (select i.id from ${sql.table(table)} i
    where i.resource_type = ${type} and i.param = ${param}${match})`;
}

/** LIKE with the user's text escaped, so `%` and `_` match themselves. */
export function likePattern(text: string, mode: 'prefix' | 'contains'): string {
  const escaped = text.replace(/[\\%_]/g, (c) => `\\${c}`);
  return mode === 'prefix' ? `${escaped}%` : `%${escaped}%`;
}

export const like = (column: string, pattern: string): RawBuilder<unknown> =>
  sql`${sql.ref(column)} like ${pattern} escape '\\'`;

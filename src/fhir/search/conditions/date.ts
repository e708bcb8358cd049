import { type RawBuilder, sql } from 'kysely';
import type { SearchParam } from '../../definitions/search-parameters.js';
import { badValue } from '../../outcome.js';
import { type DateRange, parseDateRange } from '../date-range.js';
import { type Prefix, splitOr, splitPrefix } from '../values.js';
import { type Condition, inIndex } from './sql.js';

/**
 * Date search (R4 search.html §3.1.1.4.5, spec Part 3.5): the stored value and the search value
 * are both ranges [start, end); the prefix decides how they must relate. `_lastUpdated` compares
 * against the resources table, whose instant is a one-millisecond range.
 */
export function dateCondition(type: string, param: SearchParam, value: string): Condition {
  const alternatives = splitOr(value).map((part) => {
    const { prefix, rest } = splitPrefix(part);
    const range = parseDateRange(rest);
    if (!range) throw badValue(`${param.name}: not a FHIR date`, [param.name]);
    return param.column === 'last_updated'
      ? compare(prefix, range, sql.ref('r.last_updated'), sql`(r.last_updated + 1)`)
      : compare(prefix, range, sql.ref('i.start_ms'), sql.ref('i.end_ms'));
  });
  if (param.column === 'last_updated') return sql`(${sql.join(alternatives, sql` or `)})`;
  return inIndex('fhir_date_index', type, param.name, alternatives);
}

function compare(
  prefix: Prefix,
  q: DateRange,
  start: RawBuilder<unknown>,
  end: RawBuilder<unknown>,
): RawBuilder<unknown> {
  const within = sql`(${start} >= ${q.start} and ${end} <= ${q.end})`;
  switch (prefix) {
    case 'eq':
      return within;
    case 'ne':
      return sql`not ${within}`;
    case 'gt':
      return sql`${end} > ${q.end}`;
    case 'lt':
      return sql`${start} < ${q.start}`;
    case 'ge':
      return sql`(${end} > ${q.end} or ${within})`;
    case 'le':
      return sql`(${start} < ${q.start} or ${within})`;
    case 'sa':
      return sql`${start} >= ${q.end}`;
    case 'eb':
      return sql`${end} <= ${q.start}`;
    case 'ap': {
      // Kardia's tolerance: a tenth of the distance to now, at least a day (R4 suggests 10%).
      const slack = Math.max(86_400_000, Math.abs(Date.now() - q.start) / 10);
      return sql`(${start} < ${Math.round(q.end + slack)} and ${end} > ${Math.round(q.start - slack)})`;
    }
  }
}

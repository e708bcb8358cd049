import { type RawBuilder, sql } from 'kysely';
import type { SearchParam } from '../../definitions/search-parameters.js';
import { badValue } from '../../outcome.js';
import { type Prefix, parseNumber, splitEscaped, splitOr, splitPrefix } from '../values.js';
import { type Condition, inIndex } from './sql.js';

/**
 * Number and quantity search (R4 search.html §3.1.1.4.2 and §3.1.1.4.6): `eq` and `ne` use the
 * range the written precision implies (`5.4` is [5.35, 5.45)); quantities add `|system|code`,
 * where a code without a system also matches the unit.
 */
export function numberCondition(type: string, param: SearchParam, value: string): Condition {
  const alternatives = splitOr(value).map((part) => {
    const { prefix, rest } = splitPrefix(part);
    return compare(prefix, parseNumber(rest, param.name));
  });
  return inIndex('fhir_number_index', type, param.name, alternatives);
}

export function quantityCondition(type: string, param: SearchParam, value: string): Condition {
  const alternatives = splitOr(value).map((part) => {
    const pieces = splitEscaped(part, '|');
    if (pieces.length !== 1 && pieces.length !== 3) {
      throw badValue(`${param.name}: a quantity is number or number|system|code`);
    }
    const { prefix, rest } = splitPrefix(pieces[0] as string);
    const numeric = compare(prefix, parseNumber(rest, param.name));
    const [, system, code] = pieces;
    if (system) {
      if (!code) throw badValue(`${param.name}: a system needs a code`);
      return sql`(${numeric} and i.system = ${system} and i.code = ${code})`;
    }
    if (code) return sql`(${numeric} and (i.code = ${code} or i.unit = ${code}))`;
    return numeric;
  });
  return inIndex('fhir_quantity_index', type, param.name, alternatives);
}

function compare(
  prefix: Prefix,
  n: { value: number; low: number; high: number },
): RawBuilder<unknown> {
  const v = sql.ref('i.value');
  switch (prefix) {
    case 'eq':
      return sql`(${v} >= ${n.low} and ${v} < ${n.high})`;
    case 'ne':
      return sql`(${v} < ${n.low} or ${v} >= ${n.high})`;
    case 'gt':
    case 'sa':
      return sql`${v} > ${n.value}`;
    case 'lt':
    case 'eb':
      return sql`${v} < ${n.value}`;
    case 'ge':
      return sql`${v} >= ${n.value}`;
    case 'le':
      return sql`${v} <= ${n.value}`;
    case 'ap': {
      const slack = Math.abs(n.value) / 10;
      return sql`(${v} >= ${n.value - slack} and ${v} <= ${n.value + slack})`;
    }
  }
}

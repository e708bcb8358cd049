import { sql } from 'kysely';
import type { SearchParam } from '../../definitions/search-parameters.js';
import { isServedType } from '../../definitions/resource-types.js';
import { badValue, notSupported } from '../../outcome.js';
import { indexTableOf } from '../../repository/tables.js';
import { dateCondition } from './date.js';
import { numberCondition, quantityCondition } from './quantity.js';
import { referenceCondition } from './reference.js';
import { type Condition, inIndex } from './sql.js';
import { stringCondition } from './string.js';
import { tokenCondition } from './token.js';
import { uriCondition } from './uri.js';

export { type Condition, perRow } from './sql.js';

/**
 * Which modifiers Kardia implements, per parameter kind. Anything else (`:in`, `:below`,
 * `:identifier`, `:iterate`...) is refused with 400 `not-supported` in lenient mode too (spec
 * Part 3.5, FHIR-26): dropping a modifier silently would change what the query means.
 */
const MODIFIERS: Record<SearchParam['kind'], readonly string[]> = {
  token: ['not', 'text', 'missing'],
  string: ['exact', 'contains', 'missing'],
  date: ['missing'],
  reference: ['missing'],
  quantity: ['missing'],
  number: ['missing'],
  uri: ['missing'],
};

/** One `name[:modifier]=value` of a search, as a condition on the resource row `r`. */
export function conditionFor(
  type: string,
  param: SearchParam,
  modifier: string | undefined,
  value: string,
  base: string,
): Condition {
  const targetType = param.kind === 'reference' && modifier && isTypeModifier(param, modifier);
  if (modifier && !targetType && !MODIFIERS[param.kind].includes(modifier)) {
    throw notSupported(`modifier :${modifier} is not supported on ${param.name}`);
  }
  if (modifier === 'missing') return missing(type, param, value);
  switch (param.kind) {
    case 'token':
      return tokenCondition(type, param, modifier, value);
    case 'string':
      return stringCondition(type, param, modifier, value);
    case 'date':
      return dateCondition(type, param, value);
    case 'reference':
      return referenceCondition(type, param, targetType ? modifier : undefined, value, base);
    case 'quantity':
      return quantityCondition(type, param, value);
    case 'number':
      return numberCondition(type, param, value);
    case 'uri':
      return uriCondition(type, param, value);
  }
}

function isTypeModifier(param: SearchParam, modifier: string): boolean {
  return (
    /^[A-Z][A-Za-z]+$/.test(modifier) &&
    (param.targets.includes(modifier) || isServedType(modifier))
  );
}

/** `:missing=true` matches resources without any value for the parameter (R4 §3.1.1.5.1). */
function missing(type: string, param: SearchParam, value: string): Condition {
  if (value !== 'true' && value !== 'false')
    throw badValue(`${param.name}:missing takes true or false`);
  if (param.column === 'id') return value === 'true' ? sql`1 = 0` : sql`1 = 1`;
  if (param.column === 'last_updated') return value === 'true' ? sql`1 = 0` : sql`1 = 1`;
  return inIndex(indexTableOf[param.kind], type, param.name, undefined, value === 'true');
}

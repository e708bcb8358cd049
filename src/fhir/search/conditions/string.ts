import { sql } from 'kysely';
import type { SearchParam } from '../../definitions/search-parameters.js';
import { badValue } from '../../outcome.js';
import { normalizeText } from '../normalize.js';
import { splitOr } from '../values.js';
import { type Condition, inIndex, like, likePattern } from './sql.js';

/**
 * String search (R4 search.html §3.1.1.4.7): by default case- and accent-insensitive "starts
 * with"; `:exact` compares the value as written, `:contains` matches anywhere.
 */
export function stringCondition(
  type: string,
  param: SearchParam,
  modifier: string | undefined,
  value: string,
): Condition {
  const alternatives = splitOr(value).map((text) => {
    if (!text) throw badValue(`${param.name}: empty value`);
    if (modifier === 'exact') return sql`i.raw = ${text}`;
    return like(
      'i.value',
      likePattern(normalizeText(text), modifier === 'contains' ? 'contains' : 'prefix'),
    );
  });
  return inIndex('fhir_string_index', type, param.name, alternatives);
}

import { sql } from 'kysely';
import type { SearchParam } from '../../definitions/search-parameters.js';
import { badValue } from '../../outcome.js';
import { splitOr } from '../values.js';
import { type Condition, inIndex } from './sql.js';

/** Uri search (R4 search.html §3.1.1.4.10): exact match; `:above` and `:below` are not offered. */
export function uriCondition(type: string, param: SearchParam, value: string): Condition {
  const alternatives = splitOr(value).map((uri) => {
    if (!uri) throw badValue(`${param.name}: empty value`);
    return sql`i.value = ${uri}`;
  });
  return inIndex('fhir_uri_index', type, param.name, alternatives);
}

import { sql } from 'kysely';
import type { SearchParam } from '../../definitions/search-parameters.js';
import { isValidId } from '../../definitions/resource-types.js';
import { badValue } from '../../outcome.js';
import { parseReference } from '../reference.js';
import { splitOr } from '../values.js';
import { type Condition, inIndex } from './sql.js';

/**
 * Reference search (R4 search.html §3.1.1.4.9, spec Part 3.5): `123`, `Patient/123`, or an
 * absolute URL; under Kardia's own base it means `Patient/123`, anywhere else it matches the
 * URL as written. The type modifier (`subject:Patient=123`) narrows a bare id to one type.
 */
export function referenceCondition(
  type: string,
  param: SearchParam,
  targetType: string | undefined,
  value: string,
  base: string,
): Condition {
  const alternatives = splitOr(value).map((part) => {
    if (!part) throw badValue(`${param.name}: empty value`);
    if (isValidId(part) && !part.includes('/')) {
      const types = targetType ? [targetType] : param.targets;
      if (types.length === 0) return sql`i.target_id = ${part}`;
      return sql`(i.target_id = ${part} and i.target_type in (${sql.join(types)}))`;
    }
    const parsed = parseReference(part, base);
    if (parsed) {
      if (targetType && parsed.type !== targetType) return sql`1 = 0`;
      return sql`(i.target_type = ${parsed.type} and i.target_id = ${parsed.id})`;
    }
    if (/^[a-z][a-z0-9+.-]*:\S+$/i.test(part)) return sql`i.url = ${part}`;
    throw badValue(`${param.name}: not a reference`);
  });
  return inIndex('fhir_reference_index', type, param.name, alternatives);
}

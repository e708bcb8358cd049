import { type RawBuilder, sql } from 'kysely';
import type { SearchParam } from '../../definitions/search-parameters.js';
import { badValue } from '../../outcome.js';
import { normalizeText } from '../normalize.js';
import { splitEscaped, splitOr } from '../values.js';
import { type Condition, inIndex, like, likePattern } from './sql.js';

/**
 * Token search (R4 search.html §3.1.1.4.3): `code`, `system|code`, `|code`, `system|`; with
 * `:not` the resource must have no matching token, with `:text` the display or text must start
 * with the value. `_id` reads the resources table.
 */
export function tokenCondition(
  type: string,
  param: SearchParam,
  modifier: string | undefined,
  value: string,
): Condition {
  const parts = splitOr(value);
  if (param.column === 'id') {
    if (modifier) throw badValue(`${param.name}: no modifier applies`);
    return sql`r.id in (${sql.join(parts.map(nonEmpty(param.name)))})`;
  }
  if (modifier === 'text') {
    const texts = parts.map(nonEmpty(param.name)).map((t) => normalizeText(t));
    return inIndex(
      'fhir_token_index',
      type,
      param.name,
      texts.map((t) => like('i.text', likePattern(t, 'prefix'))),
    );
  }
  const alternatives = parts.map((part) => tokenMatch(part, param.name));
  return inIndex('fhir_token_index', type, param.name, alternatives, modifier === 'not');
}

function tokenMatch(part: string, name: string): RawBuilder<unknown> {
  const pieces = splitEscaped(part, '|');
  if (pieces.length > 2) throw badValue(`${name}: a token has at most one |`);
  if (pieces.length === 1) {
    return sql`i.code = ${nonEmpty(name)(pieces[0] as string)}`;
  }
  const [system, code] = pieces as [string, string];
  if (!system && !code) throw badValue(`${name}: empty token`);
  if (!system) return sql`(i.code = ${code} and i.system is null)`;
  if (!code) return sql`i.system = ${system}`;
  return sql`(i.system = ${system} and i.code = ${code})`;
}

const nonEmpty = (name: string) => (text: string) => {
  if (!text) throw badValue(`${name}: empty value`);
  return text;
};

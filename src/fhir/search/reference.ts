import { isValidId } from '../definitions/resource-types.js';

export interface ParsedReference {
  type: string;
  id: string;
}

/**
 * Reads a literal reference: `Type/id`, `Type/id/_history/n`, or an absolute URL under Kardia's
 * own FHIR base. Anything else (another server, a urn, a contained `#ref`) gives undefined.
 * Types outside the served set still parse, so references to them index and search correctly.
 */
export function parseReference(reference: string, base: string): ParsedReference | undefined {
  let path = reference;
  if (/^[a-z][a-z0-9+.-]*:/i.test(reference)) {
    if (!reference.startsWith(`${base}/`)) return undefined;
    path = reference.slice(base.length + 1);
  }
  const [type, id, history] = path.split('/', 4);
  const segments = path.split('/').length;
  if (!type || !id || !/^[A-Z][A-Za-z]+$/.test(type) || !isValidId(id)) return undefined;
  if (segments !== 2 && !(segments === 4 && history === '_history')) return undefined;
  return { type, id };
}

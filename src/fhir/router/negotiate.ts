import { FhirError, badRequest } from '../outcome.js';
import type { FhirRequest } from './http-types.js';

/**
 * Media types and preferences (spec Part 3.3, FHIR-2, FHIR-3, FHIR-22, FHIR-24). Kardia speaks
 * JSON only: `_format` wins over `Accept`; 406 when neither allows JSON, 415 for a body it
 * cannot read.
 */
export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json']);

export function checkAcceptable(request: FhirRequest): void {
  const format = request.query.find(([name]) => name === '_format')?.[1];
  if (format !== undefined) {
    if (JSON_FORMATS.has(mediaType(format))) return;
    throw notAcceptable();
  }
  const accept = request.headers.accept;
  if (!accept) return;
  const ranges = accept.split(',').map((range) => mediaType(range));
  const json = ranges.some(
    (r) => r === '*/*' || r === 'application/*' || JSON_FORMATS.has(r) || r.endsWith('+json'),
  );
  if (!json) throw notAcceptable();
}

const notAcceptable = () =>
  new FhirError('not-acceptable', 'not-supported', 'Kardia answers in application/fhir+json only');

/** The media type without parameters, lower case. */
export function mediaType(value: string): string {
  return (value.split(';')[0] ?? '').trim().toLowerCase();
}

export type BodyKind = 'resource' | 'patch' | 'form';

const BODY_TYPES: Record<BodyKind, string[]> = {
  resource: ['application/fhir+json', 'application/json'],
  patch: ['application/json-patch+json'],
  form: ['application/x-www-form-urlencoded'],
};

/** Reads the body as the interaction expects it; 415 for another media type, 400 for bad JSON. */
export function readBody(request: FhirRequest, kind: BodyKind): unknown {
  const type = mediaType(request.headers['content-type'] ?? '');
  if (!BODY_TYPES[kind].includes(type)) {
    const wanted = BODY_TYPES[kind].join(' or ');
    throw new FhirError('unsupported-media-type', 'not-supported', `the body must be ${wanted}`);
  }
  const text = request.body ?? '';
  if (kind === 'form') return [...new URLSearchParams(text)];
  if (!text.trim()) throw new FhirError('bad-request', 'structure', 'the request body is empty');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new FhirError('bad-request', 'structure', 'the request body is not valid JSON');
  }
}

export interface Preferences {
  return: 'minimal' | 'representation' | 'OperationOutcome';
  strict: boolean;
}

/** RFC 7240 `Prefer`, as FHIR uses it: `return=` and `handling=`. Unknown preferences are ignored. */
export function preferences(request: FhirRequest): Preferences {
  const result: Preferences = { return: 'representation', strict: false };
  for (const part of (request.headers.prefer ?? '').split(/[,;]/)) {
    const [name, raw] = part.split('=').map((s) => s.trim());
    const value = raw?.replace(/^"|"$/g, '');
    if (name === 'return' && (value === 'minimal' || value === 'OperationOutcome')) {
      result.return = value;
    }
    if (name === 'handling' && value === 'strict') result.strict = true;
  }
  return result;
}

/** `If-Match` only names a version; other shapes are 400 rather than silently ignored. */
export function ifMatch(request: FhirRequest): string | undefined {
  const value = request.headers['if-match'];
  if (value === undefined) return undefined;
  if (!/^(W\/)?"?[1-9]\d{0,9}"?$/.test(value.trim()))
    throw badRequest('If-Match is not a version ETag');
  return value;
}

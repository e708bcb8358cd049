import type { FhirInteraction } from '../access-port.js';
import {
  type TypeInteraction,
  allows,
  isServedType,
  isValidId,
} from '../definitions/resource-types.js';
import { FhirError, badRequest, badValue } from '../outcome.js';
import type { FhirRequest } from './http-types.js';

/** A request once its method and path are understood (FHIR R4 http.html §3.1.0, spec 3.2). */
export interface Route {
  interaction: FhirInteraction;
  /** `POST [base]`: the body decides between transaction and batch. */
  bundle?: boolean;
  versionId?: string;
  /** `POST [type]/_search`: parameters come from the form body too. */
  searchByPost?: boolean;
}

/** Maps method and path to an interaction; 404 for an unserved type, 405 for other methods. */
export function parseRoute(request: FhirRequest): Route {
  const segments = request.path === '' ? [] : request.path.split('/').map(decode);
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  const [first, second, third, fourth, ...rest] = segments;
  if (rest.length) throw unknownPath();

  if (first === undefined) {
    if (method === 'POST') return { interaction: { kind: 'batch' }, bundle: true };
    throw notOffered('system-level search is not offered');
  }
  if (first === 'metadata' && second === undefined) {
    if (method !== 'GET') throw methodNotAllowed();
    return { interaction: { kind: 'capabilities' } };
  }
  if (first.startsWith('_') || first.startsWith('$')) throw notOffered(`${first} is not offered`);
  const type = servedType(first);

  if (second === undefined) {
    if (method === 'GET') return typed('search-type', type);
    if (method === 'POST') return typed('create', type);
    throw methodNotAllowed();
  }
  if (second === '_search' && third === undefined) {
    if (method !== 'POST') throw methodNotAllowed();
    return { ...typed('search-type', type), searchByPost: true };
  }
  if (second === '_history' && third === undefined) {
    if (method !== 'GET') throw methodNotAllowed();
    return typed('history-type', type);
  }
  const id = checkId(second);
  if (third === undefined) {
    const kind = ({ GET: 'read', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as const)[
      method as 'GET'
    ];
    if (!kind) throw methodNotAllowed();
    return typed(kind, type, id);
  }
  if (third === '_history') {
    if (method !== 'GET') throw methodNotAllowed();
    if (fourth === undefined) return typed('history-instance', type, id);
    return { ...typed('vread', type, id), versionId: fourth };
  }
  if (type === 'Patient' && fourth === undefined) {
    if (method !== 'GET') throw methodNotAllowed();
    const target = servedType(third);
    allowed(target, 'search-type');
    return {
      interaction: {
        kind: 'search-compartment',
        resourceType: target,
        compartment: { type: 'Patient', id },
      },
    };
  }
  throw unknownPath();
}

function typed(kind: TypeInteraction, type: string, id?: string): Route {
  allowed(type, kind);
  return { interaction: { kind, resourceType: type, ...(id !== undefined ? { id } : {}) } };
}

function allowed(type: string, kind: TypeInteraction): void {
  if (!allows(type, kind)) {
    throw new FhirError('method-not-allowed', 'not-supported', `${kind} is not offered on ${type}`);
  }
}

/** Spec Part 3.1: type names are case-sensitive; an unserved type is 404 `not-supported`. */
function servedType(name: string): string {
  if (!isServedType(name)) {
    throw new FhirError('not-found', 'not-supported', 'resource type not served');
  }
  return name;
}

function checkId(id: string): string {
  if (!isValidId(id)) throw badValue('a logical id is 1 to 64 characters of A-Z a-z 0-9 - .');
  return id;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest('malformed URL');
  }
}

const unknownPath = () => new FhirError('not-found', 'not-supported', 'no such FHIR endpoint');
const notOffered = (text: string) => new FhirError('bad-request', 'not-supported', text);
const methodNotAllowed = () =>
  new FhirError('method-not-allowed', 'not-supported', 'method not allowed here');

import { FhirError, badRequest } from '../outcome.js';

/**
 * JSON Patch (RFC 6902) over a resource, as FHIR R4 http.html §3.1.0.6 allows. The result is a
 * new object; the input is untouched. Operations that would change `id` or `resourceType` are
 * refused with 400 (spec Part 3.2), a failed `test` with 422.
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Operation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: Json;
}

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

export function applyJsonPatch(document: object, patch: unknown): Record<string, unknown> {
  const operations = parsePatch(patch);
  let result = structuredClone(document) as Json;
  for (const [index, operation] of operations.entries()) {
    result = applyOne(result, operation, `patch[${index}]`);
  }
  if (typeof result !== 'object' || result === null || Array.isArray(result)) {
    throw badRequest('the patch must leave a resource object');
  }
  return result;
}

function parsePatch(patch: unknown): Operation[] {
  if (!Array.isArray(patch)) throw badRequest('a JSON Patch document is an array of operations');
  return patch.map((raw: unknown, index) => {
    const op = raw as Partial<Operation>;
    const where = [`patch[${index}]`];
    if (typeof raw !== 'object' || raw === null || !OPS.has(String(op.op))) {
      throw badRequest('unknown JSON Patch operation', where);
    }
    if (typeof op.path !== 'string') throw badRequest('operation without a path', where);
    if ((op.op === 'move' || op.op === 'copy') && typeof op.from !== 'string') {
      throw badRequest('move and copy need from', where);
    }
    if ((op.op === 'add' || op.op === 'replace' || op.op === 'test') && !('value' in op)) {
      throw badRequest('operation without a value', where);
    }
    const touchesIdentity = (path: string | undefined) =>
      path === '' || (path !== undefined && /^\/(id|resourceType)(\/|$)/.test(path));
    if (
      (op.op !== 'test' && touchesIdentity(op.path)) ||
      (op.op === 'move' && touchesIdentity(op.from))
    ) {
      throw badRequest('a patch may not change id or resourceType', where);
    }
    return op as Operation;
  });
}

function applyOne(doc: Json, operation: Operation, where: string): Json {
  switch (operation.op) {
    case 'add':
      return insert(doc, pointer(operation.path, where), clone(operation.value), where);
    case 'remove':
      return remove(doc, pointer(operation.path, where), where).doc;
    case 'replace': {
      const path = pointer(operation.path, where);
      get(doc, path, where);
      return insert(remove(doc, path, where).doc, path, clone(operation.value), where);
    }
    case 'move': {
      const from = pointer(operation.from ?? '', where);
      const path = pointer(operation.path, where);
      if (operation.path.startsWith(`${operation.from}/`)) {
        throw badRequest('cannot move a value into itself', [where]);
      }
      const removed = remove(doc, from, where);
      return insert(removed.doc, path, removed.value, where);
    }
    case 'copy': {
      const value = get(doc, pointer(operation.from ?? '', where), where);
      return insert(doc, pointer(operation.path, where), clone(value), where);
    }
    case 'test': {
      const actual = get(doc, pointer(operation.path, where), where);
      if (!deepEqual(actual, operation.value ?? null)) {
        throw new FhirError('unprocessable', 'business-rule', 'JSON Patch test failed', {
          expression: [where],
        });
      }
      return doc;
    }
  }
}

/** RFC 6901 JSON Pointer, split into unescaped tokens. */
function pointer(path: string, where: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest('a JSON Pointer starts with /', [where]);
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function get(doc: Json, path: string[], where: string): Json {
  let node = doc;
  for (const token of path) {
    const next = child(node, token);
    if (next === undefined) throw badRequest('the patch path does not exist', [where]);
    node = next;
  }
  return node;
}

function child(node: Json, token: string): Json | undefined {
  if (Array.isArray(node)) return /^(0|[1-9]\d*)$/.test(token) ? node[Number(token)] : undefined;
  if (typeof node === 'object' && node !== null && Object.hasOwn(node, token)) return node[token];
  return undefined;
}

function insert(doc: Json, path: string[], value: Json, where: string): Json {
  if (path.length === 0) return value;
  const parent = get(doc, path.slice(0, -1), where);
  const last = path[path.length - 1] as string;
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    if (!/^(0|[1-9]\d*|-)$/.test(last) || index > parent.length) {
      throw badRequest('array index out of range', [where]);
    }
    parent.splice(index, 0, value);
  } else if (typeof parent === 'object' && parent !== null) {
    if (last === '__proto__') throw badRequest('invalid member name', [where]);
    parent[last] = value;
  } else {
    throw badRequest('the patch path does not name a container', [where]);
  }
  return doc;
}

function remove(doc: Json, path: string[], where: string): { doc: Json; value: Json } {
  if (path.length === 0) throw badRequest('cannot remove the whole resource', [where]);
  const parent = get(doc, path.slice(0, -1), where);
  const last = path[path.length - 1] as string;
  const value = child(parent, last);
  if (value === undefined) throw badRequest('the patch path does not exist', [where]);
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete (parent as Record<string, Json>)[last];
  return { doc, value };
}

const clone = (value: Json | undefined): Json => structuredClone(value ?? null);

function deepEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((k) =>
    deepEqual((a as Record<string, Json>)[k] ?? null, (b as Record<string, Json>)[k] ?? null),
  );
}

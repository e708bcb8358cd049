import { type SearchParam, searchParam, searchParamsOf } from '../definitions/search-parameters.js';
import { isServedType } from '../definitions/resource-types.js';
import { badValue, notSupported } from '../outcome.js';
import { type Condition, conditionFor } from './conditions/index.js';
import { PAGE_SIZE } from './limits.js';

export interface SortKey {
  param: SearchParam;
  descending: boolean;
}

export interface IncludeSpec {
  /** The type holding the reference: the searched type for _include, another for _revinclude. */
  sourceType: string;
  param: SearchParam;
  targetType?: string;
}

/** A search once its query is understood (spec Part 3.5); nothing here has touched storage. */
export interface SearchRequest {
  type: string;
  /** Patient id of a compartment search (`Patient/{id}/{type}`). */
  compartment?: string;
  conditions: Condition[];
  count: number;
  offset: number;
  sort: SortKey[];
  total: 'none' | 'estimate' | 'accurate';
  summaryCount: boolean;
  include: IncludeSpec[];
  revinclude: IncludeSpec[];
  /** The parameters applied, as written: the `self` link and the paging cursor carry them. */
  applied: [string, string][];
  /** Names of parameters left out (lenient mode). */
  ignored: string[];
}

/** Parameters that shape the HTTP answer, not the search; never echoed, never refused. */
const FORMAT_PARAMETERS = new Set(['_format', '_pretty']);

export function parseSearchRequest(
  type: string,
  params: readonly [string, string][],
  options: { strict: boolean; base: string; compartment?: string; offset?: number },
): SearchRequest {
  const request: SearchRequest = {
    type,
    compartment: options.compartment,
    conditions: [],
    count: PAGE_SIZE.default,
    offset: options.offset ?? 0,
    sort: [],
    total: 'accurate',
    summaryCount: false,
    include: [],
    revinclude: [],
    applied: [],
    ignored: [],
  };
  const ignore = (name: string) => {
    if (options.strict) throw notSupported(`parameter ${name} is not supported`);
    request.ignored.push(name);
  };
  for (const [key, value] of params) {
    if (FORMAT_PARAMETERS.has(key)) continue;
    if (value === '') continue; // R4 search.html §3.1.1: a parameter without a value is ignored
    const applied = applyParameter(request, key, value, options.base, ignore);
    if (applied !== undefined) request.applied.push([key, applied]);
  }
  return request;
}

/** Applies one parameter; answers the value to echo, or undefined when it was ignored. */
function applyParameter(
  request: SearchRequest,
  key: string,
  value: string,
  base: string,
  ignore: (name: string) => void,
): string | undefined {
  const [name, modifier] = splitModifier(key);
  switch (name) {
    case '_count':
      return applyCount(request, value, modifier);
    case '_sort':
      return applySort(request, value, ignore);
    case '_total':
      if (!['none', 'estimate', 'accurate'].includes(value))
        throw badValue('_total: unknown value');
      request.total = value as SearchRequest['total'];
      return value;
    case '_summary':
      if (value !== 'count') return void ignore(`_summary=${value}`);
      request.summaryCount = true;
      return value;
    case '_include':
    case '_revinclude':
      if (modifier) throw notSupported(`${key} is not supported`);
      addInclude(request, name, value);
      return value;
  }
  const param = searchParam(request.type, name);
  if (!param || name.includes('.')) return void ignore(name);
  request.conditions.push(conditionFor(request.type, param, modifier, value, base));
  return value;
}

function splitModifier(key: string): [string, string | undefined] {
  const colon = key.indexOf(':');
  return colon === -1 ? [key, undefined] : [key.slice(0, colon), key.slice(colon + 1)];
}

function applyCount(request: SearchRequest, value: string, modifier: string | undefined): string {
  if (modifier || !/^\d{1,9}$/.test(value)) throw badValue('_count: not a whole number');
  const count = Math.min(Number(value), PAGE_SIZE.max);
  if (count === 0) request.summaryCount = true;
  request.count = count;
  return String(count);
}

/** `_sort`: `_id`, `_lastUpdated` and the type's date parameters, `-` for descending. */
function applySort(
  request: SearchRequest,
  value: string,
  ignore: (name: string) => void,
): string | undefined {
  const keys: string[] = [];
  for (const key of value.split(',')) {
    const descending = key.startsWith('-');
    const param = searchParam(request.type, descending ? key.slice(1) : key);
    if (!param || (param.kind !== 'date' && param.column !== 'id')) {
      ignore(`_sort=${key}`);
      continue;
    }
    request.sort.push({ param, descending });
    keys.push(key);
  }
  return keys.length ? keys.join(',') : undefined;
}

/** `Type:param` or `Type:param:Target`; `*` and `:iterate` are not offered (spec Part 3.5). */
function addInclude(request: SearchRequest, name: '_include' | '_revinclude', value: string) {
  if (value.includes('*')) throw notSupported(`${name}=* is not supported`);
  const [sourceType, paramName, targetType, extra] = value.split(':');
  if (!sourceType || !paramName || extra !== undefined) {
    throw badValue(`${name}: expected Type:parameter[:TargetType]`);
  }
  const param = searchParamsOf(sourceType)?.get(paramName);
  if (!isServedType(sourceType) || param?.kind !== 'reference') {
    throw badValue(`${name}: ${sourceType}:${paramName} is not a reference parameter`);
  }
  if (targetType !== undefined && !isServedType(targetType)) {
    throw badValue(`${name}: ${targetType} is not a served type`);
  }
  if (name === '_include' && sourceType !== request.type) {
    throw badValue(`_include must start at the searched type ${request.type}`);
  }
  const spec: IncludeSpec = { sourceType, param, targetType };
  if (name === '_include') request.include.push(spec);
  else request.revinclude.push(spec);
}

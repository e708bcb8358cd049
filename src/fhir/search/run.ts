import type { Resource } from '@medplum/fhirtypes';
import { type RawBuilder, sql } from 'kysely';
import type { RecordScope } from '../access-port.js';
import { isCompartmentType } from '../definitions/compartment.js';
import { visibleTo } from '../repository/scope.js';
import type { Db } from '../repository/write.js';
import { type Condition, perRow } from './conditions/index.js';
import { MAX_INCLUDES_PER_PAGE } from './limits.js';
import type { IncludeSpec, SearchRequest, SortKey } from './request.js';

export interface SearchResult {
  matches: Resource[];
  includes: Resource[];
  total?: number;
  hasNext: boolean;
}

/**
 * Runs a parsed search: filter (search conditions, compartment, caller scope) then sort then
 * page, then includes for this page only (spec Part 3.5 processing order). Paging is by offset
 * over an order that always ends with the id, so pages neither skip nor repeat while the data
 * is unchanged. The caller's scope is part of every query, so totals count only what it may see.
 */
export async function runSearch(
  db: Db,
  request: SearchRequest,
  scope: RecordScope,
): Promise<SearchResult> {
  const scoped = scopeConditions(request, scope);
  const conditions = [
    ...(inCompartment(request, scope) ? request.conditions.map(perRow) : request.conditions),
    ...scoped,
  ];
  const total =
    request.total === 'none' && !request.summaryCount
      ? undefined
      : await countMatches(db, request.type, conditions);
  if (request.summaryCount) return { matches: [], includes: [], total, hasNext: false };

  let query = filtered(db, request.type, conditions).select(['r.content']);
  for (const order of orderBy(request.sort)) query = query.orderBy(order);
  const rows = await query
    .limit(request.count + 1)
    .offset(request.offset)
    .execute();
  const hasNext = rows.length > request.count;
  const matches = rows
    .slice(0, request.count)
    .map((r) => JSON.parse(r.content ?? '{}') as Resource);
  const includes = await includesFor(db, request, matches, scope);
  return { matches, includes, total, hasNext };
}

export function scopeConditions(request: SearchRequest, scope: RecordScope): Condition[] {
  const conditions: Condition[] = [];
  if (request.compartment !== undefined) {
    conditions.push(sql`r.id in (select c.id from fhir_compartments c
      where c.resource_type = ${request.type} and c.patient_id = ${request.compartment})`);
  }
  const visible = visibleTo(scope, request.type);
  if (visible) conditions.push(visible);
  return conditions;
}

/**
 * Whether the search is confined to listed compartments, which then drive the query.
 *
 * Limitation: a search with no compartment (a system/ scope) keeps every condition listed, so a
 * condition matching much of the database is read whole. Choosing the narrowest condition to
 * drive would need the index tables' statistics at query time.
 */
const inCompartment = (request: SearchRequest, scope: RecordScope): boolean =>
  request.compartment !== undefined || (scope.patients !== '*' && isCompartmentType(request.type));

function filtered(db: Db, type: string, conditions: Condition[]) {
  let query = db
    .selectFrom('fhir_resources as r')
    .where('r.resource_type', '=', type)
    .where('r.deleted', '=', 0);
  for (const condition of conditions) query = query.where(condition);
  return query;
}

async function countMatches(db: Db, type: string, conditions: Condition[]): Promise<number> {
  const row = await filtered(db, type, conditions)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** ORDER BY terms; the default is newest first, and the id always breaks ties (FHIR-27). */
function orderBy(sort: SortKey[]): RawBuilder<unknown>[] {
  const terms: RawBuilder<unknown>[] = sort.map(({ param, descending }) => {
    const direction = descending ? sql`desc` : sql`asc`;
    if (param.column === 'id') return sql`r.id ${direction}`;
    if (param.column === 'last_updated') return sql`r.last_updated ${direction}`;
    return sql`(select min(d.start_ms) from fhir_date_index d where d.resource_type = r.resource_type
      and d.id = r.id and d.param = ${param.name}) ${direction} nulls last`;
  });
  if (sort.length === 0) terms.push(sql`r.last_updated desc`);
  if (!sort.some((s) => s.param.column === 'id')) terms.push(sql`r.id asc`);
  return terms;
}

async function includesFor(
  db: Db,
  request: SearchRequest,
  matches: Resource[],
  scope: RecordScope,
): Promise<Resource[]> {
  if (!matches.length || (!request.include.length && !request.revinclude.length)) return [];
  const ids = matches.map((m) => m.id as string);
  const seen = new Set(matches.map((m) => `${m.resourceType}/${m.id}`));
  const found: Resource[] = [];
  const add = (resources: Resource[]) => {
    for (const resource of resources) {
      const key = `${resource.resourceType}/${resource.id}`;
      if (!seen.has(key) && found.length < MAX_INCLUDES_PER_PAGE) {
        seen.add(key);
        found.push(resource);
      }
    }
  };
  for (const spec of request.include)
    add(await forwardIncludes(db, request.type, ids, spec, scope));
  for (const spec of request.revinclude)
    add(await reverseIncludes(db, request.type, ids, spec, scope));
  return found;
}

/** `_include`: the resources the page's matches point to, as far as the caller may see them. */
async function forwardIncludes(
  db: Db,
  type: string,
  ids: string[],
  spec: IncludeSpec,
  scope: RecordScope,
): Promise<Resource[]> {
  let targets = db
    .selectFrom('fhir_reference_index')
    .select(['target_type', 'target_id'])
    .distinct()
    .where('resource_type', '=', type)
    .where('param', '=', spec.param.name)
    .where('id', 'in', ids)
    .where('target_id', 'is not', null);
  if (spec.targetType) targets = targets.where('target_type', '=', spec.targetType);
  const byType = new Map<string, string[]>();
  for (const row of await targets.execute()) {
    if (!row.target_type || !row.target_id) continue;
    byType.set(row.target_type, [...(byType.get(row.target_type) ?? []), row.target_id]);
  }
  const results: Resource[] = [];
  for (const [targetType, targetIds] of byType) {
    results.push(
      ...(await visibleResources(db, targetType, sql`r.id in (${sql.join(targetIds)})`, scope)),
    );
  }
  return results;
}

/** `_revinclude`: resources of another type that point at the page's matches. */
async function reverseIncludes(
  db: Db,
  type: string,
  ids: string[],
  spec: IncludeSpec,
  scope: RecordScope,
): Promise<Resource[]> {
  if (spec.targetType && spec.targetType !== type) return [];
  const pointing = sql`r.id in (select i.id from fhir_reference_index i
    where i.resource_type = ${spec.sourceType} and i.param = ${spec.param.name}
    and i.target_type = ${type} and i.target_id in (${sql.join(ids)}))`;
  return visibleResources(db, spec.sourceType, pointing, scope);
}

async function visibleResources(
  db: Db,
  type: string,
  condition: Condition | RawBuilder<unknown>,
  scope: RecordScope,
): Promise<Resource[]> {
  let query = db
    .selectFrom('fhir_resources as r')
    .select('r.content')
    .where('r.resource_type', '=', type)
    .where('r.deleted', '=', 0)
    .where(condition as Condition);
  const visible = visibleTo(scope, type);
  if (visible) query = query.where(visible);
  const rows = await query.orderBy('r.id').limit(MAX_INCLUDES_PER_PAGE).execute();
  return rows.map((r) => JSON.parse(r.content ?? '{}') as Resource);
}

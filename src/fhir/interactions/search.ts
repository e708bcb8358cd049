import type { BundleLink } from '@medplum/fhirtypes';
import { OPEN_SCOPE } from '../access-port.js';
import { allOk } from '../outcome.js';
import { callerDigest, openCursor, sealCursor } from '../search/cursor.js';
import { parseSearchRequest, type SearchRequest } from '../search/request.js';
import { runSearch, type SearchResult } from '../search/run.js';
import { searchsetBundle } from '../search/searchset.js';
import { readBody } from '../router/negotiate.js';
import type { InteractionContext, InteractionResult } from './context.js';
import { keyOf } from './context.js';

/**
 * Type search and compartment search (FHIR-14 to FHIR-30): GET with a query, or POST `_search`
 * with a form body. A `_cursor` (from a paging link) replaces the parameters with the ones it
 * sealed; the caller's scope is applied again on every page.
 */
export async function search(context: InteractionContext): Promise<InteractionResult> {
  const { interaction } = context.route;
  const type = interaction.resourceType as string;
  const path = interaction.compartment ? `Patient/${interaction.compartment.id}/${type}` : type;
  const caller = callerDigest(context.caller?.audit);

  let params = context.request.query;
  if (context.route.searchByPost)
    params = [...params, ...(readBody(context.request, 'form') as [string, string][])];
  params = params.filter(([name]) => name !== 'access_token');
  let offset = 0;
  const cursor = params.find(([name]) => name === '_cursor')?.[1];
  if (cursor !== undefined) {
    const state = await openCursor(context.store, cursor, { path, caller });
    params = state.params;
    offset = state.offset;
  }

  const request = parseSearchRequest(type, params, {
    strict: context.prefer.strict,
    base: context.base,
    compartment: interaction.compartment?.id,
    offset,
  });
  const result = await runSearch(context.repo.db, request, context.caller?.read ?? OPEN_SCOPE);
  const links = await pageLinks(context, request, result, path, caller);
  return {
    outcome: allOk,
    resource: searchsetBundle(context.base, result, links, request.ignored),
    touched: [...result.matches, ...result.includes].map(keyOf),
  };
}

/** `self` shows the applied parameters (FHIR-14); the others carry a sealed cursor (FHIR-30). */
async function pageLinks(
  context: InteractionContext,
  request: SearchRequest,
  result: SearchResult,
  path: string,
  caller: string,
): Promise<BundleLink[]> {
  const query = new URLSearchParams(request.applied).toString();
  const links: BundleLink[] = [
    { relation: 'self', url: `${context.base}/${path}${query ? `?${query}` : ''}` },
  ];
  if (request.summaryCount) return links;
  const page = async (relation: string, offset: number) => {
    const token = await sealCursor(context.store, {
      path,
      params: request.applied,
      offset,
      caller,
    });
    links.push({ relation, url: `${context.base}/${path}?_cursor=${token}` });
  };
  if (request.offset > 0 || result.hasNext) await page('first', 0);
  if (request.offset > 0) await page('previous', Math.max(0, request.offset - request.count));
  if (result.hasNext) await page('next', request.offset + request.count);
  if (result.total !== undefined && result.total > 0 && (request.offset > 0 || result.hasNext)) {
    await page('last', Math.floor((result.total - 1) / request.count) * request.count);
  }
  return links;
}

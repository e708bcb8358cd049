import type { Bundle, BundleEntry, BundleLink } from '@medplum/fhirtypes';
import { OPEN_SCOPE } from '../access-port.js';
import { allOk, badValue, notFound, notSupported } from '../outcome.js';
import type { StoredVersion } from '../repository/versions.js';
import { callerDigest, openCursor, sealCursor } from '../search/cursor.js';
import { parseDateRange } from '../search/date-range.js';
import { PAGE_SIZE } from '../search/limits.js';
import type { InteractionContext, InteractionResult } from './context.js';

/**
 * Instance and type history (FHIR-11, FHIR-31): a `history` Bundle, newest version first, each
 * entry with `request` and `response`; a deletion has no resource and method DELETE. Controls:
 * `_count`, `_since`, `_at`; paging links carry a sealed cursor like search.
 */
export async function history(context: InteractionContext): Promise<InteractionResult> {
  const { resourceType, id } = context.route.interaction as { resourceType: string; id?: string };
  const path = id ? `${resourceType}/${id}/_history` : `${resourceType}/_history`;
  const caller = callerDigest(context.caller?.audit);
  let params = context.request.query.filter(([name]) => name !== 'access_token');
  let offset = 0;
  const cursor = params.find(([name]) => name === '_cursor')?.[1];
  if (cursor !== undefined) {
    const state = await openCursor(context.store, cursor, { path, caller });
    params = state.params;
    offset = state.offset;
  }
  const controls = parseControls(params, context.prefer.strict);
  const scope = context.caller?.read ?? OPEN_SCOPE;
  const page = await context.repo.history({ type: resourceType, id, ...controls, offset }, scope);
  if (id && page.total === 0 && controls.since === undefined && controls.at === undefined) {
    throw notFound();
  }

  const links: BundleLink[] = [{ relation: 'self', url: `${context.base}/${path}` }];
  const link = async (relation: string, at: number) => {
    const token = await sealCursor(context.store, {
      path,
      params: controls.applied,
      offset: at,
      caller,
    });
    links.push({ relation, url: `${context.base}/${path}?_cursor=${token}` });
  };
  if (page.hasNext) await link('next', offset + controls.count);
  if (offset > 0) await link('previous', Math.max(0, offset - controls.count));

  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'history',
    total: page.total,
    link: links,
    entry: page.versions.map((v) => historyEntry(context.base, v)),
  };
  return {
    outcome: allOk,
    resource: bundle,
    touched: [...new Set(page.versions.map((v) => `${v.type}/${v.id}`))],
  };
}

function parseControls(params: [string, string][], strict: boolean) {
  const controls = {
    count: PAGE_SIZE.default as number,
    since: undefined as number | undefined,
    at: undefined as number | undefined,
    applied: [] as [string, string][],
  };
  for (const [name, value] of params) {
    if (name === '_format' || name === '_pretty') continue;
    if (name === '_count') {
      if (!/^\d{1,9}$/.test(value) || value === '0')
        throw badValue('_count: not a positive number');
      controls.count = Math.min(Number(value), PAGE_SIZE.max);
    } else if (name === '_since' || name === '_at') {
      const range = parseDateRange(value);
      if (!range) throw badValue(`${name}: not a FHIR instant`);
      controls[name === '_since' ? 'since' : 'at'] =
        name === '_since' ? range.start : range.end - 1;
    } else {
      if (strict) throw notSupported(`parameter ${name} is not supported on history`);
      continue;
    }
    controls.applied.push([name, value]);
  }
  return controls;
}

function historyEntry(base: string, version: StoredVersion): BundleEntry {
  const url = `${version.type}/${version.id}`;
  const lastModified = new Date(version.lastUpdated).toISOString();
  const etag = `W/"${version.version}"`;
  if (version.deleted) {
    return {
      fullUrl: `${base}/${url}`,
      request: { method: 'DELETE', url },
      response: { status: '204 No Content', etag, lastModified },
    };
  }
  const first = version.version === 1;
  return {
    fullUrl: `${base}/${url}`,
    resource: JSON.parse(version.json ?? '{}'),
    request: { method: first ? 'POST' : 'PUT', url: first ? version.type : url },
    response: { status: first ? '201 Created' : '200 OK', etag, lastModified },
  };
}

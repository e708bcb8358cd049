import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { type FhirCaller, type FhirInteraction, OPEN_SCOPE } from '../access-port.js';
import { allows, isServedType, isValidId } from '../definitions/resource-types.js';
import { FhirError, badRequest } from '../outcome.js';
import { searchsetBundle } from '../search/searchset.js';
import { entryResponse, failedEntryResponse } from './bundle-response.js';
import type { BundleOptions, FhirRepository, WriteOptions } from './repository.js';

/**
 * Batch and transaction Bundles (FHIR R4 http.html §3.1.0.11, spec Part 3.2, FHIR-32). A batch
 * runs each entry on its own; a transaction runs in one database transaction, deletes first, then
 * creates, then updates and patches, then reads, with `urn:uuid:` full URLs replaced by the
 * assigned `Type/id` in every reference. One failing entry fails the whole transaction and
 * nothing it wrote remains.
 */
interface Planned {
  index: number;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  interaction: FhirInteraction;
  type: string;
  id?: string;
  versionId?: string;
  query?: [string, string][];
  resource?: Record<string, unknown>;
  fullUrl?: string;
  ifMatch?: string;
  ifNoneExist?: string;
  caller?: FhirCaller;
  /** A conditional create that matched: the existing resource, nothing is written. */
  matched?: Resource;
}

const ORDER: Record<Planned['method'], number> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3 };

export async function processBundle(
  repo: FhirRepository,
  body: unknown,
  options: BundleOptions,
): Promise<Bundle> {
  const bundle = body as Bundle;
  if (typeof body !== 'object' || body === null || bundle.resourceType !== 'Bundle') {
    throw new FhirError('bad-request', 'structure', 'expected a Bundle', {
      expression: ['Bundle'],
    });
  }
  if (bundle.type !== 'transaction' && bundle.type !== 'batch') {
    throw badRequest('Bundle.type must be transaction or batch', ['Bundle.type']);
  }
  if (bundle.entry !== undefined && !Array.isArray(bundle.entry)) {
    throw new FhirError('bad-request', 'structure', 'Bundle.entry must be an array', {
      expression: ['Bundle.entry'],
    });
  }
  const entries = bundle.entry ?? [];
  return bundle.type === 'transaction'
    ? runTransaction(repo, entries, options)
    : runBatch(repo, entries, options);
}

async function runTransaction(
  repo: FhirRepository,
  entries: BundleEntry[],
  options: BundleOptions,
): Promise<Bundle> {
  const plans = entries.map((entry, index) =>
    inEntrySync(index, () => plan(entry, index, repo.base)),
  );
  checkDistinct(plans);
  const responses = await repo.atomically(async (trx) => {
    for (const p of plans) p.caller = await inEntry(p.index, () => authorize(p, options));
    const references = await assignIds(trx, plans);
    for (const p of plans) p.ifNoneExist = undefined;
    for (const p of plans) if (p.resource) rewriteReferences(p.resource, references);
    const out: BundleEntry[] = new Array(plans.length);
    for (const p of [...plans].sort((a, b) => ORDER[a.method] - ORDER[b.method])) {
      out[p.index] = await inEntry(p.index, () => execute(trx, p, options));
      await options.afterEntry?.(
        p.interaction,
        p.caller,
        Number.parseInt(out[p.index]?.response?.status ?? '200', 10),
      );
    }
    return out;
  });
  return { resourceType: 'Bundle', type: 'transaction-response', entry: responses };
}

async function runBatch(
  repo: FhirRepository,
  entries: BundleEntry[],
  options: BundleOptions,
): Promise<Bundle> {
  const responses: BundleEntry[] = [];
  for (const [index, entry] of entries.entries()) {
    let planned: Planned | undefined;
    try {
      planned = plan(entry, index, repo.base);
      planned.caller = await authorize(planned, options);
      if (planned.method === 'POST') planned.id = randomUUID();
      const p = planned;
      responses.push(await repo.atomically((trx) => execute(trx, p, options)));
      await options.afterEntry?.(
        p.interaction,
        p.caller,
        Number.parseInt(responses[index]?.response?.status ?? '200', 10),
      );
    } catch (error) {
      if (!(error instanceof FhirError)) throw error;
      responses.push(failedEntryResponse(error));
      if (planned) await options.afterEntry?.(planned.interaction, planned.caller, error.status);
    }
  }
  return { resourceType: 'Bundle', type: 'batch-response', entry: responses };
}

/** Reads one entry's request into a plan; anything malformed is a 400 naming the entry. */
function plan(entry: BundleEntry, index: number, base: string): Planned {
  const where = `Bundle.entry[${index}].request`;
  const request = entry?.request;
  const method = request?.method;
  if (!request || typeof request.url !== 'string' || !method || !(method in ORDER)) {
    throw badRequest('each entry needs request.method and request.url', [where]);
  }
  let url = request.url;
  if (url.startsWith(`${base}/`)) url = url.slice(base.length + 1);
  const [path = '', queryString] = url.split('?', 2);
  const [type = '', id, history, versionId, ...rest] = path.split('/');
  if (rest.length || (history !== undefined && history !== '_history')) {
    throw badRequest('request.url is not a FHIR interaction Kardia serves', [`${where}.url`]);
  }
  if (!isServedType(type)) {
    throw new FhirError('not-found', 'not-supported', `resource type ${type} is not served`, {
      expression: [`${where}.url`],
    });
  }
  if (id !== undefined && !isValidId(id)) throw badRequest('invalid id', [`${where}.url`]);
  const planned: Planned = {
    index,
    method: method as Planned['method'],
    interaction: { kind: 'read', resourceType: type, id },
    type,
    id,
    versionId,
    query: queryString !== undefined ? [...new URLSearchParams(queryString)] : undefined,
    resource: entry.resource as Record<string, unknown> | undefined,
    fullUrl: entry.fullUrl,
    ifMatch: request.ifMatch,
    ifNoneExist: request.ifNoneExist,
  };
  planned.interaction.kind = interactionKind(planned, where);
  if (!allows(type, planned.interaction.kind as never)) {
    throw new FhirError(
      'method-not-allowed',
      'not-supported',
      `${type} does not allow this interaction`,
    );
  }
  return planned;
}

function interactionKind(p: Planned, where: string): FhirInteraction['kind'] {
  const needsId = () => {
    if (!p.id || p.query)
      throw badRequest(`${p.method} needs [type]/[id] (conditional forms are not offered)`, [
        where,
      ]);
  };
  switch (p.method) {
    case 'GET':
      if (!p.id) return 'search-type';
      return p.versionId !== undefined ? 'vread' : 'read';
    case 'POST':
      if (p.id || p.query) throw badRequest('POST takes the type only', [where]);
      return 'create';
    case 'PUT':
      needsId();
      return 'update';
    case 'PATCH':
      needsId();
      return 'patch';
    case 'DELETE':
      needsId();
      return 'delete';
  }
}

/** FHIR R4 §3.1.0.11.2: one resource may be touched by only one entry of a transaction. */
function checkDistinct(plans: Planned[]): void {
  const seen = new Set<string>();
  for (const p of plans) {
    if (!p.id || p.method === 'GET') continue;
    const key = `${p.type}/${p.id}`;
    if (seen.has(key)) throw badRequest(`entry ${p.index} touches ${key} a second time`);
    seen.add(key);
  }
}

async function authorize(p: Planned, options: BundleOptions): Promise<FhirCaller | undefined> {
  return options.authorizeEntry?.(p.interaction);
}

/** Conditional creates are matched first; every other create gets its id before any write. */
async function assignIds(repo: FhirRepository, plans: Planned[]): Promise<Map<string, string>> {
  const references = new Map<string, string>();
  for (const p of plans) {
    if (p.method === 'POST' && p.ifNoneExist) {
      p.matched = await inEntry(p.index, () => conditionalMatch(repo, p));
    }
    if (p.method === 'POST' && !p.matched) p.id = randomUUID();
    const id = p.matched?.id ?? p.id;
    if (p.fullUrl && id && p.method !== 'GET' && p.method !== 'DELETE') {
      references.set(p.fullUrl, `${p.type}/${id}`);
    }
  }
  return references;
}

async function conditionalMatch(repo: FhirRepository, p: Planned): Promise<Resource | undefined> {
  const params = [...new URLSearchParams(p.ifNoneExist)];
  const result = await repo.search(p.type, params, {
    strict: true,
    scope: p.caller?.read ?? OPEN_SCOPE,
  });
  if (result.matches.length > 1) {
    throw new FhirError(
      'precondition-failed',
      'multiple-matches',
      'ifNoneExist matched more than one resource',
    );
  }
  return result.matches[0];
}

/** Replaces every `reference` that names a full URL of this transaction (R4 §3.1.0.11.2). */
function rewriteReferences(node: unknown, references: Map<string, string>): void {
  if (Array.isArray(node)) {
    for (const item of node) rewriteReferences(item, references);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const record = node as Record<string, unknown>;
  for (const [key, value] of Object.entries(record)) {
    if (key === 'reference' && typeof value === 'string' && references.has(value)) {
      record[key] = references.get(value);
    } else {
      rewriteReferences(value, references);
    }
  }
}

async function execute(
  repo: FhirRepository,
  p: Planned,
  options: BundleOptions,
): Promise<BundleEntry> {
  const write: WriteOptions = {
    owner: p.caller?.owner ?? options.owner,
    scope: p.caller?.write,
    readScope: p.caller?.read,
    ifMatch: p.ifMatch,
  };
  const readScope = p.caller?.read ?? OPEN_SCOPE;
  switch (p.method) {
    case 'GET':
      if (p.versionId !== undefined) {
        return entryResponse(
          repo.base,
          'ok',
          await repo.vread(p.type, p.id as string, p.versionId, readScope),
        );
      }
      if (p.id) return entryResponse(repo.base, 'ok', await repo.read(p.type, p.id, readScope));
      return {
        resource: searchsetBundle(
          repo.base,
          await repo.search(p.type, p.query ?? [], { scope: readScope }),
        ),
        response: { status: '200 OK' },
      };
    case 'POST': {
      if (p.matched) return entryResponse(repo.base, 'ok', p.matched);
      const created = await repo.create(requireResource(p), {
        ...write,
        assignedId: p.id,
        ifNoneExist: p.ifNoneExist,
      });
      return entryResponse(repo.base, created.created ? 'created' : 'ok', created.resource);
    }
    case 'PUT': {
      const updated = await repo.update(requireResource(p), write);
      if (updated.resource.id !== p.id) throw badRequest('the resource id differs from the URL');
      return entryResponse(repo.base, updated.created ? 'created' : 'ok', updated.resource);
    }
    case 'PATCH':
      return entryResponse(
        repo.base,
        'ok',
        await repo.patch(p.type, p.id as string, patchOf(p), write),
      );
    case 'DELETE':
      await repo.delete(p.type, p.id as string, write);
      return { response: { status: '204 No Content' } };
  }
}

function requireResource(p: Planned): Record<string, unknown> {
  if (!p.resource)
    throw badRequest(`${p.method} needs a resource`, [`Bundle.entry[${p.index}].resource`]);
  if (p.resource.resourceType !== p.type) {
    throw badRequest('the resource type differs from the URL', [
      `Bundle.entry[${p.index}].resource`,
    ]);
  }
  return p.resource;
}

/** A PATCH entry carries the JSON Patch as a Binary (R4 http.html §3.1.0.11.1). */
function patchOf(p: Planned): unknown {
  const binary = p.resource as
    { resourceType?: string; contentType?: string; data?: string } | undefined;
  if (
    binary?.resourceType !== 'Binary' ||
    binary.contentType !== 'application/json-patch+json' ||
    !binary.data
  ) {
    throw badRequest('a PATCH entry carries a Binary of application/json-patch+json');
  }
  try {
    return JSON.parse(Buffer.from(binary.data, 'base64').toString('utf8')) as unknown;
  } catch {
    throw badRequest('the PATCH entry does not hold JSON');
  }
}

/** Runs one step of an entry, so a failure names the entry it came from. */
async function inEntry<T>(index: number, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw namedEntry(index, error);
  }
}

function inEntrySync<T>(index: number, step: () => T): T {
  try {
    return step();
  } catch (error) {
    throw namedEntry(index, error);
  }
}

function namedEntry(index: number, error: unknown): unknown {
  if (error instanceof FhirError) {
    for (const issue of error.outcome.issue) {
      issue.diagnostics = `entry ${index}: ${issue.diagnostics ?? ''}`;
    }
  }
  return error;
}

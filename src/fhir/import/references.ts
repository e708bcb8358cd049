import { randomUUID } from 'node:crypto';
import { isValidId } from '../definitions/resource-types.js';
import { ImportError } from './errors.js';
import type { InputItem } from './source.js';

/** `Type/id`, optionally `/_history/vid`, at the end of a URL or alone. */
const RELATIVE =
  /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const TYPE = /^[A-Z][A-Za-z]{1,63}$/;

/** The new identity of one input resource. */
export interface Placement {
  type: string;
  id: string;
}

/**
 * Every resource of the input gets a new server id, and every reference inside the input is
 * rewritten to it: `urn:uuid:` and `urn:oid:` full URLs (FHIR R4 bundle.html §3.3.1), absolute
 * full URLs, and relative `Type/id` references to a resource the input also holds. New ids mean
 * an import never overwrites a resource already stored, whoever owns it. References to
 * resources outside the input are kept as written.
 */
export class IdentityMap {
  private readonly targets = new Map<string, string>();
  private readonly seenAt = new Map<string, string>();

  /** Pass one: learns the names an item is known by and gives it a new id. */
  place(item: InputItem): Placement {
    const type = item.resource.resourceType as string;
    if (!TYPE.test(type))
      throw new ImportError('resourceType is not a resource type', item.position);
    const placement = { type, id: randomUUID() };
    const target = `${type}/${placement.id}`;
    for (const name of namesOf(item, type)) {
      const earlier = this.seenAt.get(name);
      if (earlier) throw new ImportError(`${name} already names ${earlier}`, item.position);
      this.seenAt.set(name, item.position);
      this.targets.set(name, target);
    }
    return placement;
  }

  /** Pass two: the resource as it will be stored, with its new id and resolved references. */
  rewrite(item: InputItem, placement: Placement): Record<string, unknown> {
    const copy = this.rewriteValue(item.resource, item.position, '') as Record<string, unknown>;
    copy.id = placement.id;
    const meta = copy.meta as Record<string, unknown> | undefined;
    if (meta && typeof meta === 'object') {
      // The server sets the version and time of the copy it stores.
      delete meta.versionId;
      delete meta.lastUpdated;
      if (Object.keys(meta).length === 0) delete copy.meta;
    }
    return copy;
  }

  private resolve(reference: string, position: string): string {
    const exact = this.targets.get(reference);
    if (exact) return exact;
    if (reference.startsWith('urn:uuid:') || reference.startsWith('urn:oid:')) {
      throw new ImportError(`reference ${reference} names nothing in the input`, position);
    }
    const relative = RELATIVE.exec(reference);
    if (relative && !reference.includes('://')) {
      return this.targets.get(`${relative[1]}/${relative[2]}`) ?? reference;
    }
    if (relative) {
      const withoutHistory = reference.replace(/\/_history\/[^/]+$/, '');
      return this.targets.get(withoutHistory) ?? reference;
    }
    return reference;
  }

  private rewriteValue(value: unknown, position: string, key: string): unknown {
    if (typeof value === 'string') {
      if (key === 'reference') return this.resolve(value, position);
      if (key === 'div' && value.includes('urn:')) return this.rewriteNarrative(value);
      // Any other element of type uri, url, oid or uuid that holds a full URL of the input.
      return value.startsWith('urn:') ? (this.targets.get(value) ?? value) : value;
    }
    if (Array.isArray(value)) return value.map((v) => this.rewriteValue(v, position, key));
    if (value && typeof value === 'object') {
      const copy: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) copy[k] = this.rewriteValue(v, position, k);
      return copy;
    }
    return value;
  }

  private rewriteNarrative(div: string): string {
    return div.replace(/urn:(?:uuid|oid):[A-Za-z0-9.-]+/g, (urn) => this.targets.get(urn) ?? urn);
  }
}

/** The full URL, the `Type/id` it was stored under, and the id a `PUT` entry gives it. */
function namesOf(item: InputItem, type: string): string[] {
  const names = new Set<string>();
  if (item.fullUrl) {
    names.add(item.fullUrl);
    const tail = RELATIVE.exec(item.fullUrl);
    if (tail && /^https?:\/\//.test(item.fullUrl) && tail[1] === type) {
      names.add(`${type}/${tail[2]}`);
    }
  }
  const id = item.resource.id;
  if (id !== undefined) {
    if (typeof id !== 'string' || !isValidId(id)) {
      throw new ImportError('id is not a valid FHIR id', item.position);
    }
    names.add(`${type}/${id}`);
  }
  checkRequest(item, type, names);
  return [...names];
}

/** Transaction and batch entries: creates and updates load; other methods are not data. */
function checkRequest(item: InputItem, type: string, names: Set<string>): void {
  const request = item.request;
  if (!request) return;
  const method = request.method.toUpperCase();
  // Limitation: a conditional create (`ifNoneExist`, as Synthea uses for practitioners and
  // organizations) is imported as a plain create, and a conditional reference (`Type?query`)
  // is kept as written. Honouring them means searching the owner's record for each one.
  if (method === 'POST') return;
  if (method !== 'PUT') {
    throw new ImportError(`${method} entries cannot be imported, only POST and PUT`, item.position);
  }
  const url = request.url.replace(/^\/+/, '');
  const match = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(url);
  if (!match || match[1] !== type) {
    throw new ImportError(`PUT ${request.url} is not an update of this ${type}`, item.position);
  }
  names.add(`${type}/${match[2]}`);
}

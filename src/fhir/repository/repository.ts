/**
 * The FHIR repository: every read and write of FHIR resources goes through it, over HTTP (the
 * router) or in process (the import command, the demo data generator).
 *
 * For in-process callers (src/fhir/import, src/fhir/demo):
 *
 *   const repo = new FhirRepository(kardia.store, kardia.urls.fhir);
 *   const response = await repo.transaction(bundle, { owner: user.sub }); // all or nothing
 *   await repo.create(observation, { owner: user.sub });
 *   await repo.update(patient, { owner: user.sub }); // PUT semantics, keeps the id
 *   await repo.setPatientOwner('example', user.sub);
 *
 * - Resources are validated against R4 (FhirError 400 with an `expression` otherwise), get
 *   `meta.versionId` and `meta.lastUpdated`, and are indexed for search in the same database
 *   transaction.
 * - `owner` claims every Patient compartment the write lands in (the Patient itself, or the
 *   patient a record points to by its owner parameter) for that account `sub`. A compartment
 *   already owned by another account refuses the write (422 business-rule).
 * - `transaction` accepts a `transaction` or `batch` Bundle exactly as `POST [base]` does:
 *   `urn:uuid:` full URLs are replaced by the assigned ids in every reference.
 * - Without `scope`, writes and reads are unrestricted: the RecordScope of the access port is for
 *   the router, which passes each caller's scope.
 */
import { randomUUID } from 'node:crypto';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { Store } from '../../store/database.js';
import {
  type FhirCaller,
  type FhirInteraction,
  OPEN_SCOPE,
  type RecordScope,
} from '../access-port.js';
import { loadDefinitions } from '../definitions/load.js';
import { isValidId } from '../definitions/resource-types.js';
import { FhirError, badValue } from '../outcome.js';
import { parseSearchRequest } from '../search/request.js';
import { type SearchResult, runSearch } from '../search/run.js';
import { processBundle } from './bundle.js';
import { indexResource } from './indexer.js';
import { applyJsonPatch } from './json-patch.js';
import { claimCompartments, patientOwner, patientsOwnedBy, setPatientOwner } from './owners.js';
import { checkIndexWritable, checkWritable } from './scope.js';
import { validateFhirResource } from '../validate.js';
import {
  type HistoryQuery,
  type StoredVersion,
  readCurrent,
  readHistory,
  readVersion,
} from './versions.js';
import { type CurrentRow, type Db, currentRow, storedMembership, storeVersion } from './write.js';

export interface WriteOptions {
  /** Account `sub` that owns the compartments written to (import, demo data, a user's app). */
  owner?: string;
  /** What the caller may write; unrestricted when absent. */
  scope?: RecordScope;
  /** What the caller may see, for conditional create matching; unrestricted when absent. */
  readScope?: RecordScope;
  /** `If-Match`: the write happens only if this is the current version (FHIR-10). */
  ifMatch?: string;
  /** `If-None-Exist`: a query for the same type; one match means no write (FHIR-21). */
  ifNoneExist?: string;
  /** The id a transaction assigned before writing (so `urn:uuid:` references resolve). */
  assignedId?: string;
}

export interface WriteResult {
  resource: Resource;
  /** True when a new resource came to exist (201), false for an update or a conditional match. */
  created: boolean;
}

export interface BundleOptions {
  owner?: string;
  /** Judges each entry on its own (HEART FHIR §1.4 step 3); absent means unrestricted. */
  authorizeEntry?: (interaction: FhirInteraction) => Promise<FhirCaller>;
  /** Called after each entry, allowed or not, for the audit trail. */
  afterEntry?: (
    interaction: FhirInteraction,
    caller: FhirCaller | undefined,
    status: number,
  ) => Promise<void>;
}

export class FhirRepository {
  readonly db: Db;

  constructor(
    readonly store: Store,
    /** Kardia's FHIR base URL (`<issuer>/fhir`), for absolute references and full URLs. */
    readonly base: string,
    db?: Db,
  ) {
    this.db = db ?? store.db;
    loadDefinitions();
  }

  /** Runs `work` in one database transaction (or inside the one already open). */
  async atomically<T>(work: (repo: FhirRepository) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return work(this);
    return this.db
      .transaction()
      .execute((trx) => work(new FhirRepository(this.store, this.base, trx)));
  }

  read(type: string, id: string, scope: RecordScope = OPEN_SCOPE): Promise<StoredVersion> {
    return readCurrent(this.db, type, id, scope);
  }

  vread(type: string, id: string, versionId: string, scope: RecordScope = OPEN_SCOPE) {
    return readVersion(this.db, type, id, versionId, scope);
  }

  history(query: HistoryQuery, scope: RecordScope = OPEN_SCOPE) {
    return readHistory(this.db, query, scope);
  }

  /** Type search or compartment search with parameters as written in a query string. */
  search(
    type: string,
    params: [string, string][],
    options: { scope?: RecordScope; strict?: boolean; compartment?: string; offset?: number } = {},
  ): Promise<SearchResult> {
    const request = parseSearchRequest(type, params, {
      strict: options.strict ?? false,
      base: this.base,
      compartment: options.compartment,
      offset: options.offset,
    });
    return runSearch(this.db, request, options.scope ?? OPEN_SCOPE);
  }

  /** Create (FHIR-6): a new id, version 1; with `ifNoneExist`, a conditional create (FHIR-21). */
  async create(body: unknown, options: WriteOptions = {}): Promise<WriteResult> {
    const resource = validateFhirResource(body);
    return this.atomically(async (repo) => {
      if (options.ifNoneExist !== undefined) {
        const existing = await repo.conditionalMatch(resource.resourceType, options);
        if (existing) return { resource: existing, created: false };
      }
      const id = options.assignedId ?? randomUUID();
      const stored = await repo.write({ ...resource, id }, undefined, options);
      return { resource: stored, created: true };
    });
  }

  /** Update (FHIR-8, FHIR-9): the body's id names the resource; a new id creates it (201). */
  async update(body: unknown, options: WriteOptions = {}): Promise<WriteResult> {
    const resource = validateFhirResource(body);
    if (!resource.id) throw badValue('an update needs the resource id in the body', ['id']);
    return this.atomically(async (repo) => {
      const previous = await currentRow(repo.db, resource.resourceType, resource.id as string);
      await repo.checkPrevious(resource.resourceType, resource.id as string, previous, options);
      const stored = await repo.write(resource, previous, options);
      return { resource: stored, created: !previous || previous.deleted === 1 };
    });
  }

  /** JSON Patch (FHIR-12): applied to the current version, then stored like an update. */
  async patch(type: string, id: string, patch: unknown, options: WriteOptions = {}) {
    return this.atomically(async (repo) => {
      const current = await readCurrent(repo.db, type, id, options.readScope ?? OPEN_SCOPE);
      const patched = applyJsonPatch(JSON.parse(current.json ?? '{}') as object, patch);
      const resource = validateFhirResource(patched, type);
      const previous = await currentRow(repo.db, type, id);
      await repo.checkPrevious(type, id, previous, options);
      return repo.write(resource, previous, options);
    });
  }

  /** Delete (FHIR-13): a new version that records the deletion; unknown or deleted ids are a no-op. */
  async delete(type: string, id: string, options: WriteOptions = {}): Promise<void> {
    if (!isValidId(id)) throw badValue('invalid id');
    await this.atomically(async (repo) => {
      const previous = await currentRow(repo.db, type, id);
      if (!previous || previous.deleted === 1) return;
      await repo.checkPrevious(type, id, previous, options);
      await storeVersion(
        repo.db,
        { type, id, version: previous.version + 1, lastUpdated: Date.now() },
        previous,
        undefined,
        undefined,
      );
    });
  }

  /** `POST [base]` with a transaction or batch Bundle (FHIR-32). */
  transaction(bundle: unknown, options: BundleOptions = {}): Promise<Bundle> {
    return processBundle(this, bundle, options);
  }

  setPatientOwner(patientId: string, ownerSub: string): Promise<void> {
    return setPatientOwner(this.db, patientId, ownerSub);
  }

  patientOwner(patientId: string): Promise<string | undefined> {
    return patientOwner(this.db, patientId);
  }

  patientsOwnedBy(ownerSub: string): Promise<string[]> {
    return patientsOwnedBy(this.db, ownerSub);
  }

  /** If-Match and the write scope, checked against the version being replaced. */
  private async checkPrevious(
    type: string,
    id: string,
    previous: CurrentRow | undefined,
    options: WriteOptions,
  ): Promise<void> {
    if (options.ifMatch !== undefined) {
      const wanted = parseETag(options.ifMatch);
      if (!previous || previous.deleted === 1 || previous.version !== wanted) {
        throw new FhirError(
          'precondition-failed',
          'conflict',
          'If-Match does not name the current version',
        );
      }
    }
    if (previous && options.scope) {
      const membership = await storedMembership(this.db, type, id);
      checkWritable(options.scope, type, membership.patients, membership.labels);
    }
  }

  private async conditionalMatch(
    type: string,
    options: WriteOptions,
  ): Promise<Resource | undefined> {
    const params = [...new URLSearchParams(options.ifNoneExist ?? '')];
    if (params.length === 0) throw badValue('If-None-Exist holds no search');
    const request = parseSearchRequest(type, params, { strict: true, base: this.base });
    request.count = 2;
    request.total = 'none';
    const result = await runSearch(this.db, request, options.readScope ?? OPEN_SCOPE);
    if (result.matches.length > 1) {
      throw new FhirError(
        'precondition-failed',
        'multiple-matches',
        'If-None-Exist matched more than one resource',
      );
    }
    return result.matches[0];
  }

  /** Stamps meta, indexes, checks scope and ownership, and stores one version. */
  private async write(
    resource: Resource,
    previous: CurrentRow | undefined,
    options: WriteOptions,
  ): Promise<Resource> {
    const version = (previous?.version ?? 0) + 1;
    const lastUpdated = Math.max(Date.now(), (previous?.last_updated ?? 0) + 1);
    const stored = {
      ...resource,
      meta: {
        ...resource.meta,
        versionId: String(version),
        lastUpdated: new Date(lastUpdated).toISOString(),
      },
    } as Resource;
    const index = indexResource(stored, this.base);
    if (options.scope) checkIndexWritable(options.scope, stored.resourceType, index);
    if (options.owner) await claimCompartments(this.db, index.patients, options.owner);
    const target = { type: stored.resourceType, id: stored.id as string, version, lastUpdated };
    await storeVersion(this.db, target, previous, stored, index);
    return stored;
  }
}

/** `W/"3"`, `"3"` or `3` (clients differ) to the version number. */
export function parseETag(value: string): number {
  const match = /^(?:W\/)?"?([1-9]\d{0,9})"?$/.exec(value.trim());
  if (!match) throw badValue('If-Match is not a version ETag');
  return Number(match[1]);
}

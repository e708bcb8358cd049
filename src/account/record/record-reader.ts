import type { Bundle, Resource } from '@medplum/fhirtypes';
import { issueToken, revokeFamily } from '../../oauth/tokens.js';
import type { Kardia } from '../../server/context.js';
import { PageError } from '../page-error.js';
import { dashboardClientId } from './dashboard-client.js';

/**
 * How the dashboard reads the owner's record and its access history. DESIGN.md: the AS never
 * reads FHIR tables and the RS never reads AS tables. The dashboard runs on the AS side, so it
 * reads the record the way any client does: over HTTP, through the resource server's public
 * interface (FHIR search, and `GET [base]/AuditEvent` for the history), with a bearer token the
 * RS validates and introspects like any other. Nothing here touches an RS table.
 *
 * The choice, in full:
 * - Where the records are: the AS's own `launch_patients` table, which each RS fills over HTTP
 *   with "account sub owns Patient id here" (src/access/launch). Each row names the RS by its
 *   FHIR base URL, so the same code reads a record on another host in split mode.
 * - Which token: the dashboard is a client registered at this AS (dashboard-client.ts). For one
 *   page it issues itself an access token for the signed-in owner, `user/*.read` plus every
 *   `conf/` and `sens/` scope the RS advertises (an owner sees all of their own record), on the
 *   authority of the owner's live session: the authority under which /authorize would issue a
 *   code, without the round trip through /authorize and /token that a first-party page gains
 *   nothing from. The token lives two minutes and is revoked as soon as the page is built.
 * - What the owner sees of it: the RS audits these reads like any other, so the owner's own
 *   views appear in their history as the Kardia dashboard, honestly.
 *
 * Limitation: the token is issued in process, so the dashboard must run with the AS role; an RS
 * on another host is read over HTTP as above.
 */
export type SearchParams = Record<string, string> | [string, string][];

export interface OwnerRecord {
  /** The RS's FHIR base URL. */
  resource: string;
  patientId: string;
}

const TOKEN_TTL = 120;
const TIMEOUT_MS = 15_000;
const SPECIAL_SCOPE = /^(conf|sens)\/[A-Z0-9]+$/;

/**
 * What a reader's token may see. By default the owner's whole view; a share's preview narrows
 * it to the share's types and the sensitive categories it includes, so the RS's own filters show
 * exactly what the person shared with would see.
 */
export interface ReaderView {
  /** FHIR types, or `*` for every type. */
  types: '*' | string[];
  /** `conf/` and `sens/` scopes; by default every one the RS advertises. */
  special?: string[];
}

export class RecordReader {
  private token: Promise<{ token: string; jti: string }> | undefined;
  private readonly specialScopes = new Map<string, Promise<string[]>>();

  constructor(
    private readonly kardia: Kardia,
    readonly sub: string,
    private readonly view: ReaderView = { types: '*' },
  ) {}

  /** The records the owner has at each RS, as the RSs reported them to this AS. */
  async records(): Promise<OwnerRecord[]> {
    const rows = await this.kardia.store.db
      .selectFrom('launch_patients')
      .select(['resource', 'patient_id'])
      .where('sub', '=', this.sub)
      .orderBy('updated_at', 'desc')
      .limit(20)
      .execute();
    return rows.map((row) => ({ resource: row.resource, patientId: row.patient_id }));
  }

  /** A FHIR search at one RS; answers the searchset Bundle. */
  async search(resource: string, type: string, params: SearchParams): Promise<Bundle> {
    const query = new URLSearchParams(params).toString();
    return this.getJson<Bundle>(resource, `${resource}/${type}${query ? `?${query}` : ''}`);
  }

  /** The resources of a search, in the order the RS answered. */
  async resources<T extends Resource>(
    resource: string,
    type: string,
    params: Record<string, string>,
  ): Promise<T[]> {
    const bundle = await this.search(resource, type, params);
    return (bundle.entry ?? [])
      .filter((entry) => entry.search?.mode !== 'include')
      .map((entry) => entry.resource as T)
      .filter((found): found is T => found?.resourceType === type);
  }

  /** `_summary=count`: how many resources match. */
  async count(resource: string, type: string, params: Record<string, string>): Promise<number> {
    const bundle = await this.search(resource, type, { ...params, _summary: 'count' });
    return bundle.total ?? 0;
  }

  /** The access history of one record, as the RS's AuditEvent search answers it. */
  async auditEvents(record: OwnerRecord, params: [string, string][] = []): Promise<Bundle> {
    return this.search(record.resource, 'AuditEvent', [['patient', record.patientId], ...params]);
  }

  /** Revokes the page's token: it has done its work. Safe to call when none was issued. */
  async close(): Promise<void> {
    const issued = this.token;
    this.token = undefined;
    if (!issued) return;
    const { jti } = await issued.catch(() => ({ jti: undefined }));
    if (jti) await revokeFamily(this.kardia, [jti]);
  }

  private async getJson<T>(resource: string, url: string): Promise<T> {
    const { token } = await this.bearer(resource);
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw unreachable(`fetch failed: ${(error as Error).name}`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw unreachable(`the record server answered ${response.status}`);
    }
    return (await response.json()) as T;
  }

  private bearer(resource: string) {
    this.token ??= this.issue(resource);
    return this.token;
  }

  private async issue(resource: string) {
    const clientId = await dashboardClientId(this.kardia);
    const special = this.view.special ?? (await this.advertisedSpecialScopes(resource));
    const types = this.view.types === '*' ? ['*'] : this.view.types;
    const issued = await issueToken(this.kardia, {
      kind: 'access',
      clientId,
      sub: this.sub,
      scope: [...types.map((type) => `user/${type}.read`), ...special].join(' '),
      ttl: TOKEN_TTL,
    });
    return { token: issued.token, jti: issued.jti };
  }

  /** The `conf/` and `sens/` scopes the RS enforces, from its SMART configuration (HFO-10). */
  private advertisedSpecialScopes(resource: string): Promise<string[]> {
    let found = this.specialScopes.get(resource);
    if (!found) {
      found = readSmartScopes(resource).then((scopes) =>
        scopes.filter((scope) => SPECIAL_SCOPE.test(scope)),
      );
      this.specialScopes.set(resource, found);
    }
    return found;
  }
}

async function readSmartScopes(resource: string): Promise<string[]> {
  try {
    const response = await fetch(`${resource}/.well-known/smart-configuration`, {
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!response.ok) return [];
    const body = (await response.json()) as { scopes_supported?: unknown };
    const scopes = Array.isArray(body.scopes_supported) ? body.scopes_supported : [];
    return scopes.filter((scope): scope is string => typeof scope === 'string');
  } catch {
    return [];
  }
}

const unreachable = (detail: string) =>
  new PageError(
    502,
    'Your record could not be read just now',
    'The server that keeps your record did not answer as expected. Please try again shortly.',
    { detail },
  );

/** Runs `work` with a reader whose token is revoked afterwards, whatever happens. */
export async function withRecordReader<T>(
  kardia: Kardia,
  sub: string,
  work: (reader: RecordReader) => Promise<T>,
  view?: ReaderView,
): Promise<T> {
  const reader = new RecordReader(kardia, sub, view);
  try {
    return await work(reader);
  } finally {
    await reader.close();
  }
}

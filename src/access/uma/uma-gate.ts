import type { Logger } from 'pino';
import { decodeJwt } from 'jose';
import type {
  FhirAuditEvent,
  FhirCaller,
  FhirInteraction,
  FhirRequestCredentials,
  RecordScope,
} from '../../fhir/access-port.js';
import { isCompartmentType } from '../../fhir/definitions/compartment.js';
import { FhirError } from '../../fhir/outcome.js';
import { patientOwner } from '../../fhir/repository/owners.js';
import type { Db } from '../../fhir/repository/write.js';
import { nowSeconds } from '../../util/time.js';
import type { CallerAudit } from '../audit/audit-log.js';
import { insufficientScope, invalidToken } from '../token/challenge.js';
import type { Introspector } from '../token/introspection.js';
import { AsUnavailable } from '../token/trusted-as.js';
import type { AccessTokenClaims } from '../token/validate.js';
import { type AsProtection, ProtectionError } from './as-protection.js';
import { NotLinked, type PatLinks } from './pat-links.js';
import { compartmentsOf } from './record-parts.js';
import type { RecordSync } from './record-sync.js';
import type { Registrations } from './registrations.js';
import { neededPart, UMA_READ } from './resource-table.js';
import { targetPatients } from './request-target.js';
import { describeGrants, grantsOf, parsePermissions, rptScope } from './rpt-scope.js';

/** heart-uma2.md 3.10: the realm of the RS's UMA challenge. */
export const UMA_REALM = 'kardia';
/** UMA-RS-2 (G§3.2): no ticket could be had. */
export const UNREACHABLE_WARNING = '199 - "UMA Authorization Server Unreachable"';

const NOTHING: RecordScope = { types: new Set(), patients: [], deniedLabels: [] };
/** Bundle entries touched by one write that are looked at to find owners to sync. */
const MAX_SYNCED_ENTRIES = 50;

export interface UmaGateOptions {
  db: Db;
  fhirBase: string;
  /** The AS issuer, exactly: the challenge's `as_uri` (UMA-DISC-2). */
  asIssuer: string;
  /** The RS's client id at the AS: an RPT for this RS names it in `aud` (heart-uma2.md 3.4). */
  clientId: string;
  /** The Bearer realm of the RS's other challenges. */
  realm: string;
  protection: AsProtection;
  links: PatLinks;
  registrations: Registrations;
  sync: RecordSync;
  introspector: Introspector;
  log: Logger;
}

/**
 * UMA 2.0 at the FHIR server (G§3.2, G§3.5, heart-fhir.md 2.3 and 2.4): a request on a connected
 * record without a sufficient RPT gets a ticket for exactly the resource and scope it needs, and
 * a request whose RPT covers it is served within what the RPT's permissions reach.
 */
export class UmaGate {
  constructor(private readonly options: UmaGateOptions) {}

  /**
   * UMA-RS-1, UMA-RS-3, HFU-7: the answer to a request without a usable RPT, when it concerns a
   * record connected to UMA: 401 with `UMA realm, as_uri, ticket` followed by the RS's Bearer
   * challenge (`refusal`). UMA-RS-2: 403 with the UMA warning when no ticket can be had.
   * Undefined when UMA does not apply, and the plain refusal stands.
   */
  async challenge(
    credentials: FhirRequestCredentials,
    interaction: FhirInteraction,
    refusal: FhirError,
  ): Promise<FhirError | undefined> {
    const need = neededPart(interaction);
    if (!need) return undefined;
    const { db, fhirBase, registrations, links, protection } = this.options;
    const patients = await targetPatients(db, fhirBase, credentials, interaction);
    const owner = await soleOwner(db, patients);
    if (!owner || !(await links.isLinked(owner))) return undefined;

    try {
      const permissions: { resource_id: string; resource_scopes: string[] }[] = [];
      for (const patientId of patients) {
        const registration = await registrations.ensure(owner, patientId, need.part);
        permissions.push({ resource_id: registration.resourceId, resource_scopes: [need.scope] });
      }
      const ticket = await links.withPat(owner, (pat) => protection.ticket(pat, permissions));
      return umaChallenge(this.options.asIssuer, ticket, refusal);
    } catch (error) {
      if (error instanceof NotLinked) return undefined;
      if (!(error instanceof AsUnavailable || error instanceof ProtectionError)) throw error;
      // A registration the AS no longer knows is written again at the next sync.
      if (error instanceof ProtectionError) void this.options.sync.schedule(owner);
      this.options.log.warn({ reason: error.message }, 'no UMA ticket could be had from the AS');
      return new FhirError('forbidden', 'security', 'the authorization server is unreachable', {
        detail: error.message,
        headers: { warning: UNREACHABLE_WARNING },
      });
    }
  }

  /**
   * An RPT (a token whose introspection holds `permissions`) as a caller, or undefined for any
   * other token. HU-42: its `aud` names this RS; its permissions, as fresh as the introspection
   * (≤ 1 s), become the RecordScope the FHIR core applies inside its queries.
   */
  async authorizeRpt(
    token: string,
    claims: AccessTokenClaims,
    credentials: FhirRequestCredentials,
    interaction: FhirInteraction,
  ): Promise<FhirCaller | undefined> {
    const raw = this.options.introspector.permissions(claims.jti);
    if (!raw) return undefined;
    const { realm } = this.options;
    const audience = decodeJwt(token).aud;
    const audiences = Array.isArray(audience) ? audience : [audience];
    // HU-42: an RPT travels in the Authorization header only (G§3.5), never in a URL or form.
    const misplaced = credentials.accessTokenParameter !== undefined;
    if (misplaced || !audiences.includes(this.options.clientId)) {
      const refusal = invalidToken(
        realm,
        misplaced ? 'RPT sent as a parameter' : 'RPT aud lacks this RS',
      );
      throw (await this.challenge(credentials, interaction, refusal)) ?? refusal;
    }

    const permissions = parsePermissions(raw, nowSeconds());
    const ids = permissions.map((p) => p.resource_id);
    const grants = grantsOf(permissions, await this.options.registrations.byResourceIds(ids));
    const audit: CallerAudit = {
      sub: claims.sub,
      client_id: claims.clientId,
      token_id: claims.jti,
      via: 'uma',
      scope: describeGrants(grants) || undefined,
      ...shareOf(raw),
    };
    const need = neededPart(interaction);
    if (!need) return { read: NOTHING, write: NOTHING, audit };

    const type = interaction.resourceType ?? '';
    // heart-fhir.md 2.3: reference data is not registered; any valid RPT may read it.
    if (!isCompartmentType(type)) {
      if (need.scope !== UMA_READ) throw insufficientScope(realm, `patient/${type}.write`);
      return { read: { ...NOTHING, types: new Set([type]) }, write: NOTHING, audit };
    }
    const main = rptScope(grants, type, need.scope);
    const targets = await targetPatients(
      this.options.db,
      this.options.fhirBase,
      credentials,
      interaction,
    );
    if (!main || targets.some((p) => !main.scope.patients.includes(p))) {
      // UMA-RS-3: an RPT lacking the permission is treated like no RPT.
      const refusal = insufficientScope(realm, `patient/${type}.${need.scope}`);
      throw (await this.challenge(credentials, interaction, refusal)) ?? refusal;
    }

    const withBtg = main.btg ? { ...audit, btg: 'true' as const } : audit;
    const record =
      targets[0] ?? (main.scope.patients.length === 1 ? main.scope.patients[0] : undefined);
    const finalAudit = record ? { ...withBtg, patient: record } : withBtg;
    if (need.scope === UMA_READ) return { read: main.scope, write: NOTHING, audit: finalAudit };
    const read = rptScope(grants, type, UMA_READ)?.scope ?? NOTHING;
    return { read, write: main.scope, audit: finalAudit };
  }

  /** After a write through the FHIR API, the owners whose record it touched are synced. */
  afterWrite(event: FhirAuditEvent): void {
    if (event.outcome !== 'allowed' || !isWrite(event.interaction)) return;
    void this.ownersTouched(event).then(
      (owners) => owners.forEach((owner) => void this.options.sync.schedule(owner)),
      (error: Error) => this.options.log.warn({ reason: error.message }, 'UMA sync not scheduled'),
    );
  }

  private async ownersTouched(event: FhirAuditEvent): Promise<string[]> {
    const owners = new Set<string>();
    for (const key of event.resources.slice(0, MAX_SYNCED_ENTRIES)) {
      const [type = '', id = ''] = key.split('/');
      for (const patientId of await compartmentsOf(this.options.db, type, id)) {
        const owner = await patientOwner(this.options.db, patientId);
        if (owner) owners.add(owner);
      }
    }
    const linked = [];
    for (const owner of owners) if (await this.options.links.isLinked(owner)) linked.push(owner);
    return linked;
  }
}

/** UMA grant §3.2: `UMA realm, as_uri, ticket`, then the RS's Bearer challenge (heart-fhir 2.3). */
function umaChallenge(asIssuer: string, ticket: string, refusal: FhirError): FhirError {
  const quoted = (value: string) => `"${value.replace(/["\\]/g, '')}"`;
  const uma = `UMA realm=${quoted(UMA_REALM)}, as_uri=${quoted(asIssuer)}, ticket=${quoted(ticket)}`;
  const bearer = refusal.headers['www-authenticate'];
  return new FhirError('unauthorized', 'login', 'a requesting party token is required', {
    detail: refusal.message,
    headers: { 'www-authenticate': bearer ? `${uma}, ${bearer}` : uma },
  });
}

/**
 * UMA-RS-5: the one owner of the records a request names, or undefined (none, or several).
 * Limitation: a search naming records of two owners gets no ticket (a ticket is for one owner's
 * PAT); it would take one challenge per owner, which UMA grant §3.2 does not provide for.
 */
async function soleOwner(db: Db, patients: readonly string[]): Promise<string | undefined> {
  let owner: string | undefined;
  for (const patientId of patients) {
    const found = await patientOwner(db, patientId);
    if (!found || (owner !== undefined && owner !== found)) return undefined;
    owner = found;
  }
  return owner;
}

/**
 * The share (policy) behind an access, for the owner's history, when the RPT's permissions carry
 * it (`policy_id`, or `policy_ids`); Kardia's AS keeps it on its side, so it is often absent.
 */
function shareOf(raw: unknown[]): { share_id?: string } {
  const ids = new Set<string>();
  for (const item of raw) {
    const { policy_id: one, policy_ids: many } = (item ?? {}) as Record<string, unknown>;
    if (typeof one === 'string') ids.add(one);
    if (Array.isArray(many)) many.filter((v) => typeof v === 'string').forEach((v) => ids.add(v));
  }
  return ids.size > 0 ? { share_id: [...ids].sort().join(' ').slice(0, 500) } : {};
}

const isWrite = (interaction: FhirInteraction) =>
  ['create', 'update', 'patch', 'delete', 'transaction', 'batch'].includes(interaction.kind);

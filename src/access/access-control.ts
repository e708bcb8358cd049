import type {
  FhirAccessControl,
  FhirAuditEvent,
  FhirCaller,
  FhirInteraction,
  FhirRequestCredentials,
  RecordScope,
} from '../fhir/access-port.js';
import type { Store } from '../store/database.js';
import type { CallerAudit } from './audit/audit-log.js';
import { AuditWriter } from './audit/audit-writer.js';
import { parseScopes } from './scopes/grammar.js';
import { decideScope } from './scopes/record-scope.js';
import { bearerToken } from './token/bearer.js';
import { FhirError } from '../fhir/outcome.js';
import { insufficientScope, missingToken } from './token/challenge.js';
import type { AccessTokenClaims, TokenValidator } from './token/validate.js';
import type { UmaGate } from './uma/uma-gate.js';
import { targetPatients } from './uma/request-target.js';

/** What the RS needs to know about its records, from the FHIR core's repository. */
export interface RecordDirectory {
  /** Patient ids of the records an account owns (the reach of `user/` scopes). */
  compartmentsOf(sub: string): Promise<string[]>;
  /** Whether a type lives in the Patient compartment; other types are reference data. */
  isCompartmentType(type: string): boolean;
}

const NOTHING: RecordScope = { types: new Set(), patients: [], deniedLabels: [] };

/**
 * HEART FHIR OAuth 2.0 scopes at the resource server (heart-fhir.md 1.4): validate the bearer
 * token (step 1), sort its scopes (step 2), check that a scope covers the interaction (step 4)
 * and hand the FHIR core the reach and label filter it applies inside its queries (steps 5, 6).
 */
export class ScopeAccessControl implements FhirAccessControl {
  /**
   * Callers refused after their token was read, by the interaction the router passed in, so the
   * audit record of a refusal still names who was refused. Weak: nothing outlives the request.
   */
  private readonly refused = new WeakMap<FhirInteraction, FhirCaller>();
  private readonly auditLog: AuditWriter;

  constructor(
    private readonly options: {
      store: Store;
      realm: string;
      validator: TokenValidator;
      directory: RecordDirectory;
      /** UMA at this RS (src/access/uma), when it is configured: tickets and RPTs. */
      uma?: UmaGate;
    },
  ) {
    this.auditLog = new AuditWriter(options.store);
  }

  async authorize(
    credentials: FhirRequestCredentials,
    interaction: FhirInteraction,
  ): Promise<FhirCaller> {
    const { realm, directory, uma } = this.options;
    // FHIR R4 http.html#capabilities: the CapabilityStatement is public; it touches no record.
    if (interaction.kind === 'capabilities') return { read: NOTHING, write: NOTHING, audit: {} };
    const token = bearerToken(credentials, realm);
    if (token === undefined) {
      const refusal = missingToken(realm);
      await this.refusedOnRecord(credentials, interaction, {});
      throw (await uma?.challenge(credentials, interaction, refusal)) ?? refusal;
    }

    const claims = await this.validate(token, credentials, interaction);
    const rptCaller = await this.rptCaller(token, claims, credentials, interaction);
    if (rptCaller) return rptCaller;
    const scopes = parseScopes(claims.scope);
    const user = userOf(claims);
    const usesUserScopes = scopes.grants.some((grant) => grant.permission === 'user');
    const owned = user && usesUserScopes ? await directory.compartmentsOf(user) : [];
    const decision = decideScope(
      scopes,
      { patient: claims.patient, owned, isCompartmentType: directory.isCompartmentType },
      interaction,
    );

    const audit: CallerAudit = {
      sub: claims.sub,
      client_id: claims.clientId,
      token_id: claims.jti,
      via: 'oauth',
      scope: claims.scope,
      ...(scopes.btg ? { btg: 'true' as const } : {}),
      ...(claims.patient ? { patient: claims.patient } : {}),
    };
    if (!decision.allowed) {
      this.refused.set(interaction, { read: NOTHING, write: NOTHING, audit });
      throw insufficientScope(realm, decision.needed);
    }
    return {
      read: decision.read,
      write: decision.write,
      audit,
      ...(user && usesUserScopes ? { owner: user } : {}),
    };
  }

  /** Every interaction, allowed or refused; btg use is always recorded with its flag. */
  async audit(event: FhirAuditEvent): Promise<void> {
    const caller = event.caller ?? this.refused.get(event.interaction);
    await this.auditLog.record(event, caller);
    this.options.uma?.afterWrite(event);
  }

  /** UMA-RS-3: on a record connected to UMA, an invalid or expired token is treated like none. */
  private async validate(
    token: string,
    credentials: FhirRequestCredentials,
    interaction: FhirInteraction,
  ): Promise<AccessTokenClaims> {
    try {
      return await this.options.validator.validate(token);
    } catch (error) {
      const { uma } = this.options;
      if (!uma || !(error instanceof FhirError) || error.status !== 401) throw error;
      await this.refusedOnRecord(credentials, interaction, {});
      throw (await uma.challenge(credentials, interaction, error)) ?? error;
    }
  }

  /** An RPT's caller (src/access/uma); a refusal is still audited with who was refused. */
  private async rptCaller(
    token: string,
    claims: AccessTokenClaims,
    credentials: FhirRequestCredentials,
    interaction: FhirInteraction,
  ): Promise<FhirCaller | undefined> {
    const { uma } = this.options;
    if (!uma) return undefined;
    try {
      return await uma.authorizeRpt(token, claims, credentials, interaction);
    } catch (error) {
      const audit: CallerAudit = {
        sub: claims.sub,
        client_id: claims.clientId,
        token_id: claims.jti,
        via: 'uma',
      };
      await this.refusedOnRecord(credentials, interaction, audit);
      throw error;
    }
  }

  /**
   * A refusal before any reach is known (no token, an invalid one, an RPT without the
   * permission) is still the record owner's business: it is audited under the record the request
   * itself names (request-target.ts), so the owner's history shows it as refused.
   */
  private async refusedOnRecord(
    credentials: FhirRequestCredentials,
    interaction: FhirInteraction,
    audit: CallerAudit,
  ): Promise<void> {
    const { store, realm } = this.options;
    const [patient] = await targetPatients(store.db, realm, credentials, interaction).catch(
      () => [],
    );
    this.refused.set(interaction, {
      read: NOTHING,
      write: NOTHING,
      audit: patient ? { ...audit, patient } : audit,
    });
  }
}

/** The account a token speaks for; a client acting for itself (`sub` = client_id) has none. */
const userOf = (claims: AccessTokenClaims): string | undefined =>
  claims.sub && claims.sub !== claims.clientId ? claims.sub : undefined;

/**
 * The seam between the FHIR server (src/fhir, which knows FHIR and storage) and access
 * enforcement (src/access, which knows tokens, scopes, UMA and audit). The router asks the port
 * who is calling and what they may touch, and applies the answer inside its queries, so totals,
 * paging and includes only ever count what the caller may see.
 */

/** What one FHIR HTTP interaction is, once the router has parsed it. */
export interface FhirInteraction {
  kind:
    | 'read'
    | 'vread'
    | 'update'
    | 'patch'
    | 'delete'
    | 'create'
    | 'history-instance'
    | 'history-type'
    | 'search-type'
    | 'search-compartment'
    | 'capabilities'
    | 'transaction'
    | 'batch';
  resourceType?: string;
  id?: string;
  /** For compartment searches: `Patient/{id}/Observation`. */
  compartment?: { type: 'Patient'; id: string };
}

/** The part of the record a caller may read, or write; applied as query conditions. */
export interface RecordScope {
  /** Resource types, or every type. */
  types: '*' | ReadonlySet<string>;
  /** Ids of the Patient resources whose compartments are in reach, or every compartment. */
  patients: '*' | readonly string[];
  /**
   * Security labels (`system|code`, from `meta.security`) the caller may not see; a resource
   * carrying any of them is invisible to it (HEART FHIR conf/ and sens/ scopes).
   */
  deniedLabels: readonly string[];
}

export interface FhirCaller {
  read: RecordScope;
  write: RecordScope;
  /** Who is calling, for the audit record (user sub, client id, share or grant id...). */
  audit: Record<string, string | undefined>;
  /** The account (`sub`) that owns the Patient compartments this caller creates, if any. */
  owner?: string;
}

/** Everything the router needs from the HTTP request to authorize it. */
export interface FhirRequestCredentials {
  authorization: string | undefined;
  /** Form-encoded body or query `access_token` (RFC 6750 §2.2, §2.3), when sent that way. */
  accessTokenParameter: string | undefined;
  method: string;
  path: string;
  /**
   * The query parameters and body text, so that the access control can tell from the request
   * itself whose record it concerns (UMA grant §3.2: a `patient` parameter, a created resource's
   * subject). Bundle entries are authorized with the Bundle's own request.
   */
  query?: [string, string][];
  body?: string;
}

export interface FhirAccessControl {
  /**
   * Decides whether the interaction may start and what it may touch. Throws FhirError (from
   * fhir/outcome.ts, kind 'unauthorized' or 'forbidden': 401 or 403) with the right
   * WWW-Authenticate header when it may not.
   */
  authorize(credentials: FhirRequestCredentials, interaction: FhirInteraction): Promise<FhirCaller>;
  /** Records the outcome (allowed or refused) of every interaction, apart from clinical data. */
  audit(event: FhirAuditEvent): Promise<void>;
}

export interface FhirAuditEvent {
  interaction: FhirInteraction;
  caller: FhirCaller | undefined;
  outcome: 'allowed' | 'refused' | 'failed';
  status: number;
  /** `Type/id` of each resource read or written, for the owner's history. */
  resources: string[];
}

/** For the RS running without authorization (tests of the FHIR core, the bench baseline). */
export const OPEN_SCOPE: RecordScope = { types: '*', patients: '*', deniedLabels: [] };

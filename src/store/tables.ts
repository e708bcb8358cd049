import type { FhirTables } from '../fhir/repository/tables.js';

/**
 * Typed tables of the authorization server. Times are integer seconds since the epoch; JSON
 * values are stored as text so SQLite and PostgreSQL run the same queries; booleans are 0/1.
 */
export interface UserTable {
  sub: string;
  username: string;
  password_hash: string;
  email: string | null;
  email_verified: number;
  name: string | null;
  created_at: number;
}

export interface LoginSessionTable {
  id_hash: string;
  sub: string;
  auth_time: number;
  amr: string;
  expires_at: number;
  created_at: number;
}

export interface ClientTable {
  client_id: string;
  /** `client` for OAuth clients, `resource_server` for protected-resource registrations. */
  kind: string;
  /** `dynamic` (RFC 7591) or `static` (administrator, by CLI). */
  registration: string;
  client_name: string | null;
  /** The full registered metadata as JSON, as answered at /register. */
  metadata: string;
  grant_types: string;
  response_types: string;
  redirect_uris: string;
  token_endpoint_auth_method: string;
  jwks: string | null;
  jwks_uri: string | null;
  scope: string;
  software_statement_issuer: string | null;
  registration_access_token_hash: string | null;
  created_at: number;
  updated_at: number;
}

export interface SigningKeyTable {
  kid: string;
  alg: string;
  use: string;
  private_jwk: string;
  public_jwk: string;
  created_at: number;
  /** When it stopped signing (null while it is the active key). */
  retired_at: number | null;
  /** When it leaves the JWKS: every token it signed has expired by then. */
  publish_until: number | null;
}

export interface SettingTable {
  name: string;
  value: string;
}

export interface AuthorizationCodeTable {
  code_hash: string;
  client_id: string;
  sub: string;
  grant_id: string;
  redirect_uri: string;
  scope: string;
  code_challenge: string | null;
  nonce: string | null;
  auth_time: number;
  /** JSON object of extra values the grant carries into tokens (acr, amr, vot, claims...). */
  extra: string;
  expires_at: number;
  used_at: number | null;
}

export interface TokenTable {
  jti: string;
  /** `access`, `refresh` or `rpt`. */
  kind: string;
  client_id: string;
  sub: string;
  scope: string;
  grant_id: string | null;
  /** The code (hash) or refresh token jti this token was issued from, for cascade revocation. */
  parent: string | null;
  expires_at: number;
  revoked_at: number | null;
  created_at: number;
}

export interface ConsentGrantTable {
  id: string;
  sub: string;
  client_id: string;
  scope: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface AssertionJtiTable {
  client_id: string;
  jti: string;
  expires_at: number;
}

export interface RateLimitTable {
  bucket: string;
  count: number;
  window_start: number;
}

/** A request object `jti` (OIDC Core §6.1), remembered until it expires so it is used once. */
export interface RequestObjectJtiTable {
  client_id: string;
  jti: string;
  expires_at: number;
}

/** Mail Kardia would send; no mail server is assumed, an operator reads it with `kardia outbox`. */
export interface OutboxTable {
  id: string;
  recipient: string;
  subject: string;
  body: string;
  created_at: number;
}

/** A pending email verification link; only the SHA-256 of its token is stored. */
export interface EmailVerificationTable {
  token_hash: string;
  sub: string;
  email: string;
  expires_at: number;
  used_at: number | null;
}

/** RS side (src/access): the protected-resource registration the one-process mode made. */
export interface RsCredentialTable {
  as_issuer: string;
  client_id: string;
  private_jwk: string;
  created_at: number;
}

/** RS side (src/access): one FHIR interaction, allowed or refused. Times in milliseconds. */
export interface AccessAuditEventTable {
  id: string;
  recorded_ms: number;
  interaction: string;
  resource_type: string | null;
  resource_id: string | null;
  /** `allowed`, `refused` or `failed`. */
  outcome: string;
  status: number;
  sub: string | null;
  client_id: string | null;
  token_id: string | null;
  /** How access came: `oauth` (scoped token) or `uma` (RPT). */
  via: string | null;
  share_id: string | null;
  scope: string | null;
  btg: number;
  /** JSON array of `Type/id`. */
  resources: string;
  /** JSON array of Patient ids the event concerns. */
  patients: string;
}

export interface AccessAuditPatientTable {
  event_id: string;
  patient_id: string;
  recorded_ms: number;
}

/** AS side (src/access/launch): the Patient an account launches into at a protected resource. */
export interface LaunchPatientTable {
  sub: string;
  resource: string;
  patient_id: string;
  updated_at: number;
}

/** UMA (src/uma): a resource an RS registered for an owner; `description` is the JSON stored. */
export interface UmaResourceTable {
  id: string;
  owner_sub: string;
  rs_client_id: string;
  description: string;
  created_at: number;
  updated_at: number;
}

/** UMA: a permission ticket, stored by its SHA-256; `permissions` and `claims` are JSON. */
export interface UmaTicketTable {
  ticket_hash: string;
  chain_id: string;
  owner_sub: string;
  rs_client_id: string;
  permissions: string;
  /** The client the chain is bound to, from its first presentation on. */
  client_id: string | null;
  /** Claims gathered interactively, carried to the continuation ticket. */
  claims: string | null;
  /** 1 when the requesting party asked Kardia to remember the claims (a PCT follows). */
  remember: number;
  expires_at: number;
  used_at: number | null;
  created_at: number;
}

/** UMA: a requesting party's visit to the claims interaction endpoint. */
export interface UmaInteractionTable {
  id_hash: string;
  /** The spent ticket the interaction continues. */
  ticket_hash: string;
  client_id: string;
  claims_redirect_uri: string;
  state: string | null;
  expires_at: number;
  done_at: number | null;
}

/** UMA: a persisted claims token, stored by its SHA-256, with the claims it stands for. */
export interface UmaPctTable {
  pct_hash: string;
  client_id: string;
  claims: string;
  claims_at: number;
  expires_at: number;
  revoked_at: number | null;
  created_at: number;
}

/** UMA: an owner's policy (heart-uma2.md Part 3.7); arrays are JSON. */
export interface UmaPolicyTable {
  id: string;
  owner_sub: string;
  resource_ids: string;
  resource_scopes: string;
  required_claims: string;
  /** `grant`, `ask` or `deny`. */
  mode: string;
  exp: number | null;
  description: string | null;
  /** The identity a share by email was bound to at its first use (policy/binding.ts). */
  bound_iss: string | null;
  bound_sub: string | null;
  created_at: number;
  updated_at: number;
}

/** UMA: an access request waiting for the owner (Part 3.8). */
export interface UmaAccessRequestTable {
  id: string;
  owner_sub: string;
  /** The ticket chain whose polls this request answers. */
  chain_id: string;
  fingerprint: string;
  permissions: string;
  rqp_iss: string;
  rqp_sub: string;
  rqp_claims: string;
  client_id: string;
  /** `pending`, `allowed` or `denied`. */
  status: string;
  policy_ids: string | null;
  created_at: number;
  settled_at: number | null;
}

/** UMA: a successful uma-ticket grant; its RPT and refresh token have it as parent. */
export interface UmaRptGrantTable {
  id: string;
  chain_id: string;
  client_id: string;
  owner_sub: string;
  rs_client_id: string;
  rqp_sub: string;
  pct_used: string | null;
  pct_issued: string | null;
  created_at: number;
  revoked_at: number | null;
}

/** UMA: one permission of an RPT grant and the policy that granted it (Part 3.9). */
export interface UmaRptPermissionTable {
  grant_id: string;
  resource_id: string;
  scope: string;
  policy_id: string;
}

/** RS side (src/access/uma): the FHIR server's own OAuth client for PATs, one-process mode. */
export interface RsUmaClientTable {
  as_issuer: string;
  client_id: string;
  private_jwk: string;
  created_at: number;
}

/** RS side: an owner's PAT and refresh token, sealed; `version` guards concurrent refreshes. */
export interface RsUmaLinkTable {
  owner_sub: string;
  pat_sealed: string;
  pat_exp: number;
  refresh_sealed: string | null;
  refresh_exp: number | null;
  version: number;
  lease_until: number | null;
  linked_at: number;
  updated_at: number;
}

/** RS side: a connect flow waiting for its callback. */
export interface RsUmaPendingTable {
  state_hash: string;
  browser_hash: string;
  verifier_sealed: string;
  expires_at: number;
}

/** RS side: a UMA resource the RS registered for one record (`*`) or one record and type. */
export interface RsUmaResourceTable {
  patient_id: string;
  fhir_type: string;
  owner_sub: string;
  resource_id: string;
  scopes: string;
  policy_uri: string | null;
  registered_at: number;
}

export interface Database extends FhirTables {
  users: UserTable;
  login_sessions: LoginSessionTable;
  clients: ClientTable;
  signing_keys: SigningKeyTable;
  settings: SettingTable;
  authorization_codes: AuthorizationCodeTable;
  tokens: TokenTable;
  consent_grants: ConsentGrantTable;
  assertion_jtis: AssertionJtiTable;
  rate_limits: RateLimitTable;
  request_object_jtis: RequestObjectJtiTable;
  outbox: OutboxTable;
  email_verifications: EmailVerificationTable;
  rs_credentials: RsCredentialTable;
  access_audit_events: AccessAuditEventTable;
  access_audit_patients: AccessAuditPatientTable;
  launch_patients: LaunchPatientTable;
  uma_resources: UmaResourceTable;
  uma_tickets: UmaTicketTable;
  uma_interactions: UmaInteractionTable;
  uma_pcts: UmaPctTable;
  uma_policies: UmaPolicyTable;
  uma_access_requests: UmaAccessRequestTable;
  uma_rpt_grants: UmaRptGrantTable;
  uma_rpt_permissions: UmaRptPermissionTable;
  rs_uma_client: RsUmaClientTable;
  rs_uma_links: RsUmaLinkTable;
  rs_uma_pending: RsUmaPendingTable;
  rs_uma_resources: RsUmaResourceTable;
}

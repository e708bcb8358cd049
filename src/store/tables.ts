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
}

/**
 * Errors of the OAuth family (RFC 6749 §5.2, RFC 6750 §3.1, RFC 7591 §3.2.2, UMA grant §3.3.6).
 * `description` is public and never holds a token or a user's input; `detail` goes only to the
 * log. Thrown anywhere, rendered in one place (server/errors.ts).
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'invalid_software_statement'
  | 'unapproved_software_statement'
  | 'unsupported_token_type'
  | 'login_required'
  | 'consent_required'
  | 'interaction_required'
  | 'account_selection_required'
  | 'invalid_request_object'
  | 'invalid_request_uri'
  | 'request_not_supported'
  | 'request_uri_not_supported'
  | 'registration_not_supported'
  | 'need_info'
  | 'request_submitted'
  | 'request_denied'
  /** UMA federated authorization §4.3, §3.2: the protection API's own codes. */
  | 'invalid_resource_id'
  | 'unsupported_method_type'
  | 'not_found'
  | 'method_not_allowed'
  | 'unsupported_media_type'
  /** OpenID Connect Unmet Authentication Requirements 1.0: no requested vector can be met. */
  | 'unmet_authentication_requirements';

const defaultStatus: Partial<Record<OAuthErrorCode, number>> = {
  invalid_client: 401,
  invalid_token: 401,
  insufficient_scope: 403,
  request_denied: 403,
  need_info: 403,
  request_submitted: 403,
  server_error: 500,
  temporarily_unavailable: 503,
  not_found: 404,
  method_not_allowed: 405,
  unsupported_method_type: 405,
  unsupported_media_type: 415,
};

export class OAuthError extends Error {
  readonly status: number;
  /** Extra members of the error object (UMA's `ticket`, `required_claims`, `interval`...). */
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    options: {
      status?: number;
      detail?: string;
      extra?: Record<string, unknown>;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(options.detail ?? description);
    this.name = 'OAuthError';
    this.status = options.status ?? defaultStatus[code] ?? 400;
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
  }

  toJSON(): Record<string, unknown> {
    return { error: this.code, error_description: this.description, ...this.extra };
  }
}

/** Client authentication failures share one public text so an attacker learns nothing. */
export const invalidClient = (detail: string): OAuthError =>
  new OAuthError('invalid_client', 'client authentication failed', { detail });

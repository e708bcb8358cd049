import { FhirError } from '../../fhir/outcome.js';

/**
 * The RS's refusals (RFC 6750 §3, heart-fhir.md 1.6): an OperationOutcome body (Part 3.4) with
 * a `WWW-Authenticate: Bearer` challenge. Descriptions are fixed texts; why a token failed goes
 * to the log only, through `detail`.
 */
const quoted = (value: string) => `"${value.replace(/["\\]/g, '')}"`;

function challenge(realm: string, attributes: Record<string, string> = {}): string {
  const parts = [`realm=${quoted(realm)}`];
  for (const [name, value] of Object.entries(attributes)) parts.push(`${name}=${quoted(value)}`);
  return `Bearer ${parts.join(', ')}`;
}

/** RFC 6750 §3.1: no token at all gets a plain challenge, without an error code. */
export const missingToken = (realm: string): FhirError =>
  new FhirError('unauthorized', 'login', 'an access token is required', {
    headers: { 'www-authenticate': challenge(realm) },
  });

/** RFC 6750 §3.1 `invalid_token`: malformed, foreign, expired, revoked or inactive. */
export const invalidToken = (realm: string, detail: string): FhirError =>
  new FhirError('unauthorized', 'security', 'the access token is not valid', {
    detail,
    headers: {
      'www-authenticate': challenge(realm, {
        error: 'invalid_token',
        error_description: 'the access token is not valid',
      }),
    },
  });

/** RFC 6750 §3.1 `insufficient_scope`, with a scope value that would have been enough. */
export const insufficientScope = (realm: string, scope: string): FhirError =>
  new FhirError('forbidden', 'forbidden', 'the access token does not cover this interaction', {
    headers: {
      'www-authenticate': challenge(realm, { error: 'insufficient_scope', scope }),
    },
  });

/** RFC 6750 §3.1 `invalid_request`: the token sent more than one way. */
export const invalidRequest = (realm: string, detail: string): FhirError =>
  new FhirError('bad-request', 'invalid', 'send the access token one way only', {
    detail,
    headers: { 'www-authenticate': challenge(realm, { error: 'invalid_request' }) },
  });

import type { FhirRequestCredentials } from '../../fhir/access-port.js';
import { invalidRequest, invalidToken } from './challenge.js';

/** A token this long is no Kardia token; refuse it before any parsing. */
const MAX_TOKEN_LENGTH = 8192;
/** RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=". */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * The access token of a request (HEART OAuth §4.1, OA-PR-1, OA-PR-2): the `Authorization:
 * Bearer` header, or the `access_token` form field or query parameter (RFC 6750 §2.2, §2.3),
 * which the FHIR router hands over in `accessTokenParameter`. Sending it more than one way is
 * `invalid_request` (RFC 6750 §2). Answers undefined when there is no token at all.
 */
export function bearerToken(
  credentials: FhirRequestCredentials,
  realm: string,
): string | undefined {
  const header = credentials.authorization?.trim();
  const parameter = credentials.accessTokenParameter;
  if (header && parameter !== undefined) {
    throw invalidRequest(realm, 'token sent in the header and as a parameter');
  }
  if (parameter !== undefined) return checkShape(parameter, realm);
  if (!header) return undefined;

  const space = header.indexOf(' ');
  const scheme = space === -1 ? header : header.slice(0, space);
  // RFC 7235 §2.1: the scheme is case-insensitive. Another scheme is no bearer token at all.
  if (scheme.toLowerCase() !== 'bearer') return undefined;
  return checkShape(space === -1 ? '' : header.slice(space + 1).trim(), realm);
}

function checkShape(token: string, realm: string): string {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH || !B64TOKEN.test(token)) {
    throw invalidToken(realm, 'token is not a b64token');
  }
  return token;
}

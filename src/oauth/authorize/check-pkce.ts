import { type AuthorizationContext, clientOf, invalidRequest } from './context.js';

/** RFC 7636 §4.2: BASE64URL(SHA-256(verifier)) is always 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/**
 * HEART OAuth §2.1.2, §3.1.7 and RFC 7636 §4.3: S256 only. A public client (auth method
 * `none`) must send a challenge (OA-NC-8); a confidential one may, and then it is enforced at
 * /token (OA-NC-9). `plain`, or a challenge without a method (which RFC 7636 would read as
 * `plain`), is refused (OA-PK-2).
 */
export function checkPkce(context: AuthorizationContext): void {
  if (context.responseType !== 'code') return;
  const challenge = context.params.code_challenge;
  const method = context.params.code_challenge_method;
  if (!challenge) {
    if (method) throw invalidRequest('code_challenge_method sent without code_challenge');
    if (clientOf(context).authMethod === 'none') {
      throw invalidRequest('public clients must use PKCE with code_challenge_method S256');
    }
    return;
  }
  if (method !== 'S256') throw invalidRequest('code_challenge_method must be S256');
  if (!S256_CHALLENGE.test(challenge)) {
    throw invalidRequest('code_challenge must be 43 base64url characters');
  }
  context.codeChallenge = challenge;
}

import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { RsCredentials } from '../rs-credentials.js';
import { AS_TIMEOUT_MS, AsUnavailable } from './trusted-as.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * A back-channel POST from the RS to its AS, authenticated with the RS's own registration by a
 * fresh private_key_jwt assertion (HEART OAuth §2.2.2, §3.2.2; RFC 7523 §3): `iss` = `sub` =
 * client_id, `aud` = the endpoint, a 256-bit `jti`, one minute of life.
 */
export async function postToAs(
  credentials: RsCredentials,
  endpoint: string,
  fields: Record<string, string>,
): Promise<Response> {
  const assertion = await signAssertion(credentials, endpoint);
  try {
    return await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        ...fields,
        client_assertion_type: JWT_BEARER,
        client_assertion: assertion,
      }).toString(),
      signal: AbortSignal.timeout(AS_TIMEOUT_MS),
    });
  } catch (error) {
    throw new AsUnavailable(`POST to the AS failed: ${(error as Error).message}`);
  }
}

async function signAssertion(credentials: RsCredentials, audience: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: credentials.alg, ...(credentials.kid ? { kid: credentials.kid } : {}) };
  return new SignJWT({ jti: randomBytes(32).toString('base64url') })
    .setProtectedHeader(header)
    .setIssuer(credentials.clientId)
    .setSubject(credentials.clientId)
    .setAudience(audience)
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(credentials.privateKey);
}

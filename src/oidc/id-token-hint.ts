import { compactVerify, decodeProtectedHeader } from 'jose';
import type { Kardia } from '../server/context.js';

/** What an `id_token_hint` proves: which client holds an ID token for which subject. */
export interface IdTokenHint {
  clientId: string;
  sub: string;
}

/**
 * Reads an ID token Kardia signed, expired or not (OIDC Core §3.1.2.1 and RP-Initiated Logout
 * §2 let the OP accept expired ones), for its `aud` and `sub`. Undefined for anything else:
 * a token from another issuer, an access token (`typ` differs), a JWE, garbage.
 */
export async function readIdTokenHint(
  kardia: Kardia,
  token: string,
): Promise<IdTokenHint | undefined> {
  if (token.length > 8192) return undefined;
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    return undefined;
  }
  const key = kid ? await kardia.keys.publicKey(kid) : undefined;
  if (!key) return undefined;
  try {
    const { payload, protectedHeader } = await compactVerify(token, key, {
      algorithms: ['RS256'],
    });
    // Access and refresh tokens are signed by the same key; only an ID token is a hint.
    if (protectedHeader.typ !== 'JWT') return undefined;
    const claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
    const aud = Array.isArray(claims.aud) ? (claims.aud as unknown[])[0] : claims.aud;
    if (claims.iss !== kardia.urls.issuer || typeof aud !== 'string') return undefined;
    if (typeof claims.sub !== 'string') return undefined;
    return { clientId: aud, sub: claims.sub };
  } catch {
    return undefined;
  }
}

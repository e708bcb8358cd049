import { createHash } from 'node:crypto';
import type { Client } from '../oauth/clients.js';
import type { Kardia } from '../server/context.js';
import { randomToken } from '../util/random.js';
import { nowSeconds } from '../util/time.js';
import { encryptToClient, registeredEncryption } from './client-encryption.js';
import { subjectFor } from './pairwise.js';
import { trustmarkUrl } from './vectors-of-trust.js';

/** HEART OIDC §3.1: ID tokens are signed with RS256, the only algorithm Kardia's keys use. */
export const ID_TOKEN_SIGNING_ALGORITHMS = ['RS256'] as const;

/** What the login established, carried from /authorize to wherever the ID token is issued. */
export interface Authentication {
  /** The local account id; the client may see a pairwise value instead. */
  sub: string;
  nonce?: string | null | undefined;
  authTime?: number | undefined;
  /** The achieved Vectors of Trust value; when set, `acr` is left out (HEART OIDC §3.4). */
  vot?: string | undefined;
  acr?: string | undefined;
  amr?: string[] | undefined;
}

/**
 * The Authentication an authorization request settled, from the values its checks left in
 * `extra` (checkOpenIdRequest, checkReauthentication): in a code row, or still on the request.
 */
export function authenticationFrom(sub: string, extra: Record<string, unknown>): Authentication {
  return {
    sub,
    nonce: typeof extra.nonce === 'string' ? extra.nonce : undefined,
    authTime: typeof extra.auth_time === 'number' ? extra.auth_time : undefined,
    vot: typeof extra.vot === 'string' ? extra.vot : undefined,
    acr: typeof extra.acr === 'string' ? extra.acr : undefined,
    amr: Array.isArray(extra.amr) ? extra.amr.filter((v) => typeof v === 'string') : undefined,
  };
}

export interface IdTokenInput extends Authentication {
  client: Client;
  /** Issued alongside: `at_hash` (OIDC Core §3.3.2.11). */
  accessToken?: string | undefined;
  /** Issued alongside from the authorization endpoint: `c_hash` (OIDC Core §3.3.2.11). */
  code?: string | undefined;
  /** User claims to carry in the token itself (when no access token lets the client ask). */
  claims?: Record<string, unknown> | undefined;
}

/**
 * Signs an ID token (HEART OIDC §3.1): `iss`, `sub`, `aud`, `exp` at most five minutes after
 * `iat`, `nbf`, `jti`, `nonce`, `auth_time`, `vot`/`vtm` or `acr`, `amr`, and the hashes of what
 * travels with it. Encrypted to the client afterwards when it registered for that (OIDC-ID-2).
 */
export async function issueIdToken(kardia: Kardia, input: IdTokenInput): Promise<string> {
  const iat = nowSeconds();
  const payload: Record<string, unknown> = {
    ...input.claims,
    iss: kardia.urls.issuer,
    sub: await subjectFor(kardia, input.client, input.sub),
    aud: input.client.clientId,
    iat,
    nbf: iat,
    exp: iat + Math.min(kardia.settings.idTokenTtl, 300),
    jti: randomToken(),
  };
  if (input.nonce) payload.nonce = input.nonce;
  if (input.authTime !== undefined) payload.auth_time = input.authTime;
  if (input.vot) {
    payload.vot = input.vot;
    payload.vtm = trustmarkUrl(kardia);
  } else if (input.acr) {
    payload.acr = input.acr;
  }
  if (input.amr && input.amr.length > 0) payload.amr = input.amr;
  if (input.accessToken) payload.at_hash = halfHash(input.accessToken);
  if (input.code) payload.c_hash = halfHash(input.code);

  const signed = await kardia.keys.sign(payload, 'JWT');
  const encryption = registeredEncryption(input.client, 'id_token');
  if (!encryption) return signed;
  return encryptToClient(kardia, input.client, signed, { ...encryption, nested: true });
}

/** OIDC Core §3.1.3.6: base64url of the left half of the SHA-256 of the value (for RS256). */
export function halfHash(value: string): string {
  const digest = createHash('sha256').update(value, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

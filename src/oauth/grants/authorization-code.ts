import { createHash } from 'node:crypto';
import type { Kardia } from '../../server/context.js';
import type { AuthorizationCodeTable } from '../../store/tables.js';
import { safeEqual, sha256 } from '../../util/random.js';
import { nowSeconds } from '../../util/time.js';
import type { Client } from '../clients.js';
import { findLiveGrantById, touchGrant } from '../consent-grants.js';
import { OAuthError } from '../errors.js';
import { type IssuedToken, issueToken, revokeFamily } from '../tokens.js';
import type { GrantContext, GrantHandler, TokenResponse } from './grant.js';

/** RFC 7636 §4.1: 43 to 128 characters of the unreserved set. */
const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

/** One public text for every refused code, so a caller learns nothing about why (OA-TK-8). */
const invalidGrant = (detail: string) =>
  new OAuthError('invalid_grant', 'the authorization code is invalid, expired or already used', {
    detail,
  });

/** A redeemed code's row, with `extra` parsed (nonce, acr, amr, auth_time...). */
export type RedeemedCode = Omit<AuthorizationCodeTable, 'extra'> & {
  extra: Record<string, unknown>;
};

/** What a token response extension sees: the redeemed code and the tokens just issued. */
export interface CodeRedemption {
  context: GrantContext;
  client: Client;
  /** The same object the claims extensions saw, so both may share state keyed by it. */
  code: RedeemedCode;
  accessToken: IssuedToken;
  refreshToken: IssuedToken | undefined;
}

/**
 * Extension point: hooks that add members to the code grant's token response. The OpenID
 * provider adds `id_token` here when the code's scope holds `openid`, reading `nonce` and
 * `auth_time` from `redemption.code.extra`.
 */
export type TokenResponseExtension = (
  redemption: CodeRedemption,
  response: TokenResponse,
) => void | Promise<void>;

export const tokenResponseExtensions: TokenResponseExtension[] = [];

/**
 * Extension point: claims added to the access and refresh tokens of the code grant, before they
 * are signed (SMART App Launch `patient` and `fhirUser`, added by src/access/launch).
 */
export type TokenClaimsExtension = (
  kardia: Kardia,
  code: RedeemedCode,
  client: Client,
) => Record<string, unknown> | Promise<Record<string, unknown>>;

export const tokenClaimsExtensions: TokenClaimsExtension[] = [];

/**
 * The authorization-code grant (RFC 6749 §4.1.3), HEART OAuth §2.2.2, §3.1.7: the client is
 * already authenticated; the code must be unexpired, unused, issued to this client for this
 * redirect URI, and match its PKCE challenge. A second redemption revokes what the first one
 * produced (RFC 6749 §4.1.2).
 */
export const authorizationCodeGrant: GrantHandler = async (context) => {
  const { kardia, params, client } = context;
  const code = params.code;
  if (!code) throw new OAuthError('invalid_request', 'code is required');
  const codeHash = sha256(code);

  const row = await kardia.store.db
    .selectFrom('authorization_codes')
    .selectAll()
    .where('code_hash', '=', codeHash)
    .executeTakeFirst();
  if (!row) throw invalidGrant('unknown code');
  if (row.used_at !== null) await refuseReplay(kardia, codeHash);

  // RFC 6749 §4.1.3, OA-TK-8: bound to the client and to the exact redirect URI.
  if (row.client_id !== client.clientId) throw invalidGrant('code issued to another client');
  if (params.redirect_uri !== row.redirect_uri) throw invalidGrant('redirect_uri differs');
  if (row.expires_at <= nowSeconds()) throw invalidGrant('code expired');
  checkVerifier(row.code_challenge, params.code_verifier);

  const grant = await findLiveGrantById(kardia, row.grant_id);
  if (!grant) throw invalidGrant('the consent grant was revoked');

  // Single use, atomically: of two racing redemptions (on any node) exactly one marks it.
  const marked = await kardia.store.db
    .updateTable('authorization_codes')
    .set({ used_at: nowSeconds() })
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (Number(marked.numUpdatedRows) !== 1) await refuseReplay(kardia, codeHash);

  const redeemed: RedeemedCode = { ...row, extra: parseExtra(row.extra) };
  const claims: Record<string, unknown> = {};
  for (const extend of tokenClaimsExtensions) {
    Object.assign(claims, await extend(kardia, redeemed, client));
  }

  // Limitation: a replay landing between the mark above and the inserts below revokes nothing
  // yet; closing it would take a "replayed" flag on the code, checked after issuing.
  const common = {
    clientId: client.clientId,
    sub: row.sub,
    grantId: grant.id,
    parent: codeHash,
    claims,
  };
  const accessToken = await issueToken(kardia, {
    ...common,
    kind: 'access',
    scope: row.scope,
    ttl: kardia.settings.accessTokenTtl,
  });
  // HEART OAuth §2.1.1, §3.1.1: a refresh token only for clients registered for that grant.
  const refreshToken = client.grantTypes.includes('refresh_token')
    ? await issueToken(kardia, {
        ...common,
        kind: 'refresh',
        scope: row.scope,
        ttl: kardia.settings.refreshTokenTtl,
      })
    : undefined;
  await touchGrant(kardia, grant.id);

  const response: TokenResponse = {
    access_token: accessToken.token,
    token_type: 'Bearer',
    expires_in: accessToken.exp - accessToken.iat,
    scope: row.scope,
    ...(refreshToken ? { refresh_token: refreshToken.token } : {}),
  };
  const redemption: CodeRedemption = {
    context,
    client,
    code: redeemed,
    accessToken,
    refreshToken,
  };
  for (const extend of tokenResponseExtensions) await extend(redemption, response);
  return response;
};

/** RFC 6749 §4.1.2: a code used twice is refused, and every token from its first use revoked. */
async function refuseReplay(kardia: Kardia, codeHash: string): Promise<never> {
  await revokeFamily(kardia, [codeHash]);
  throw invalidGrant('code replayed: the tokens it produced are revoked');
}

/**
 * RFC 7636 §4.6: BASE64URL(SHA-256(verifier)) must equal the challenge, compared in constant
 * time. A verifier for a code issued without a challenge is refused too (OA-NC-11, OA-PK-1).
 */
function checkVerifier(challenge: string | null, verifier: string | undefined): void {
  if (!challenge) {
    if (verifier !== undefined) throw invalidGrant('code_verifier sent for a code without PKCE');
    return;
  }
  if (!verifier) throw invalidGrant('code_verifier missing');
  if (!CODE_VERIFIER.test(verifier)) throw invalidGrant('code_verifier malformed');
  const computed = createHash('sha256').update(verifier).digest('base64url');
  if (!safeEqual(computed, challenge)) throw invalidGrant('code_verifier does not match');
}

function parseExtra(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

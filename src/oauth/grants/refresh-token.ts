import type { JWTPayload } from 'jose';
import type { Kardia } from '../../server/context.js';
import { nowSeconds } from '../../util/time.js';
import { OAuthError } from '../errors.js';
import { issueToken, revokeChain, verifyOwnToken } from '../tokens.js';
import type { GrantHandler } from './grant.js';
import { narrowScope } from './narrow-scope.js';

/** Claims every token gets afresh; anything else a refresh token carries is carried forward. */
const ISSUED_CLAIMS = [
  'iss',
  'sub',
  'aud',
  'azp',
  'client_id',
  'scope',
  'iat',
  'exp',
  'nbf',
  'jti',
];

const invalidGrant = (detail: string) =>
  new OAuthError('invalid_grant', 'the refresh token is invalid, expired or revoked', { detail });

/**
 * The refresh-token grant (RFC 6749 §6), with rotation (RFC 9700 §4.14.2): each use retires the
 * presented refresh token and returns a new one, so a stolen copy works at most once and is then
 * noticed.
 *
 * Lineage, which revocation follows (tokens.ts revokeFamily and revokeChain):
 *   new refresh token: parent = the presented refresh token's jti;
 *   new access token: parent = the NEW refresh token's jti.
 * So revoking the refresh token a client holds now also ends the access token issued with it, and
 * revoking any refresh token ends everything issued after it.
 *
 * Each new refresh token lives `refreshTokenTtl` from its own issue (HEART OAuth §3.3: at most
 * 24 hours each): a client that refreshes at least once a day keeps its access until the owner
 * revokes the grant, and one idle longer loses it.
 */
export const refreshTokenGrant: GrantHandler = async ({ kardia, params, client }) => {
  const presented = params.refresh_token;
  if (!presented) throw new OAuthError('invalid_request', 'refresh_token is required');

  const verified = await verifyOwnToken(kardia, presented, ['refresh']);
  // RFC 6749 §6, HEART OAuth OA-NC-13: only the client the token was issued to may use it.
  if (!verified?.row || verified.row.client_id !== client.clientId) {
    throw invalidGrant('unknown refresh token, or one issued to another client');
  }
  const { payload, row } = verified;

  if (verified.revoked) await refuseReplay(kardia, payload.jti);

  // RFC 6749 §6: the new refresh token keeps the original scope; the access token may narrow it.
  // Checked before the token is retired, so a refused request leaves it usable.
  const grantedScope = payload.scope ?? '';
  const scope = narrowScope(params.scope, grantedScope);

  // Of two requests racing with one token (on one node or on several) only one retires it.
  if (!(await retire(kardia, payload.jti))) await refuseReplay(kardia, payload.jti);

  const claims = carriedClaims(payload);
  // UMA grant §3.6: a refresh token that came with an RPT (its claims hold `permissions`) gives
  // an RPT with the same permissions and audience, without assessing policy again (UMA-REF-2).
  const rpt = 'permissions' in claims;
  const common = {
    clientId: client.clientId,
    sub: payload.sub,
    grantId: row.grant_id,
    claims,
    ...(rpt && payload.aud ? { audience: payload.aud } : {}),
  };

  const refresh = await issueToken(kardia, {
    ...common,
    kind: 'refresh',
    scope: grantedScope,
    ttl: kardia.settings.refreshTokenTtl,
    parent: payload.jti,
  });
  const access = await issueToken(kardia, {
    ...common,
    kind: rpt ? 'rpt' : 'access',
    scope,
    ttl: rpt ? kardia.settings.umaRptTtl : kardia.settings.accessTokenTtl,
    parent: refresh.jti,
  });

  return {
    access_token: access.token,
    token_type: 'Bearer',
    expires_in: access.exp - access.iat,
    refresh_token: refresh.token,
    ...(scope ? { scope } : {}),
  };
};

// Limitation: a replay that lands while the winning request is still between retiring the token
// and inserting its successors revokes the chain without them; a "replayed" mark on the token,
// checked after issuing, would close that window.
/**
 * RFC 9700 §4.14.2: a retired refresh token came back, so one of two parties holds a stolen copy;
 * end the whole chain, the legitimate client's current tokens included.
 */
async function refuseReplay(kardia: Kardia, jti: string): Promise<never> {
  await revokeChain(kardia, jti);
  throw invalidGrant('refresh token replayed: its chain is revoked');
}

/** Marks the presented refresh token used; the conditional update is atomic. */
async function retire(kardia: Kardia, jti: string): Promise<boolean> {
  const result = await kardia.store.db
    .updateTable('tokens')
    .set({ revoked_at: nowSeconds() })
    .where('jti', '=', jti)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

function carriedClaims(payload: JWTPayload): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(payload).filter(([name]) => !ISSUED_CLAIMS.includes(name)),
  );
}

import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { Kardia } from '../server/context.js';
import { randomToken } from '../util/random.js';
import { nowSeconds } from '../util/time.js';

/** JWS `typ` of each token Kardia signs; a refresh token can never pass for an access token. */
export const TOKEN_TYPES = { access: 'at+jwt', refresh: 'rt+jwt', rpt: 'at+jwt' } as const;
export type TokenKind = keyof typeof TOKEN_TYPES;

export interface IssueTokenInput {
  kind: TokenKind;
  clientId: string;
  /** The user, or the client_id itself for client credentials (HEART OAuth §3.2.1). */
  sub: string;
  scope: string;
  ttl: number;
  /** The consent grant (or UMA policy decision) that justifies the token, for revocation. */
  grantId?: string | null;
  /** The code hash or refresh token `jti` this token came from, for cascade revocation. */
  parent?: string | null;
  /** Claims beyond the standard set (`permissions` of an RPT, `patient`, `fhirUser`...). */
  claims?: Record<string, unknown>;
  /** `aud` when it is not the default audience (an RPT names the RS it is for). */
  audience?: string | string[];
}

export interface IssuedToken {
  token: string;
  jti: string;
  exp: number;
  iat: number;
}

/**
 * Signs and records a token. HEART OAuth §3.2.1 and RFC 9068: `iss`, `azp`, `client_id`, `sub`,
 * `aud`, `exp`, `iat`, `jti` of 256 random bits, `scope`. The row lets a correctly signed
 * token still be revoked.
 */
export async function issueToken(kardia: Kardia, input: IssueTokenInput): Promise<IssuedToken> {
  const iat = nowSeconds();
  const exp = iat + input.ttl;
  const jti = randomToken();
  const payload: JWTPayload = {
    ...input.claims,
    iss: kardia.urls.issuer,
    sub: input.sub,
    aud: input.audience ?? (await tokenAudience(kardia)),
    azp: input.clientId,
    client_id: input.clientId,
    scope: input.scope,
    iat,
    exp,
    jti,
  };
  // The row and the signature do not depend on each other: the signature is computed off the
  // main thread while the row is written.
  const [token] = await Promise.all([
    kardia.keys.sign(payload, TOKEN_TYPES[input.kind]),
    kardia.store.grouped((db) =>
      db
        .insertInto('tokens')
        .values({
          jti,
          kind: input.kind,
          client_id: input.clientId,
          sub: input.sub,
          scope: input.scope,
          grant_id: input.grantId ?? null,
          parent: input.parent ?? null,
          expires_at: exp,
          revoked_at: null,
          created_at: iat,
        })
        .execute(),
    ),
  ]);
  return { token, jti, exp, iat };
}

/** Per server (tests run several in one process), refreshed every few seconds. */
const audienceCache = new WeakMap<Kardia, { at: number; value: string[] }>();

/**
 * The protected resources a token is meant for: Kardia's own FHIR base and every registered
 * protected resource that named its identifier (`resource`). HEART OAuth §3.2.1: URIs.
 */
export async function tokenAudience(kardia: Kardia): Promise<string[]> {
  const cached = audienceCache.get(kardia);
  if (cached && Date.now() - cached.at < 5_000) return cached.value;
  const rows = await kardia.store.db
    .selectFrom('clients')
    .select('metadata')
    .where('kind', '=', 'resource_server')
    .execute();
  const value = new Set([kardia.urls.fhir]);
  for (const row of rows) {
    const resource = (JSON.parse(row.metadata) as { resource?: unknown }).resource;
    if (typeof resource === 'string') value.add(resource);
  }
  const fresh = { at: Date.now(), value: [...value] };
  audienceCache.set(kardia, fresh);
  return fresh.value;
}

export function forgetAudienceCache(kardia: Kardia): void {
  audienceCache.delete(kardia);
}

export interface VerifiedToken {
  payload: JWTPayload & { jti: string; sub: string; azp: string; scope?: string; exp: number };
  kind: TokenKind;
  revoked: boolean;
  row: { client_id: string; grant_id: string | null; parent: string | null } | undefined;
}

/**
 * Verifies a token this server signed: our key, our issuer, unexpired, of the expected kinds;
 * then reads its revocation state. Answers undefined for anything that is not a live token of
 * ours, so callers never reveal why.
 */
export async function verifyOwnToken(
  kardia: Kardia,
  token: string,
  kinds: TokenKind[],
): Promise<VerifiedToken | undefined> {
  if (token.length > 8192) return undefined;
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    return undefined;
  }
  const key = kid ? await kardia.keys.publicKey(kid) : undefined;
  if (!key) return undefined;
  let payload: JWTPayload;
  let typ: string | undefined;
  try {
    const verified = await jwtVerify(token, key, {
      issuer: kardia.urls.issuer,
      algorithms: ['RS256'],
      requiredClaims: ['jti', 'exp', 'sub'],
    });
    payload = verified.payload;
    typ = verified.protectedHeader.typ;
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) return undefined;
    throw error;
  }
  const row = await kardia.store.db
    .selectFrom('tokens')
    .select(['kind', 'client_id', 'grant_id', 'parent', 'revoked_at'])
    .where('jti', '=', String(payload.jti))
    .executeTakeFirst();
  if (!row) return undefined;
  const kind = row.kind as TokenKind;
  if (!kinds.includes(kind) || TOKEN_TYPES[kind] !== typ) return undefined;
  return {
    payload: payload as VerifiedToken['payload'],
    kind,
    revoked: row.revoked_at !== null,
    row,
  };
}

/**
 * Revokes tokens and, transitively, every token issued from them (RFC 7009 §2.1: revoking a
 * refresh token ends the access tokens it produced). `roots` are jtis or code hashes.
 */
export async function revokeFamily(kardia: Kardia, roots: string[]): Promise<number> {
  const now = nowSeconds();
  let frontier = roots;
  let count = 0;
  const seen = new Set<string>();
  while (frontier.length > 0) {
    const batch = frontier.filter((id) => !seen.has(id)).slice(0, 500);
    if (batch.length === 0) break;
    batch.forEach((id) => seen.add(id));
    const result = await kardia.store.db
      .updateTable('tokens')
      .set({ revoked_at: now })
      .where('revoked_at', 'is', null)
      .where('jti', 'in', batch)
      .executeTakeFirst();
    count += Number(result.numUpdatedRows);
    const children = await kardia.store.db
      .selectFrom('tokens')
      .select('jti')
      .where('parent', 'in', batch)
      .execute();
    frontier = [...frontier.slice(batch.length), ...children.map((c) => c.jti)];
  }
  return count;
}

/** Ends every token a consent grant (or UMA decision) justified. */
export async function revokeByGrant(kardia: Kardia, grantId: string): Promise<number> {
  const rows = await kardia.store.db
    .selectFrom('tokens')
    .select('jti')
    .where('grant_id', '=', grantId)
    .where('revoked_at', 'is', null)
    .execute();
  return revokeFamily(
    kardia,
    rows.map((r) => r.jti),
  );
}

/**
 * Ends a whole refresh chain: every token descending from the grant the chain started with (the
 * code a first refresh token came from), found by walking up through rotated refresh tokens.
 * RFC 9700 §4.14.2 on a replayed refresh token; RFC 7009 §2.1 "all access tokens based on the
 * same authorization grant" when a refresh token is revoked.
 */
export async function revokeChain(kardia: Kardia, refreshJti: string): Promise<number> {
  let root = await tokenLink(kardia, refreshJti);
  if (!root) return 0;
  for (let depth = 0; root.parent && depth < 10_000; depth++) {
    const up = await tokenLink(kardia, root.parent);
    if (!up || up.kind !== 'refresh') break;
    root = up;
  }
  return revokeFamily(kardia, root.parent ? [root.jti, root.parent] : [root.jti]);
}

const tokenLink = (kardia: Kardia, jti: string) =>
  kardia.store.db
    .selectFrom('tokens')
    .select(['jti', 'kind', 'parent'])
    .where('jti', '=', jti)
    .executeTakeFirst();

import type { Kardia } from '../server/context.js';
import { randomToken } from '../util/random.js';
import { nowSeconds } from '../util/time.js';
import { joinScope, parseScope } from './scopes.js';
import { revokeByGrant } from './tokens.js';

/**
 * A user's standing decision to let a client act for them with some scopes (HEART OAuth
 * §3.1.4). Every code and token names the grant it came from, so revoking the grant ends them.
 */
export interface ConsentGrant {
  id: string;
  sub: string;
  clientId: string;
  scopes: string[];
  createdAt: number;
  lastUsedAt: number | null;
}

/** The user's live grant to this client, if any (the newest, should two ever exist). */
export async function findActiveGrant(
  kardia: Kardia,
  sub: string,
  clientId: string,
): Promise<ConsentGrant | undefined> {
  const row = await kardia.store.db
    .selectFrom('consent_grants')
    .selectAll()
    .where('sub', '=', sub)
    .where('client_id', '=', clientId)
    .where('revoked_at', 'is', null)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  return row ? toGrant(row) : undefined;
}

/** A grant by id, but only while it has not been revoked. */
export async function findLiveGrantById(
  kardia: Kardia,
  id: string,
): Promise<ConsentGrant | undefined> {
  const row = await kardia.store.db
    .selectFrom('consent_grants')
    .selectAll()
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? toGrant(row) : undefined;
}

export const grantCovers = (grant: ConsentGrant, scopes: string[]): boolean =>
  scopes.every((scope) => grant.scopes.includes(scope));

/**
 * Records the user's "allow". An existing live grant to the same client widens to the union of
 * scopes, so the user has one grant per client to review and revoke.
 */
export async function recordConsent(
  kardia: Kardia,
  sub: string,
  clientId: string,
  scopes: string[],
): Promise<ConsentGrant> {
  const existing = await findActiveGrant(kardia, sub, clientId);
  if (existing) {
    if (grantCovers(existing, scopes)) return existing;
    const widened = parseScope(joinScope([...existing.scopes, ...scopes]));
    await kardia.store.db
      .updateTable('consent_grants')
      .set({ scope: joinScope(widened) })
      .where('id', '=', existing.id)
      .execute();
    return { ...existing, scopes: widened };
  }
  const grant: ConsentGrant = {
    id: randomToken(16),
    sub,
    clientId,
    scopes,
    createdAt: nowSeconds(),
    lastUsedAt: null,
  };
  await kardia.store.db
    .insertInto('consent_grants')
    .values({
      id: grant.id,
      sub,
      client_id: clientId,
      scope: joinScope(scopes),
      created_at: grant.createdAt,
      last_used_at: null,
      revoked_at: null,
    })
    .execute();
  return grant;
}

/** Notes that a grant was just used to issue tokens (shown to the user on the dashboard). */
export async function touchGrant(kardia: Kardia, id: string): Promise<void> {
  await kardia.store.db
    .updateTable('consent_grants')
    .set({ last_used_at: nowSeconds() })
    .where('id', '=', id)
    .execute();
}

/** The user takes a grant back: it stops covering requests and every token it justified ends. */
export async function revokeConsent(kardia: Kardia, sub: string, id: string): Promise<boolean> {
  const result = await kardia.store.db
    .updateTable('consent_grants')
    .set({ revoked_at: nowSeconds() })
    .where('id', '=', id)
    .where('sub', '=', sub)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return false;
  await revokeByGrant(kardia, id);
  return true;
}

function toGrant(row: {
  id: string;
  sub: string;
  client_id: string;
  scope: string;
  created_at: number;
  last_used_at: number | null;
}): ConsentGrant {
  return {
    id: row.id,
    sub: row.sub,
    clientId: row.client_id,
    scopes: parseScope(row.scope),
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

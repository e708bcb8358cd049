import type { Kardia } from '../../server/context.js';
import { randomToken, sha256 } from '../../util/random.js';
import { nowSeconds } from '../../util/time.js';
import { parseParty, type RequestingParty } from './requesting-party.js';

/**
 * Issues a PCT (G§5.2, Part 3.5, HU-35): an opaque 256-bit handle, stored only as its SHA-256
 * (UMA-PCT-3), standing for the claims of one requesting party, bound to one client, living
 * `umaPctTtl` (at most 24 hours). It carries no claim itself (UMA-TOK-3).
 */
export async function issuePct(
  kardia: Kardia,
  clientId: string,
  party: RequestingParty,
): Promise<{ value: string; hash: string }> {
  const value = randomToken(32);
  const hash = sha256(value);
  const now = nowSeconds();
  await kardia.store.db
    .insertInto('uma_pcts')
    .values({
      pct_hash: hash,
      client_id: clientId,
      claims: JSON.stringify(party),
      claims_at: now,
      expires_at: now + kardia.settings.umaPctTtl,
      revoked_at: null,
      created_at: now,
    })
    .execute();
  return { value, hash };
}

/**
 * The requesting party behind a PCT presented by `clientId`. UMA-PCT-2: another client's PCT has
 * no effect; UMA-PCT-4, UMA-ASSESS-5: a revoked PCT, or one whose claims are older than the PCT
 * lifetime, counts for nothing either.
 */
export async function readPct(
  kardia: Kardia,
  value: string,
  clientId: string,
): Promise<{ party: RequestingParty; hash: string } | undefined> {
  if (value.length > 200) return undefined;
  const hash = sha256(value);
  const row = await kardia.store.db
    .selectFrom('uma_pcts')
    .selectAll()
    .where('pct_hash', '=', hash)
    .executeTakeFirst();
  const now = nowSeconds();
  if (!row || row.client_id !== clientId || row.revoked_at !== null) return undefined;
  if (row.expires_at <= now || row.claims_at + kardia.settings.umaPctTtl <= now) return undefined;
  const party = parseParty(row.claims);
  return party ? { party, hash } : undefined;
}

/** UMA-REF-3, HU-24: the client a PCT was issued to revokes it at /revoke. */
export async function revokePct(kardia: Kardia, value: string, clientId: string): Promise<boolean> {
  if (value.length > 200) return false;
  const result = await kardia.store.db
    .updateTable('uma_pcts')
    .set({ revoked_at: nowSeconds() })
    .where('pct_hash', '=', sha256(value))
    .where('client_id', '=', clientId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

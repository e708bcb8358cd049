import type { Kardia } from '../../server/context.js';
import { randomToken, sha256 } from '../../util/random.js';
import { nowSeconds } from '../../util/time.js';

/** How long a requesting party has to sign in and decide, seconds. */
export const INTERACTION_TTL = 600;

/** A requesting party's visit to the claims interaction endpoint, between arrival and answer. */
export interface Interaction {
  ticketHash: string;
  clientId: string;
  claimsRedirectUri: string;
  state: string | undefined;
}

/** Starts an interaction; the handle (256 bits, stored hashed) names it in the page URL. */
export async function startInteraction(kardia: Kardia, interaction: Interaction): Promise<string> {
  const handle = randomToken(32);
  await kardia.store.db
    .insertInto('uma_interactions')
    .values({
      id_hash: sha256(handle),
      ticket_hash: interaction.ticketHash,
      client_id: interaction.clientId,
      claims_redirect_uri: interaction.claimsRedirectUri,
      state: interaction.state ?? null,
      expires_at: nowSeconds() + INTERACTION_TTL,
      done_at: null,
    })
    .execute();
  return handle;
}

/** A live interaction (not finished, not expired). */
export async function findInteraction(
  kardia: Kardia,
  handle: string,
): Promise<Interaction | undefined> {
  if (handle.length > 100) return undefined;
  const row = await kardia.store.db
    .selectFrom('uma_interactions')
    .selectAll()
    .where('id_hash', '=', sha256(handle))
    .executeTakeFirst();
  if (!row || row.done_at !== null || row.expires_at <= nowSeconds()) return undefined;
  return {
    ticketHash: row.ticket_hash,
    clientId: row.client_id,
    claimsRedirectUri: row.claims_redirect_uri,
    state: row.state ?? undefined,
  };
}

/** Ends an interaction once, atomically: a second answer (another tab, a replay) gets false. */
export async function finishInteraction(kardia: Kardia, handle: string): Promise<boolean> {
  const result = await kardia.store.db
    .updateTable('uma_interactions')
    .set({ done_at: nowSeconds() })
    .where('id_hash', '=', sha256(handle))
    .where('done_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

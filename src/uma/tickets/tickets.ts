import { OAuthError } from '../../oauth/errors.js';
import type { Kardia } from '../../server/context.js';
import type { UmaTicketTable } from '../../store/tables.js';
import { randomToken, sha256 } from '../../util/random.js';
import { nowSeconds } from '../../util/time.js';
import { parseParty, type RequestingParty } from '../claims/requesting-party.js';
import { grantsOfChain, revokeUmaGrants } from '../revocation/revoke-grants.js';

/** One requested permission: a resource and scopes on it (F§4.1). */
export interface Permission {
  resource_id: string;
  resource_scopes: string[];
}

/** A ticket as stored: what it stands for and where in its chain it is. */
export interface Ticket {
  /** The SHA-256 the ticket is stored under. */
  hash: string;
  chainId: string;
  owner: string;
  rsClientId: string;
  permissions: Permission[];
  /** Part 3.3: the client the chain is bound to, once one presented a ticket of it. */
  clientId: string | null;
  /** Claims gathered interactively for this chain (UMA-CG), carried to its next ticket. */
  party: RequestingParty | undefined;
  /** The requesting party ticked "remember me for this app" (Part 3.5). */
  remember: boolean;
}

/** One public text for every refused ticket (UMA-ERR-1): a caller learns nothing about why. */
export const invalidTicket = (detail: string): OAuthError =>
  new OAuthError('invalid_grant', 'the permission ticket is invalid, expired or already used', {
    detail,
  });

/**
 * Issues a ticket (UMA-TKT-1, Part 3.3): 256 random bits, stored only as its SHA-256, living
 * `umaTicketTtl` seconds. Without `chainId` it starts a new chain (the permission endpoint).
 */
export async function issueTicket(
  kardia: Kardia,
  ticket: Omit<Ticket, 'chainId' | 'hash'> & { chainId?: string },
): Promise<string> {
  const value = randomToken(32);
  const now = nowSeconds();
  await kardia.store.db
    .insertInto('uma_tickets')
    .values({
      ticket_hash: sha256(value),
      chain_id: ticket.chainId ?? randomToken(16),
      owner_sub: ticket.owner,
      rs_client_id: ticket.rsClientId,
      permissions: JSON.stringify(ticket.permissions),
      client_id: ticket.clientId,
      claims: ticket.party ? JSON.stringify(ticket.party) : null,
      remember: ticket.remember ? 1 : 0,
      expires_at: now + kardia.settings.umaTicketTtl,
      used_at: null,
      created_at: now,
    })
    .execute();
  return value;
}

/**
 * Spends a ticket presented by `clientId` (UMA-TKT-2, G§5.5): it dies at its first presentation,
 * atomically on every node. A ticket seen again is a sign of theft (UMA-TKT-5, Part 3.3): what
 * its chain produced is revoked. A ticket of a chain bound to another client is refused without
 * being spent, so a thief cannot spoil it for the rightful client.
 */
export async function spendTicket(
  kardia: Kardia,
  value: string,
  clientId: string,
): Promise<Ticket> {
  if (value.length > 200) throw invalidTicket('ticket too long');
  const hash = sha256(value);
  const row = await kardia.store.db
    .selectFrom('uma_tickets')
    .selectAll()
    .where('ticket_hash', '=', hash)
    .executeTakeFirst();
  if (!row) throw invalidTicket('unknown ticket');
  if (row.used_at !== null) await refuseReplay(kardia, row.chain_id);
  if (row.client_id !== null && row.client_id !== clientId) {
    throw invalidTicket('ticket chain bound to another client');
  }
  if (row.expires_at <= nowSeconds()) throw invalidTicket('ticket expired');
  const marked = await kardia.store.db
    .updateTable('uma_tickets')
    .set({ used_at: nowSeconds() })
    .where('ticket_hash', '=', hash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (Number(marked.numUpdatedRows) !== 1) await refuseReplay(kardia, row.chain_id);
  return { ...toTicket(row), clientId, hash };
}

/** A ticket by its stored hash, spent or not (the claims interaction continues a spent one). */
export async function findTicketByHash(kardia: Kardia, hash: string): Promise<Ticket | undefined> {
  const row = await kardia.store.db
    .selectFrom('uma_tickets')
    .selectAll()
    .where('ticket_hash', '=', hash)
    .executeTakeFirst();
  return row ? toTicket(row) : undefined;
}

/** UMA-TKT-3: every continuation hands out a new ticket of the same chain, for the same client. */
export function continueTicket(
  kardia: Kardia,
  spent: Ticket,
  changes: Partial<Pick<Ticket, 'party' | 'remember' | 'permissions'>> = {},
): Promise<string> {
  return issueTicket(kardia, { ...spent, ...changes });
}

/**
 * Part 3.8: the owner approved part of what a chain asks; its unspent tickets now stand for
 * `narrow(permissions)`.
 */
export async function narrowChain(
  kardia: Kardia,
  chainId: string,
  narrow: (permissions: Permission[]) => Permission[],
): Promise<void> {
  const rows = await kardia.store.db
    .selectFrom('uma_tickets')
    .select(['ticket_hash', 'permissions'])
    .where('chain_id', '=', chainId)
    .where('used_at', 'is', null)
    .execute();
  for (const row of rows) {
    const permissions = narrow(JSON.parse(row.permissions) as Permission[]);
    await kardia.store.db
      .updateTable('uma_tickets')
      .set({ permissions: JSON.stringify(permissions) })
      .where('ticket_hash', '=', row.ticket_hash)
      .execute();
  }
}

async function refuseReplay(kardia: Kardia, chainId: string): Promise<never> {
  await revokeUmaGrants(kardia, await grantsOfChain(kardia, chainId));
  throw invalidTicket('ticket replayed: what its chain produced is revoked');
}

function toTicket(row: UmaTicketTable): Ticket {
  return {
    hash: row.ticket_hash,
    chainId: row.chain_id,
    owner: row.owner_sub,
    rsClientId: row.rs_client_id,
    permissions: JSON.parse(row.permissions) as Permission[],
    clientId: row.client_id,
    party: parseParty(row.claims),
    remember: row.remember === 1,
  };
}

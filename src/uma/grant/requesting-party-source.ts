import type { Client } from '../../oauth/clients.js';
import type { Kardia } from '../../server/context.js';
import { isProblem, readClaimToken } from '../claims/claim-token.js';
import { readPct } from '../claims/pct.js';
import type { RequestingParty } from '../claims/requesting-party.js';
import type { Ticket } from '../tickets/tickets.js';

/** Who the requesting party is for this token request, and where Kardia learnt it. */
export interface PartySource {
  party: RequestingParty | undefined;
  /** The hash of the PCT whose claims were used, if they were (Part 3.9 revokes it with the RPT). */
  pctUsed: string | undefined;
  /** The claims came from interactive gathering with "remember me" ticked: a PCT may follow. */
  remember: boolean;
  /** A pushed claim token was refused: why, for the log, and whether its format was the cause. */
  refused: { detail: string; format: boolean } | undefined;
}

/**
 * UMA-GRANT-3, UMA-ASSESS-2: the requesting party from one source, never mixed: a pushed claim
 * token first, then claims gathered for this ticket chain, then a PCT of this client. A pushed
 * token that fails validation is reported, and then no other source counts (HU-26).
 */
export async function requestingParty(
  kardia: Kardia,
  client: Client,
  ticket: Ticket,
  params: Record<string, string>,
): Promise<PartySource> {
  // UMA-GRANT-3: the grant has already refused one of the two without the other.
  const token = params.claim_token;
  const format = params.claim_token_format;
  const none = { party: undefined, pctUsed: undefined, remember: false, refused: undefined };
  if (token !== undefined && format !== undefined) {
    const read = await readClaimToken(kardia, client, token, format);
    if (isProblem(read)) {
      return {
        ...none,
        refused: { detail: read.detail, format: read.problem === 'unsupported_format' },
      };
    }
    return { ...none, party: read };
  }
  if (ticket.party) return { ...none, party: ticket.party, remember: ticket.remember };
  if (params.pct !== undefined) {
    const pct = await readPct(kardia, params.pct, client.clientId);
    if (pct) return { ...none, party: pct.party, pctUsed: pct.hash };
  }
  return none;
}

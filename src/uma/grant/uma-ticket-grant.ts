import { OAuthError } from '../../oauth/errors.js';
import type { GrantHandler } from '../../oauth/grants/grant.js';
import { bindAtFirstUse } from '../policy/binding.js';
import { openAccessRequest } from '../requests/access-requests.js';
import { continueTicket, spendTicket } from '../tickets/tickets.js';
import { needInfo, requestDenied, requestSubmitted } from './answers.js';
import { assess } from './assess.js';
import { requestedPermissions } from './requested-permissions.js';
import { requestingParty } from './requesting-party-source.js';
import { issueRpt } from './rpt.js';

/**
 * The UMA grant (G§3.3): the client, already authenticated with private_key_jwt and registered
 * for this grant, presents its latest ticket with optional pushed claims, PCT, RPT to upgrade and
 * scope. The ticket is spent first (UMA-TKT-2); then Kardia works out what is asked, who asks,
 * and what the owner's policies say; the answer is an RPT or an error carrying the next ticket.
 */
export const umaTicketGrant: GrantHandler = async ({ kardia, request, params, client }) => {
  // UMA-GRANT-2: ticket is required; checked before anything is spent.
  if (!params.ticket) throw new OAuthError('invalid_request', 'ticket is required');
  if ((params.claim_token === undefined) !== (params.claim_token_format === undefined)) {
    throw new OAuthError('invalid_request', 'claim_token and claim_token_format go together');
  }

  const ticket = await spendTicket(kardia, params.ticket, client.clientId);
  const requested = await requestedPermissions(kardia, ticket, client, params.scope);
  const source = await requestingParty(kardia, client, ticket, params);
  // Claims gathered for this chain travel on with it until they earn an RPT.
  const carry = { party: ticket.party, remember: ticket.remember };

  // HU-26, HU-27, UMA-TRUST-5: a refused claim token is `need_info`, never an RPT.
  if (source.refused) {
    request.log.info(
      { event: 'uma_claim_token_refused', detail: source.refused.detail },
      'refused',
    );
    throw needInfo(kardia, client, await continueTicket(kardia, ticket, carry), []);
  }

  const verdict = await assess(kardia, ticket.owner, ticket.chainId, requested, source.party);
  request.log.info(
    { event: 'uma_assessment', client_id: client.clientId, outcome: verdict.kind },
    'assessed',
  );
  if (verdict.kind === 'denied') throw requestDenied();
  if (verdict.kind === 'need_info') {
    const next = await continueTicket(kardia, ticket, carry);
    throw needInfo(kardia, client, next, verdict.missing);
  }
  if (verdict.kind === 'ask' && source.party) {
    await openAccessRequest(kardia, {
      owner: ticket.owner,
      chainId: ticket.chainId,
      permissions: verdict.asked,
      party: source.party,
      clientId: client.clientId,
    });
    // The chain remembers who asked, so the client polls with the ticket alone (G§3.3.6).
    const next = await continueTicket(kardia, ticket, {
      party: source.party,
      remember: source.remember,
    });
    throw requestSubmitted(kardia, next);
  }
  if (verdict.kind !== 'grant' || !source.party) throw requestDenied();
  if (!(await bindAtFirstUse(kardia, ticket.owner, verdict.policies, source.party))) {
    throw requestDenied();
  }

  return issueRpt(kardia, {
    client,
    ticket,
    party: source.party,
    granted: verdict.granted,
    offered: params.rpt,
    pctUsed: source.pctUsed,
    remember: source.remember,
  });
};

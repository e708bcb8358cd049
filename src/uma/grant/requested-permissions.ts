import type { Client } from '../../oauth/clients.js';
import { OAuthError } from '../../oauth/errors.js';
import { isValidScopeString, parseScope } from '../../oauth/scopes.js';
import type { Kardia } from '../../server/context.js';
import { findResource, type UmaResource } from '../resources/resource-store.js';
import { invalidTicket, type Ticket } from '../tickets/tickets.js';

/** A resource of the ticket and the scopes asked on it. */
export interface Requested {
  resource: UmaResource;
  scopes: string[];
}

const invalidScope = (description: string) => new OAuthError('invalid_scope', description);

/**
 * G§3.3.4, UMA-ASSESS-1: Requested(r) = TicketScopes(r) ∪ (ScopeParam ∩ RegisteredScopes(client)),
 * where a scope of the parameter counts for r when r has it registered. UMA-ERR-2 (Kardia, Part
 * 3.10): a `scope` value the client did not pre-register (UMA-REG-4), or that no resource of the
 * ticket has, is `invalid_scope`; so is a resource left with no scope at all.
 */
export async function requestedPermissions(
  kardia: Kardia,
  ticket: Ticket,
  client: Client,
  scopeParam: string | undefined,
): Promise<Requested[]> {
  if (scopeParam !== undefined && !isValidScopeString(scopeParam)) {
    throw invalidScope('scope is not a valid scope string');
  }
  const asked = parseScope(scopeParam);
  const registered = new Set(parseScope(client.scope));
  if (asked.some((scope) => !registered.has(scope))) {
    throw invalidScope('a requested scope is not registered for this client');
  }

  const requested: Requested[] = [];
  const matched = new Set<string>();
  for (const permission of ticket.permissions) {
    const resource = await findResource(kardia, permission.resource_id);
    if (!resource || resource.owner !== ticket.owner) {
      throw invalidTicket('a resource of the ticket no longer exists');
    }
    const available = new Set(resource.description.resource_scopes);
    const extra = asked.filter((scope) => available.has(scope));
    extra.forEach((scope) => matched.add(scope));
    const scopes = [
      ...new Set([...permission.resource_scopes.filter((s) => available.has(s)), ...extra]),
    ];
    if (scopes.length === 0) throw invalidScope('no scope is requested for a resource');
    requested.push({ resource, scopes });
  }
  if (asked.some((scope) => !matched.has(scope))) {
    throw invalidScope('a requested scope matches no resource of the ticket');
  }
  return requested;
}

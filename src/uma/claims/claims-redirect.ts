import { PageError } from '../../account/page-error.js';
import { type Client, findClient } from '../../oauth/clients.js';
import { UMA_TICKET_GRANT } from '../../oauth/registration/grant-set.js';
import type { Kardia } from '../../server/context.js';

const refuse = (text: string, detail: string) =>
  new PageError(400, 'This request cannot be completed', text, { detail });

/**
 * UMA-CG-2: the client must be known and registered for the UMA grant; otherwise the person is
 * told, and nothing redirects.
 */
export async function interactionClient(kardia: Kardia, clientId: string | undefined) {
  const client = clientId ? await findClient(kardia, clientId) : undefined;
  if (!client || client.kind !== 'client' || !client.grantTypes.includes(UMA_TICKET_GRANT)) {
    throw refuse('The application asking is not known here.', 'unknown or non-UMA client_id');
  }
  return client;
}

/**
 * UMA-CG-1, UMA-CG-2, UMA-REG-3, HU-13: where the person returns. A sent `claims_redirect_uri`
 * must equal a registered claims redirect URI as a string (the OAuth `redirect_uris` do not
 * count); without one, the client must have registered exactly one.
 */
export function claimsRedirectUri(client: Client, requested: string | undefined): string {
  const value = client.metadata.claims_redirect_uris;
  const registered = Array.isArray(value) ? value.filter((v) => typeof v === 'string') : [];
  if (requested !== undefined) {
    if (registered.includes(requested)) return requested;
    throw refuse(
      'The return address in the request is not registered for this application.',
      'claims_redirect_uri does not match a registered URI',
    );
  }
  const only = registered.length === 1 ? registered[0] : undefined;
  if (only === undefined) {
    throw refuse('The request does not say where to return.', 'claims_redirect_uri required');
  }
  return only;
}

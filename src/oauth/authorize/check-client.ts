import { findClient } from '../clients.js';
import { OAuthError } from '../errors.js';
import type { AuthorizationContext } from './context.js';

/**
 * HEART OAuth §2.2.3, RFC 6749 §4.1.2.1: the client must be registered. An unknown or missing
 * `client_id` is answered with a page, never a redirect (OA-AZ-8, OA-RG-1).
 */
export async function checkClient(context: AuthorizationContext): Promise<void> {
  const clientId = context.params.client_id;
  const client = clientId ? await findClient(context.kardia, clientId) : undefined;
  if (!client) {
    throw new OAuthError(
      'invalid_request',
      'The application asking for access is not known here.',
      {
        detail: clientId ? 'unknown client_id' : 'missing client_id',
      },
    );
  }
  context.client = client;
  // Errors before the response type is read go back the way this client's answers would.
  context.responseMode = client.grantTypes.includes('implicit') ? 'fragment' : 'query';
}

import type { Kardia } from '../../server/context.js';

/** RFC 7592 §2: the client configuration endpoint of one client. */
export const registrationClientUri = (kardia: Kardia, clientId: string): string =>
  `${kardia.urls.registration}/${encodeURIComponent(clientId)}`;

/**
 * The client information response (RFC 7591 §3.2.1, RFC 7592 §3): the registered metadata and
 * what the server provisioned. Never a `client_secret`: HEART clients have none.
 */
export function clientInformation(
  kardia: Kardia,
  client: { clientId: string; issuedAt: number; metadata: Record<string, unknown> },
  registrationAccessToken: string,
): Record<string, unknown> {
  return {
    client_id: client.clientId,
    client_id_issued_at: client.issuedAt,
    registration_access_token: registrationAccessToken,
    registration_client_uri: registrationClientUri(kardia, client.clientId),
    ...client.metadata,
  };
}

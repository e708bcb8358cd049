import type { Client } from '../oauth/clients.js';
import { OAuthError } from '../oauth/errors.js';
import type { Kardia } from '../server/context.js';
import { safeFetch, SafeFetchError } from '../util/safe-fetch.js';

/** OIDC Core §6.2: the whole Request URI is at most 512 ASCII characters. */
const MAX_REQUEST_URI = 512;

/**
 * Fetches a request object by reference (OIDC Core §6.2, OIDC-RO-4) with the guards of every
 * client-named URL: https only (http for loopback when the operator allows it), no private or
 * link-local addresses, no redirects, a 5 s timeout and a 64 KiB limit (spec: Kardia's choices).
 * Any failure is `invalid_request_uri`, with the reason kept for the log.
 */
export async function fetchRequestUri(
  kardia: Kardia,
  client: Client,
  params: Record<string, string>,
): Promise<string> {
  const uri = params.request_uri ?? '';
  if (uri.length > MAX_REQUEST_URI || !/^[\x21-\x7e]+$/.test(uri)) {
    throw new OAuthError('invalid_request_uri', 'request_uri is not an acceptable URL');
  }
  // OIDC Registration §2: a client that registered `request_uris` may use only those.
  const registered = client.metadata.request_uris;
  const withoutFragment = (value: string) => value.split('#')[0];
  if (
    Array.isArray(registered) &&
    !registered.some((r) => typeof r === 'string' && withoutFragment(r) === withoutFragment(uri))
  ) {
    throw new OAuthError('invalid_request_uri', 'request_uri is not registered for this client');
  }
  try {
    const response = await safeFetch(uri, { allowLoopback: kardia.settings.allowLoopbackFetch });
    return response.body.toString('utf8');
  } catch (error) {
    const reason = error instanceof SafeFetchError ? error.reason : 'failed';
    throw new OAuthError('invalid_request_uri', 'the request_uri could not be fetched', {
      detail: `request_uri refused: ${reason}`,
    });
  }
}

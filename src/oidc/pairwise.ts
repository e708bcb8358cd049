import { createHash } from 'node:crypto';
import type { Client } from '../oauth/clients.js';
import type { Kardia } from '../server/context.js';
import { sharedSecret } from '../store/server-secrets.js';

/** The salt every node shares, so a pairwise `sub` is the same whichever node answers. */
const SALT_NAME = 'pairwise_subject_salt';

/**
 * The sector of a pairwise client (OIDC Core §8.1): the host of its `sector_identifier_uri`, or
 * else the single host of its redirect URIs (registration makes sure there is only one).
 */
export function sectorOf(client: Client): string | undefined {
  const sectorUri = client.metadata.sector_identifier_uri;
  if (typeof sectorUri === 'string' && URL.canParse(sectorUri)) return new URL(sectorUri).host;
  const first = client.redirectUris[0];
  return first && URL.canParse(first) ? new URL(first).host : undefined;
}

export const isPairwise = (client: Client): boolean => client.metadata.subject_type === 'pairwise';

/**
 * The `sub` a client sees for a user (OIDC-ID-7). Public by default; for a pairwise client,
 * SHA-256 of sector, local account id and the server's salt, so two sectors cannot correlate a
 * person and the same sector always sees the same value (OIDC Core §8.1).
 */
// Limitation: access tokens (oauth/tokens.ts) still carry the local account id as `sub`, so a
// pairwise client that decodes its JWT access token can see it; lifting this takes an
// audience-specific `sub` in access tokens and a mapping back at the resource server.
export async function subjectFor(kardia: Kardia, client: Client, sub: string): Promise<string> {
  if (!isPairwise(client)) return sub;
  const sector = sectorOf(client);
  if (!sector) throw new Error('pairwise client without a sector');
  const salt = await sharedSecret(kardia.store, SALT_NAME);
  return createHash('sha256').update(`${sector}|${sub}|${salt}`).digest('base64url');
}

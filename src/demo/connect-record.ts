import { AsProtection, PROTECTION_SCOPE } from '../access/uma/as-protection.js';
import { loadPatClient } from '../access/uma/pat-client.js';
import { PatLinks } from '../access/uma/pat-links.js';
import { Registrations } from '../access/uma/registrations.js';
import type { RecordPart } from '../access/uma/resource-table.js';
import { recordConsent, touchGrant } from '../oauth/consent-grants.js';
import { issueToken } from '../oauth/tokens.js';
import type { Kardia } from '../server/context.js';

/**
 * Connects an owner's record to UMA without the owner's browser, for the demo (and the
 * benchmark's set-up) only: in one process the AS records the owner's "allow" for the FHIR
 * server's protection client and issues the PAT and refresh token the code flow would have
 * given (connect-endpoints.ts); the RS keeps them and registers the record at the AS over HTTP,
 * as after a real connection. The server must be listening. Answers each registered part of
 * the owner's first record by its UMA resource id.
 */
export async function connectRecordWithoutBrowser(
  kardia: Kardia,
  owner: string,
): Promise<Map<RecordPart, string>> {
  const client = await loadPatClient(kardia);
  if (!client) throw new Error('this server has no UMA protection client (one-process mode only)');
  const grant = await recordConsent(kardia, owner, client.clientId, [PROTECTION_SCOPE]);
  const common = { clientId: client.clientId, sub: owner, scope: PROTECTION_SCOPE };
  const pat = await issueToken(kardia, {
    ...common,
    kind: 'access',
    ttl: kardia.settings.accessTokenTtl,
    grantId: grant.id,
  });
  const refresh = await issueToken(kardia, {
    ...common,
    kind: 'refresh',
    ttl: kardia.settings.refreshTokenTtl,
    grantId: grant.id,
  });
  await touchGrant(kardia, grant.id);

  const protection = new AsProtection(client.asIssuer);
  const links = new PatLinks(kardia.store, client, protection, kardia.log);
  await links.save(owner, {
    access_token: pat.token,
    refresh_token: refresh.token,
    expires_in: pat.exp - pat.iat,
    scope: PROTECTION_SCOPE,
  });
  const registrations = new Registrations(kardia.store, links, protection);
  await registrations.reconcile(owner);
  const parts = new Map<RecordPart, string>();
  const mine = await registrations.ofOwner(owner);
  const first = mine.find((r) => r.part === '*')?.patientId;
  for (const r of mine.filter((r) => r.patientId === first)) parts.set(r.part, r.resourceId);
  return parts;
}

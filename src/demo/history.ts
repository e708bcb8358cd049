import { findUserByUsername } from '../account/users.js';
import { saveNewClient } from '../oauth/client-registry.js';
import { recordConsent, touchGrant } from '../oauth/consent-grants.js';
import { issueToken } from '../oauth/tokens.js';
import { patientsOwnedBy } from '../fhir/repository/owners.js';
import type { Kardia } from '../server/context.js';
import { DEMO_OWNER } from './accounts.js';

/** The demo app whose visits fill Alice's history. */
export const DEMO_APP = 'Heart Tracker';

const SCOPES = ['openid', 'launch/patient', 'patient/Observation.read', 'patient/Condition.read'];

/**
 * Some history for the dashboard's first visit: a demo app that Alice allowed, with the consent
 * grant and token the code flow would give it, really reads her labs and conditions through the
 * FHIR server over HTTP, and is refused her prescriptions, which it was not allowed. Every entry
 * is then a real access, recorded by the RS like any other. Runs once the server listens, on the
 * start that seeded the demo.
 */
export async function demoHistory(kardia: Kardia): Promise<void> {
  const alice = await findUserByUsername(kardia, DEMO_OWNER);
  if (!alice) return;
  const [patient] = await patientsOwnedBy(kardia.store.db, alice.sub);
  if (!patient) return;
  // No keys and no redirect URI: the app exists for the demo's history and cannot sign in.
  const client = await saveNewClient(kardia, {
    kind: 'client',
    registration: 'static',
    clientName: DEMO_APP,
    metadata: { client_name: DEMO_APP, scope: SCOPES.join(' ') },
    grantTypes: [],
    responseTypes: [],
    redirectUris: [],
    authMethod: 'private_key_jwt',
    jwks: null,
    jwksUri: null,
    scope: SCOPES.join(' '),
  });
  const grant = await recordConsent(kardia, alice.sub, client.clientId, SCOPES);
  const { token } = await issueToken(kardia, {
    kind: 'access',
    clientId: client.clientId,
    sub: alice.sub,
    scope: SCOPES.join(' '),
    ttl: 300,
    grantId: grant.id,
    claims: { patient },
  });
  await touchGrant(kardia, grant.id);
  const reads = [
    `Observation?patient=${patient}&category=laboratory&_count=5`,
    `Condition?patient=${patient}&_count=5`,
    `MedicationRequest?patient=${patient}&_count=5`,
  ];
  for (const read of reads) {
    const response = await fetch(`${kardia.urls.fhir}/${read}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(15_000),
    });
    await response.body?.cancel();
  }
}

/**
 * Benchmark set-up for the UMA paths, run as its own process while Kardia listens (the record's
 * registration goes to the AS over HTTP). Two commands, each printing one JSON line:
 *
 * `connect <owner> <jwks file>`: connects the owner's imported record to UMA as the demo does,
 * makes a requesting party (an account with a verified email), a policy of the owner granting
 * that email `read` on the record's Observations, and a UMA client app (uma-ticket grant,
 * private_key_jwt with the bench's key); answers the ids the benchmark needs and an Observation
 * of that record without a security label (the RS withholds labelled ones from an RPT).
 *
 * `tickets <owner> <client id> <party sub> <resource id> <count>`: `count` fresh permission
 * tickets for `read` on that resource, as the permission endpoint would issue them for the RS,
 * and a fresh ID token of the party for the app (it lives five minutes: one per run).
 */
import { readFileSync } from 'node:fs';
import type { JSONWebKeySet } from 'jose';
import { createUser } from '../src/account/users.js';
import { loadPatClient } from '../src/access/uma/pat-client.js';
import { loadSettings } from '../src/config/settings.js';
import { connectRecordWithoutBrowser } from '../src/demo/connect-record.js';
import { findClient } from '../src/oauth/clients.js';
import { saveNewClient } from '../src/oauth/client-registry.js';
import { issueIdToken } from '../src/oidc/id-token.js';
import { createKardia } from '../src/server/app.js';
import type { Kardia } from '../src/server/context.js';
import { createLogger } from '../src/server/logger.js';
import { createPolicy } from '../src/uma/policy/policy-store.js';
import { issueTicket } from '../src/uma/tickets/tickets.js';
import { randomToken } from '../src/util/random.js';

const UMA_TICKET_GRANT = 'urn:ietf:params:oauth:grant-type:uma-ticket';

const [command, ...args] = process.argv.slice(2);
const kardia = await createKardia(loadSettings(), { logger: createLogger('warn', process.stderr) });
try {
  if (command === 'connect') {
    const [owner = '', jwksFile = ''] = args;
    console.log(JSON.stringify(await connect(kardia, owner, jwksFile)));
  } else if (command === 'tickets') {
    const [owner = '', clientId = '', partySub = '', resourceId = '', count = '1'] = args;
    console.log(
      JSON.stringify(await tickets(kardia, owner, clientId, partySub, resourceId, Number(count))),
    );
  } else {
    throw new Error(`usage: uma-setup.ts connect|tickets ... (got ${command})`);
  }
} finally {
  await kardia.store.close();
}

async function connect(kardia: Kardia, owner: string, jwksFile: string) {
  const parts = await connectRecordWithoutBrowser(kardia, owner);
  const resourceId = parts.get('Observation');
  if (!resourceId) throw new Error(`the record of ${owner} has no Observation part at the AS`);
  const registration = await kardia.store.db
    .selectFrom('rs_uma_resources')
    .select('patient_id')
    .where('resource_id', '=', resourceId)
    .executeTakeFirstOrThrow();
  const patientId = registration.patient_id;
  // An Observation of that record with no security label: an RPT for `read` alone reaches it.
  const observation = await kardia.store.db
    .selectFrom('fhir_compartments as c')
    .innerJoin('fhir_resources as r', (join) =>
      join.onRef('r.resource_type', '=', 'c.resource_type').onRef('r.id', '=', 'c.id'),
    )
    .select('c.id')
    .where('c.resource_type', '=', 'Observation')
    .where('c.patient_id', '=', patientId)
    .where('r.deleted', '=', 0)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('fhir_security_labels as l')
            .select('l.id')
            .where('l.resource_type', '=', 'Observation')
            .whereRef('l.id', '=', 'c.id'),
        ),
      ),
    )
    .orderBy('c.id')
    .limit(1)
    .executeTakeFirstOrThrow();

  const suffix = randomToken(6)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, 'x');
  const email = `bench-party-${suffix}@example.org`;
  const party = await createUser(kardia, {
    username: `bench-party-${suffix}`,
    password: randomToken(24),
    email,
    emailVerified: true,
  });
  const policy = await createPolicy(kardia, owner, {
    resource_ids: [resourceId],
    resource_scopes: ['read'],
    required_claims: [{ name: 'email', value: email, issuer: [kardia.urls.issuer] }],
    mode: 'grant',
    description: 'benchmark: the requesting party reads Observations',
  });

  const jwks = JSON.parse(readFileSync(jwksFile, 'utf8')) as JSONWebKeySet;
  const grantTypes = [UMA_TICKET_GRANT];
  const app = await saveNewClient(kardia, {
    kind: 'client',
    registration: 'dynamic',
    clientName: 'bench UMA app',
    metadata: {
      client_name: 'bench UMA app',
      grant_types: grantTypes,
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks,
      scope: 'read',
    },
    grantTypes,
    responseTypes: [],
    redirectUris: [],
    authMethod: 'private_key_jwt',
    jwks,
    jwksUri: null,
    scope: 'read',
  });
  return {
    clientId: app.clientId,
    partySub: party.sub,
    email,
    policyId: policy.id,
    resourceId,
    patientId,
    observationId: observation.id,
    parts: Object.fromEntries(parts),
  };
}

async function tickets(
  kardia: Kardia,
  owner: string,
  clientId: string,
  partySub: string,
  resourceId: string,
  count: number,
) {
  const rs = await loadPatClient(kardia);
  if (!rs) throw new Error('this server has no UMA protection client');
  const app = await findClient(kardia, clientId);
  if (!app) throw new Error(`no client ${clientId}`);
  const values: string[] = [];
  for (let i = 0; i < count; i++) {
    values.push(
      await issueTicket(kardia, {
        owner,
        rsClientId: rs.clientId,
        permissions: [{ resource_id: resourceId, resource_scopes: ['read'] }],
        clientId: null,
        party: undefined,
        remember: false,
      }),
    );
  }
  const idToken = await issueIdToken(kardia, { client: app, sub: partySub });
  return { tickets: values, idToken };
}

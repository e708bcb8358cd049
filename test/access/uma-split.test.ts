import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addResourceServer, addStaticClient } from '../../src/oauth/static-registration.js';
import { randomToken } from '../../src/util/random.js';
import { makeKeyPair } from '../helpers/clients.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { parseUmaChallenge, UmaClient } from '../helpers/uma-client.js';
import { createTestUser, type TestUser } from '../helpers/users.js';
import {
  createPolicy,
  emailClaim,
  idTokenFor,
  policyToken,
  registerUmaApp,
} from '../uma/fixtures.js';
import { connectRecord, createRecord, fhir, idsOf, umaRsOf } from './uma-fixtures.js';

/**
 * The same RS code against a Kardia AS on another server (DESIGN.md): an AS-only and an RS-only
 * Kardia with separate databases, nothing shared but HTTP. The operator registered the RS twice
 * on the AS, as `kardia resource-server add` (introspection) and `kardia client add --grant
 * authorization_code --refresh --scope uma_protection` (PATs), and hands both over in settings.
 */
let as: TestServer;
let rs: TestServer;
let alice: TestUser;
let bob: TestUser;
let asClosed = false;
const dir = mkdtempSync(join(tmpdir(), 'kardia-rs-uma-'));

beforeAll(async () => {
  as = await startKardia({ roles: ['as'] });
  const rsIssuer = `https://rs-${randomToken(6)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')}.example`;
  const keys = await makeKeyPair();
  const resourceServer = await addResourceServer(as.kardia, {
    name: 'Records RS',
    jwks: keys.jwks,
    resource: `${rsIssuer}/fhir`,
  });
  const umaClient = await addStaticClient(as.kardia, {
    name: 'Records RS (UMA protection)',
    grant: 'authorization_code',
    refresh: true,
    scope: 'uma_protection',
    redirectUris: [`${rsIssuer}/fhir/uma/callback`],
    jwks: keys.jwks,
  });
  const keyFile = join(dir, 'rs-key.json');
  const privateJwk = {
    ...(await exportJWK(keys.privateKey)),
    kid: keys.publicJwk.kid,
    alg: 'RS256',
  };
  writeFileSync(keyFile, JSON.stringify(privateJwk));
  rs = await startKardia({
    roles: ['rs'],
    as: as.url,
    issuer: rsIssuer,
    rsClientId: resourceServer.clientId,
    rsKeyFile: keyFile,
    rsUmaClientId: umaClient.clientId,
  });
  alice = await createTestUser(as, { email: 'alice@example.org' });
  bob = await createTestUser(as, { email: 'bob@example.org' });
  await createRecord(rs, alice, 'alice-s');
});
afterAll(async () => {
  await rs.close();
  if (!asClosed) await as.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('split mode: UMA between an RS and an AS on two servers', () => {
  it('HU-17 the owner connects at the RS, logs in at the AS, and the RS registers the record there', async () => {
    const { response } = await connectRecord(rs, alice, { as });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(new RegExp(`^${as.url}/account/`));
    const atAs = await as.kardia.store.db
      .selectFrom('uma_resources')
      .select('description')
      .where('owner_sub', '=', alice.sub)
      .execute();
    expect(atAs.map((r) => (JSON.parse(r.description) as { type: string }).type).sort()).toEqual([
      'http://hl7.org/fhir/StructureDefinition/Condition',
      'http://hl7.org/fhir/StructureDefinition/Observation',
      'http://hl7.org/fhir/StructureDefinition/Patient',
    ]);
  });

  it('UMA-RS-1 UMA-RS-5 the RS names the AS that protects the record, and serves an RPT from it', async () => {
    const answer = await fhir(rs, 'Observation?patient=alice-s');
    expect(answer.status).toBe(401);
    const challenge = parseUmaChallenge(answer.headers.get('www-authenticate'));
    expect(challenge?.asUri).toBe(as.url);

    const observations = (await (await umaRsOf(rs)).registrations.ofOwner(alice.sub)).find(
      (r) => r.part === 'Observation',
    );
    await createPolicy(as, await policyToken(as, alice), {
      resource_ids: [observations?.resourceId],
      resource_scopes: ['read'],
      required_claims: [emailClaim(as, 'bob@example.org')],
      mode: 'grant',
    });
    const app = await registerUmaApp(as);
    const uma = await UmaClient.forAs(challenge?.asUri ?? '', app);
    const result = await uma.obtainRpt(challenge?.ticket ?? '', {
      claimToken: await idTokenFor(as, app, bob),
      pushAtOnce: true,
    });
    const read = await fhir(rs, 'Observation?patient=alice-s', String(result.tokens.access_token));
    expect(read.status).toBe(200);
    expect(idsOf(read.body)).toEqual(['obs-alice-s']);
  });

  it('UMA-RS-2 with the AS unreachable the RS answers 403 with the UMA warning and no challenge', async () => {
    await as.close();
    asClosed = true;
    const answer = await fhir(rs, 'Observation/obs-alice-s');
    expect(answer.status).toBe(403);
    expect(answer.headers.get('warning')).toBe('199 - "UMA Authorization Server Unreachable"');
    expect(answer.headers.get('www-authenticate') ?? '').not.toMatch(/UMA/);
    expect(answer.body.resourceType).toBe('OperationOutcome');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastAllowedAfter } from '../access/helpers.js';
import {
  connectRecord,
  createRecord,
  fhir,
  idsOf,
  ownerToken,
  umaRsOf,
} from '../access/uma-fixtures.js';
import { decodeToken } from '../helpers/back-channel.js';
import type { RegisteredClient } from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { parseUmaChallenge, UmaClient, walkClaimsGathering } from '../helpers/uma-client.js';
import { UserAgent } from '../helpers/user-agent.js';
import { createTestUser, type TestUser } from '../helpers/users.js';
import {
  call,
  CLAIMS_CALLBACK,
  createPolicy,
  emailClaim,
  endpoints,
  idTokenFor,
  policyToken,
  registerUmaApp,
} from '../uma/fixtures.js';

/**
 * The sharing stories of issue 5 through Kardia's real FHIR server: Alice connects her record on
 * the RS's page, the RS registers it at her AS, and requesting parties' apps meet the RS's UMA
 * challenge, obtain RPTs at the AS (test/helpers/uma-client.ts, openid-client for every OAuth and
 * OpenID step) and read through the RS, which enforces the RPTs' permissions inside its queries.
 * test/uma/scenarios.test.ts tells the same stories against a minimal loopback RS, for the AS.
 */
let server: TestServer;
let alice: TestUser;
let bob: TestUser;
let aliceToken: string;
let bobApp: RegisteredClient;
const parts = new Map<string, string>();

beforeAll(async () => {
  server = await startKardia();
  alice = await createTestUser(server, { name: 'Alice', email: 'alice@example.org' });
  bob = await createTestUser(server, { name: 'Bob', email: 'bob@example.org' });
  await createRecord(server, alice, 'alice-3');
  await connectRecord(server, alice);
  for (const r of await (await umaRsOf(server)).registrations.ofOwner(alice.sub)) {
    parts.set(r.part, r.resourceId);
  }
  aliceToken = await policyToken(server, alice);
  bobApp = await registerUmaApp(server, {
    client_name: "Bob's app",
    scope: 'openid email profile read write btg',
  });
});
afterAll(async () => server.close());

/** Meets the RS's challenge on `path`: the ticket, and a UMA client for the AS it names. */
async function challenged(path: string, rpt?: string, method = 'GET', body?: unknown) {
  const answer = await fhir(server, path, rpt, { method, body });
  expect(answer.status, JSON.stringify(answer.body)).toBe(401);
  const challenge = parseUmaChallenge(answer.headers.get('www-authenticate'));
  expect(challenge?.asUri).toBe(server.url);
  return {
    ticket: challenge?.ticket ?? '',
    uma: await UmaClient.forAs(challenge?.asUri ?? '', bobApp),
  };
}

/** Bob's app: meets the challenge, pushes Bob's Kardia ID token, answers the RPT. */
async function bobsRpt(path: string, options: { rpt?: string; scope?: string } = {}) {
  const { ticket, uma } = await challenged(path, options.rpt);
  const result = await uma.obtainRpt(ticket, {
    claimToken: await idTokenFor(server, bobApp, bob),
    pushAtOnce: true,
    ...options,
  });
  return { tokens: result.tokens, rpt: String(result.tokens.access_token) };
}

const grantBob = (resources: string[], scopes: string[]) =>
  createPolicy(server, aliceToken, {
    resource_ids: resources.map((part) => parts.get(part)),
    resource_scopes: scopes,
    required_claims: [emailClaim(server, 'bob@example.org')],
    mode: 'grant',
    description: 'Bob',
  });

const deletePolicy = async (id: string) =>
  expect((await call(`${endpoints(server).policies}/${id}`, 'DELETE', aliceToken)).status).toBe(
    204,
  );

describe('sharing stories through the real RS', () => {
  let story1Policy: string;
  let story1Rpt: string;

  it('1. UMA-RS-1 UMA-RS-4 Alice shares her Observations with Bob’s verified email; Bob’s app meets 401 + ticket, pushes his ID token, gets an RPT and reads', async () => {
    story1Policy = await grantBob(['Observation'], ['read']);
    const { ticket, uma } = await challenged('Observation?patient=alice-3');
    const result = await uma.obtainRpt(ticket, {
      claimToken: await idTokenFor(server, bobApp, bob),
    });
    expect(result.steps).toEqual(['need_info']);
    story1Rpt = String(result.tokens.access_token);

    const search = await fhir(server, 'Observation?patient=alice-3', story1Rpt);
    expect(search.status).toBe(200);
    // UMA-RS-4: the restricted (`R`) Observation stays withheld without a conf/R permission.
    expect(idsOf(search.body)).toEqual(['obs-alice-3']);
    expect((await fhir(server, 'Observation/obs-alice-3', story1Rpt)).status).toBe(200);
    expect((await fhir(server, 'Observation/obs-r-alice-3', story1Rpt)).status).toBe(404);
    // A search that names no patient is narrowed to what the RPT covers.
    expect(idsOf((await fhir(server, 'Observation', story1Rpt)).body)).toEqual(['obs-alice-3']);
  });

  it('UMA-RS-3 HU-42 the RPT for Observations on the Conditions gets 401 with a fresh ticket', async () => {
    const answer = await fhir(server, 'Condition?patient=alice-3', story1Rpt);
    expect(answer.status).toBe(401);
    expect(parseUmaChallenge(answer.headers.get('www-authenticate'))?.ticket).toBeTruthy();
    // Nor does it reach the whole record (the Patient resource needs the record resource).
    expect((await fhir(server, 'Patient/alice-3', story1Rpt)).status).toBe(401);
    // HU-42: an RPT sent as a query parameter is not honoured.
    const inQuery = await fhir(server, `Observation?patient=alice-3&access_token=${story1Rpt}`);
    expect(inQuery.status).toBe(401);
  });

  it('audits every UMA-authorized access as uma, with the requesting party and the app', async () => {
    const rows = await server.kardia.store.db
      .selectFrom('access_audit_events')
      .selectAll()
      .where('via', '=', 'uma')
      .where('outcome', '=', 'allowed')
      .execute();
    expect(rows.length).toBeGreaterThan(0);
    const claims = decodeToken(story1Rpt).payload;
    const mine = rows.filter((row) => row.token_id === claims.jti);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((row) => row.sub === claims.sub && row.client_id === bobApp.clientId)).toBe(
      true,
    );
    expect(mine.every((row) => JSON.parse(row.patients).includes('alice-3'))).toBe(true);
    const history = await fhir(
      server,
      'AuditEvent?patient=alice-3',
      await ownerToken(server, alice, 'user/*.read'),
    );
    expect(JSON.stringify(history.body)).toContain(bobApp.clientId);
  });

  it('4. UMA-RS-6 Alice revokes Bob’s share and Bob’s next read is refused within a second', async () => {
    const read = async () => (await fhir(server, 'Observation/obs-alice-3', story1Rpt)).status;
    expect(await read()).toBe(200);
    await deletePolicy(story1Policy);
    const since = Date.now();
    const { lastAllowed, refused } = await lastAllowedAfter(
      since,
      async () => (await read()) === 200,
    );
    expect(refused).toBe(true);
    expect(lastAllowed).toBeLessThan(1_000);
    const again = await fhir(server, 'Observation/obs-alice-3', story1Rpt);
    expect(again.status).toBe(401);
    expect(parseUmaChallenge(again.headers.get('www-authenticate'))?.ticket).toBeTruthy();
  });

  it('5. an RPT is upgraded with a second ticket and then covers both parts', async () => {
    const policy = await grantBob(['Observation', 'Condition'], ['read']);
    const first = await bobsRpt('Observation?patient=alice-3');
    const second = await bobsRpt('Condition?patient=alice-3', { rpt: first.rpt });
    expect(second.tokens.upgraded).toBe(true);
    expect((await fhir(server, 'Observation?patient=alice-3', second.rpt)).status).toBe(200);
    const conditions = await fhir(server, 'Condition?patient=alice-3', second.rpt);
    expect(idsOf(conditions.body)).toEqual(['cond-alice-3']);
    // UMA-TOK-5: the AS revoked the old RPT; the RS honours that within its one-second cache.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await fhir(server, 'Observation?patient=alice-3', first.rpt)).status).toBe(401);
    await deletePolicy(policy);
  });

  it('HFU-7 an RPT with write on the Observations creates one in Alice’s record', async () => {
    const policy = await grantBob(['Observation'], ['write']);
    const observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'Weight' },
      subject: { reference: 'Patient/alice-3' },
    };
    const { ticket, uma } = await challenged('Observation', undefined, 'POST', observation);
    const result = await uma.obtainRpt(ticket, {
      claimToken: await idTokenFor(server, bobApp, bob),
      pushAtOnce: true,
    });
    const rpt = String(result.tokens.access_token);
    const created = await fhir(server, 'Observation', rpt, { method: 'POST', body: observation });
    expect(created.status).toBe(201);
    // Write does not include read (heart-fhir.md 1.3).
    expect((await fhir(server, `Observation/${String(created.body.id)}`, rpt)).status).toBe(401);
    await deletePolicy(policy);
  });

  it('HFU-6 access through a btg permission shows the labelled data and is a BTG event for Alice', async () => {
    const policy = await grantBob(['*'], ['read', 'btg']);
    const { rpt } = await bobsRpt('Patient/alice-3', { scope: 'btg' });
    const search = await fhir(server, 'Observation?patient=alice-3', rpt);
    expect(idsOf(search.body)).toEqual(expect.arrayContaining(['obs-alice-3', 'obs-r-alice-3']));
    const history = await fhir(
      server,
      'AuditEvent?patient=alice-3',
      await ownerToken(server, alice, 'user/*.read'),
    );
    expect(JSON.stringify(history.body)).toContain('"BTG"');
    await deletePolicy(policy);
  });

  it('HFU-5 RPTs from pushed and from gathered claims get the same answers at the RS', async () => {
    const policy = await grantBob(['Observation'], ['read']);
    const pushed = await bobsRpt('Observation?patient=alice-3');
    const { ticket, uma } = await challenged('Observation?patient=alice-3');
    const agent = new UserAgent(server);
    const gathered = await uma.obtainRpt(ticket, {
      gatherClaims: async (redirectUser, next) =>
        (
          await walkClaimsGathering(agent, redirectUser, next, {
            clientId: bobApp.clientId,
            claimsRedirectUri: CLAIMS_CALLBACK,
            state: 'hfu-5',
            username: bob.username,
            password: bob.password,
          })
        ).params.ticket ?? '',
    });
    const gatheredRpt = String(gathered.tokens.access_token);
    for (const path of [
      'Observation?patient=alice-3',
      'Condition?patient=alice-3',
      'Patient/alice-3',
    ]) {
      const a = await fhir(server, path, pushed.rpt);
      const b = await fhir(server, path, gatheredRpt);
      expect(b.status, path).toBe(a.status);
      if (a.status === 200) expect(idsOf(b.body)).toEqual(idsOf(a.body));
    }
    await deletePolicy(policy);
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeToken } from '../helpers/back-channel.js';
import type { RegisteredClient } from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import {
  parseUmaChallenge,
  UmaClient,
  UmaGrantError,
  walkClaimsGathering,
} from '../helpers/uma-client.js';
import { UserAgent } from '../helpers/user-agent.js';
import { createTestUser, type TestUser } from '../helpers/users.js';
import {
  call,
  CLAIMS_CALLBACK,
  createPolicy,
  emailClaim,
  endpoints,
  FHIR_SD,
  idTokenFor,
  introspectWithPat,
  linkOwner,
  policyToken,
  registerResource,
  registerResourceServerClient,
  registerUmaApp,
} from './fixtures.js';

/**
 * The sharing stories of issue 5, end to end over HTTP. Until Kardia's own RS speaks UMA, the
 * test plays a minimal RS on loopback: it registers Alice's Observations and Conditions with her
 * PAT, answers a request without a sufficient RPT with 401 and `WWW-Authenticate: UMA` carrying a
 * ticket from the permission endpoint, and serves a request whose RPT, introspected with the PAT,
 * covers it. The requesting parties' apps use the UMA client helper; openid-client runs every
 * OAuth and OpenID Connect step (the PAT, Bob's ID token, the owner's policy token).
 */
let server: TestServer;
let rsHttp: Server;
let rsUrl: string;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let pat: string;
let aliceToken: string;
let bobApp: RegisteredClient;
let carolApp: RegisteredClient;
const resources = new Map<string, string>();

beforeAll(async () => {
  server = await startKardia();
  alice = await createTestUser(server, { name: 'Alice', email: 'alice@example.org' });
  bob = await createTestUser(server, { name: 'Bob', email: 'bob@example.org' });
  carol = await createTestUser(server, { name: 'Carol', email: 'carol@example.org' });
  const rs = await registerResourceServerClient(server);
  ({ pat } = await linkOwner(server, rs, alice));
  aliceToken = await policyToken(server, alice);
  for (const type of ['Observation', 'Condition']) {
    resources.set(
      type,
      await registerResource(server, pat, {
        name: `${type} in the health record of Alice`,
        type: `${FHIR_SD}${type}`,
      }),
    );
  }
  bobApp = await registerUmaApp(server, { client_name: "Bob's app" });
  carolApp = await registerUmaApp(server, { client_name: "Carol's app" });
  rsHttp = createServer((request, response) => {
    void serve(request.url ?? '/', request.headers.authorization).then(
      ({ status, headers, body }) => response.writeHead(status, headers).end(body),
    );
  });
  await new Promise<void>((resolve) => rsHttp.listen(0, '127.0.0.1', resolve));
  rsUrl = `http://127.0.0.1:${(rsHttp.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => rsHttp.close(resolve));
  await server.close();
});

/** The minimal RS: `GET /<Type>` of Alice's record needs `read` on that type's resource. */
async function serve(path: string, authorization: string | undefined) {
  const resourceId = resources.get(path.slice(1));
  if (!resourceId) return { status: 404, headers: {}, body: '' };
  const rpt = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
  if (rpt) {
    const answer = await introspectWithPat(server, pat, rpt);
    const permissions = (answer.body.permissions ?? []) as {
      resource_id: string;
      resource_scopes: string[];
    }[];
    const covered = permissions.some(
      (p) => p.resource_id === resourceId && p.resource_scopes.includes('read'),
    );
    if (answer.body.active === true && covered) {
      return { status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
    }
  }
  const ticket = await call(endpoints(server).permission, 'POST', pat, {
    resource_id: resourceId,
    resource_scopes: ['read'],
  });
  const challenge = `UMA realm="kardia", as_uri="${server.url}", ticket="${String(ticket.json.ticket)}"`;
  return {
    status: 401,
    headers: { 'www-authenticate': `${challenge}, Bearer realm="kardia"` },
    body: '',
  };
}

const read = (type: string, rpt?: string) =>
  fetch(`${rsUrl}/${type}`, { headers: rpt ? { authorization: `Bearer ${rpt}` } : {} });

/** Meets the RS's challenge: the ticket, and a UMA client for the AS it names. */
async function challenged(type: string, app: RegisteredClient, rpt?: string) {
  const response = await read(type, rpt);
  expect(response.status).toBe(401);
  const challenge = parseUmaChallenge(response.headers.get('www-authenticate'));
  expect(challenge?.asUri).toBe(server.url);
  expect(challenge?.realm).toBe('kardia');
  return {
    ticket: challenge?.ticket ?? '',
    uma: await UmaClient.forAs(challenge?.asUri ?? '', app),
  };
}

let bobsPolicy: string;
let bobsRpt: string;

describe('sharing stories', () => {
  it('1. Alice shares her Observations with Bob’s verified email; Bob’s app pushes his Kardia ID token and reads', async () => {
    bobsPolicy = await createPolicy(server, aliceToken, {
      resource_ids: [resources.get('Observation')],
      resource_scopes: ['read'],
      required_claims: [emailClaim(server, 'bob@example.org')],
      mode: 'grant',
      description: 'Bob may read my observations',
    });
    const { ticket, uma } = await challenged('Observation', bobApp);
    const result = await uma.obtainRpt(ticket, {
      claimToken: await idTokenFor(server, bobApp, bob),
    });
    expect(result.steps).toEqual(['need_info']);
    bobsRpt = String(result.tokens.access_token);
    expect((await read('Observation', bobsRpt)).status).toBe(200);
    expect((await read('Condition', bobsRpt)).status).toBe(401);
  });

  it('2. the same through interactive claims gathering, then again with the PCT and no login', async () => {
    const agent = new UserAgent(server);
    const { ticket, uma } = await challenged('Observation', bobApp);
    let sawLogin = false;
    const result = await uma.obtainRpt(ticket, {
      gatherClaims: async (redirectUser, next) => {
        const back = await walkClaimsGathering(agent, redirectUser, next, {
          clientId: bobApp.clientId,
          claimsRedirectUri: CLAIMS_CALLBACK,
          state: 'st-1',
          username: bob.username,
          password: bob.password,
          remember: true,
        });
        sawLogin = back.sawLogin;
        expect(back.params.state).toBe('st-1');
        return back.params.ticket ?? '';
      },
    });
    expect(sawLogin).toBe(true);
    const pct = String(result.tokens.pct);
    expect((await read('Observation', String(result.tokens.access_token))).status).toBe(200);
    const again = await challenged('Observation', bobApp);
    const quiet = await again.uma.obtainRpt(again.ticket, { pct });
    expect(quiet.steps).toEqual([]);
    expect((await read('Observation', String(quiet.tokens.access_token))).status).toBe(200);
  });

  it('3. Carol has no share: request_submitted, Alice approves read of Conditions only, Carol’s next poll gets exactly that', async () => {
    await createPolicy(server, aliceToken, {
      resource_ids: [resources.get('Observation'), resources.get('Condition')],
      resource_scopes: ['read', 'write'],
      required_claims: [{ name: 'email', issuer: [server.url] }],
      mode: 'ask',
      description: 'Anyone with a Kardia account may ask',
    });
    const { ticket, uma } = await challenged('Condition', carolApp);
    const result = await uma.obtainRpt(ticket, {
      claimToken: await idTokenFor(server, carolApp, carol),
      pushAtOnce: true,
      scope: 'write',
      intervalScale: 0,
      onSubmitted: async (answer) => {
        expect(answer.body.interval).toBe(5);
        const pending = await call(
          `${endpoints(server).requests}?status=pending`,
          'GET',
          aliceToken,
        );
        const request = (pending.body as Record<string, unknown>[]).find(
          (r) => (r.requesting_party as { sub: string }).sub === carol.sub,
        );
        const settled = await call(
          `${endpoints(server).requests}/${String(request?.id)}`,
          'POST',
          aliceToken,
          {
            decision: 'allow',
            resource_scopes: ['read'],
          },
        );
        expect(settled.status, JSON.stringify(settled.body)).toBe(200);
      },
    });
    expect(result.steps).toEqual(['request_submitted']);
    const rpt = String(result.tokens.access_token);
    expect(decodeToken(rpt).payload.permissions).toEqual([
      { resource_id: resources.get('Condition'), resource_scopes: ['read'] },
    ]);
    expect((await read('Condition', rpt)).status).toBe(200);
    expect((await read('Observation', rpt)).status).toBe(401);
  });

  it('4. Alice revokes Bob’s share and Bob’s next read is refused', async () => {
    expect((await read('Observation', bobsRpt)).status).toBe(200);
    const deleted = await call(`${endpoints(server).policies}/${bobsPolicy}`, 'DELETE', aliceToken);
    expect(deleted.status).toBe(204);
    const refused = await read('Observation', bobsRpt);
    expect(refused.status).toBe(401);
    expect(parseUmaChallenge(refused.headers.get('www-authenticate'))?.ticket).toBeTruthy();
    const { ticket, uma } = await challenged('Observation', bobApp);
    await expect(
      uma.obtainRpt(ticket, {
        claimToken: await idTokenFor(server, bobApp, bob),
        pushAtOnce: true,
      }),
    ).rejects.toBeInstanceOf(UmaGrantError);
  });

  it('5. an RPT is upgraded with a second ticket and then covers both resources', async () => {
    await createPolicy(server, aliceToken, {
      resource_ids: [resources.get('Observation'), resources.get('Condition')],
      resource_scopes: ['read'],
      required_claims: [emailClaim(server, 'bob@example.org')],
      mode: 'grant',
    });
    const idToken = await idTokenFor(server, bobApp, bob);
    const first = await challenged('Observation', bobApp);
    const observations = await first.uma.obtainRpt(first.ticket, {
      claimToken: idToken,
      pushAtOnce: true,
    });
    const oldRpt = String(observations.tokens.access_token);
    const second = await challenged('Condition', bobApp, oldRpt);
    const both = await second.uma.obtainRpt(second.ticket, {
      claimToken: idToken,
      pushAtOnce: true,
      rpt: oldRpt,
    });
    expect(both.tokens.upgraded).toBe(true);
    const rpt = String(both.tokens.access_token);
    expect((await read('Observation', rpt)).status).toBe(200);
    expect((await read('Condition', rpt)).status).toBe(200);
    expect((await read('Observation', oldRpt)).status).toBe(401);
  });
});

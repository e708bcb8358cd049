import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisteredClient } from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { ID_TOKEN_FORMAT, type UmaClient } from '../helpers/uma-client.js';
import { formFields, UserAgent } from '../helpers/user-agent.js';
import { createTestUser, type TestUser } from '../helpers/users.js';
import {
  createPolicy,
  FHIR_SD,
  idTokenFor,
  introspectWithPat,
  linkOwner,
  policyToken,
  registerResource,
  registerResourceServerClient,
  registerUmaApp,
  ticketFor,
  umaClient,
} from '../uma/fixtures.js';
import { giveRecord } from './dashboard-helpers.js';

/**
 * Sharing from the dashboard, on the UMA owner API: the share form and its preview, saving a
 * share that Bob's app then uses, changing and revoking it with immediate effect, and settling
 * Carol's request in part. Forged, odd and repeated posts change nothing.
 */
let server: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let mallory: TestUser;
let pat: string;
let app: RegisteredClient;
let uma: UmaClient;
const ids: Record<string, string> = {};
const SPECIAL = ['conf/R', 'sens/PSY'];

beforeAll(async () => {
  server = await startKardia();
  alice = await createTestUser(server, { name: 'Alice', email: 'alice@example.org' });
  bob = await createTestUser(server, { name: 'Bob', email: 'bob@example.org' });
  carol = await createTestUser(server, { name: 'Carol', email: 'carol@example.org' });
  mallory = await createTestUser(server, { name: 'Mallory', email: 'mallory@example.org' });
  await giveRecord(server, alice.sub, 'Alice');
  const rs = await registerResourceServerClient(server);
  ({ pat } = await linkOwner(server, rs, alice));
  const scopes = ['read', 'write', ...SPECIAL];
  ids.record = await registerResource(server, pat, {
    name: 'Health record',
    type: `${FHIR_SD}Patient`,
    resource_scopes: scopes,
  });
  for (const type of ['Observation', 'Condition', 'DocumentReference']) {
    ids[type] = await registerResource(server, pat, {
      name: `${type} in the health record`,
      type: `${FHIR_SD}${type}`,
      resource_scopes: scopes,
    });
  }
  const malloryPat = (await linkOwner(server, rs, mallory)).pat;
  ids.mallory = await registerResource(server, malloryPat, {
    type: `${FHIR_SD}Observation`,
    resource_scopes: scopes,
  });
  app = await registerUmaApp(server);
  uma = umaClient(server, app);
});
afterAll(() => server.close());

async function signedIn(user: TestUser): Promise<UserAgent> {
  const agent = new UserAgent(server);
  expect((await agent.signIn(user.username, user.password)).status).toBe(303);
  return agent;
}

const text = async (response: Response) => ({
  status: response.status,
  html: await response.text(),
});

/** Fills the share form as a person would and answers the preview page. */
async function preview(agent: UserAgent, fields: Record<string, string>) {
  const form = await text(await agent.get('/account/share'));
  const hidden = formFields(form.html, 'action="/account/share/preview"');
  return text(await agent.postForm('/account/share/preview', { ...hidden, ...fields }));
}

const until = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);

async function rptFor(user: TestUser, resourceId: string) {
  const ticket = await ticketFor(server, pat, [
    { resource_id: resourceId, resource_scopes: ['read'] },
  ]);
  const idToken = await idTokenFor(server, app, user);
  return uma.grant(ticket, { claim_token: idToken, claim_token_format: ID_TOKEN_FORMAT });
}

describe('sharing a record', () => {
  it('the form offers the owner’s parts, with sensitive information off unless chosen', async () => {
    const agent = await signedIn(alice);
    const form = await text(await agent.get('/account/share'));
    expect(form.status).toBe(200);
    expect(form.html).toContain('Everything in my record');
    expect(form.html).toContain(`name="part_${ids.Observation}"`);
    expect(form.html).not.toContain(ids.mallory);
    expect(form.html).toContain('Include mental health');
    expect(form.html).not.toMatch(/name="sens_sens_PSY"[^>]*checked/);
  });

  it('previews exactly what the person would see: labelled entries only when chosen', async () => {
    const agent = await signedIn(alice);
    const base = { email: 'bob@example.org', access: 'read', until };
    const without = await preview(agent, { ...base, [`part_${ids.DocumentReference}`]: 'on' });
    expect(without.status).toBe(200);
    expect(without.html).toContain('documents</strong>: 0 entries');
    const withPsy = await preview(agent, {
      ...base,
      [`part_${ids.DocumentReference}`]: 'on',
      sens_conf_R: 'on',
      sens_sens_PSY: 'on',
    });
    expect(withPsy.html).toContain('documents</strong>: 1 entry');
    expect(withPsy.html).toContain('Therapy session note');
  });

  it('HU-38 UMA-POL-2 saves once, Bob’s app reads with it, and revoking ends the RPT at once', async () => {
    const agent = await signedIn(alice);
    const page = await preview(agent, {
      email: 'bob@example.org',
      access: 'read',
      until,
      [`part_${ids.Observation}`]: 'on',
    });
    expect(page.html).toContain('observations (vital signs and lab results)</strong>: 4 entries');
    const fields = formFields(page.html, 'action="/account/share"');
    const saved = await agent.postForm('/account/share', fields);
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe('/account/shares?done=shared');
    const twice = await agent.postForm('/account/share', fields);
    expect(twice.status).toBe(409);
    expect(await twice.text()).toContain('submitted twice');

    const shares = await text(await agent.get('/account/shares'));
    expect(shares.html.match(/data-share="/g)).toHaveLength(1);
    expect(shares.html).toContain('bob@example.org');
    expect(shares.html).toContain('Read only.');

    const granted = await rptFor(bob, ids.Observation ?? '');
    expect(granted.status, JSON.stringify(granted.body)).toBe(200);
    const rpt = String(granted.body.access_token);
    expect((await introspectWithPat(server, pat, rpt)).body.active).toBe(true);
    expect((await rptFor(carol, ids.Observation ?? '')).status).toBe(403);

    const revoke = formFields(shares.html, 'action="/account/shares/revoke"');
    const revoked = await agent.postForm('/account/shares/revoke', revoke);
    expect(revoked.status).toBe(303);
    expect((await introspectWithPat(server, pat, rpt)).body.active).toBe(false);
    const again = await agent.postForm('/account/shares/revoke', revoke);
    expect(again.status).toBe(404);
    expect(await again.text()).toContain('Nothing was changed');
  });

  it('changes a share’s access and end date; narrowing revokes what it justified', async () => {
    const agent = await signedIn(alice);
    const page = await preview(agent, {
      email: 'bob@example.org',
      access: 'write',
      until,
      [`part_${ids.Condition}`]: 'on',
    });
    expect(
      (await agent.postForm('/account/share', formFields(page.html, 'action="/account/share"')))
        .status,
    ).toBe(303);
    const granted = await rptFor(bob, ids.Condition ?? '');
    expect(granted.status).toBe(200);
    const shares = await text(await agent.get('/account/shares'));
    expect(shares.html).toContain('Read, add and change.');
    const fields = formFields(shares.html, 'action="/account/shares/change"');
    const changed = await agent.postForm('/account/shares/change', {
      ...fields,
      access: 'read',
      until,
    });
    expect(changed.status).toBe(303);
    expect((await text(await agent.get('/account/shares'))).html).toContain('Read only.');
    expect(
      (await introspectWithPat(server, pat, String(granted.body.access_token))).body.active,
    ).toBe(false);
    const bad = await agent.postForm('/account/shares/change', {
      ...fields,
      access: 'read',
      until: '1999-01-01',
    });
    expect(bad.status).toBe(400);
  });

  it('refuses forged, odd and over-long posts with a readable page and changes nothing', async () => {
    const agent = await signedIn(alice);
    const before =
      (await text(await agent.get('/account/shares'))).html.match(/data-share="/g)?.length ?? 0;
    const page = await preview(agent, {
      email: 'bob@example.org',
      access: 'read',
      until,
      [`part_${ids.Observation}`]: 'on',
    });
    const fields = formFields(page.html, 'action="/account/share"');

    const noCsrf = await agent.postForm('/account/share', { ...fields, csrf_token: '' });
    expect(noCsrf.status).toBe(403);
    // A resource of another owner is not among the parts: the form refuses it.
    const foreign = await agent.postForm('/account/share', {
      ...fields,
      [`part_${ids.Observation}`]: '',
      [`part_${ids.mallory}`]: 'on',
    });
    expect(foreign.status).toBe(400);
    expect(await foreign.text()).toContain('choose at least one part');
    const longEmail = await agent.postForm('/account/share', {
      ...fields,
      email: `${'b'.repeat(300)}@example.org`,
    });
    expect(longEmail.status).toBe(400);
    const odd = await agent.postForm('/account/share', {
      ...fields,
      until: 'tomorrow',
      access: 'all',
    });
    expect(odd.status).toBe(400);
    expect(await odd.text()).toContain('last day of the share');
    const farAway = await agent.postForm('/account/share', { ...fields, until: '2999-01-01' });
    expect(farAway.status).toBe(400);

    // Another user's share id, revoked or changed by Mallory: not found, nothing changes.
    const shares = await text(await agent.get('/account/shares'));
    const target = formFields(shares.html, 'action="/account/shares/revoke"');
    const malloryAgent = await signedIn(mallory);
    const malloryCsrf = formFields(
      (await text(await malloryAgent.get('/account/settings'))).html,
      'action="/account/password"',
    ).csrf_token;
    const forged = await malloryAgent.postForm('/account/shares/revoke', {
      csrf_token: malloryCsrf ?? '',
      share: target.share ?? '',
    });
    expect(forged.status).toBe(404);
    const after =
      (await text(await agent.get('/account/shares'))).html.match(/data-share="/g)?.length ?? 0;
    expect(after).toBe(before);
  });
});

describe('access requests', () => {
  it('HU-40 UMA-POL-1 Carol asks; Alice approves in part; Carol gets only that', async () => {
    const aliceToken = await policyToken(server, alice);
    await createPolicy(server, aliceToken, {
      resource_ids: [ids.Observation, ids.Condition],
      resource_scopes: ['read'],
      required_claims: [{ name: 'email', value: 'carol@example.org', issuer: [server.url] }],
      mode: 'ask',
      description: 'Ask me when Carol wants to look',
    });
    const ticket = await ticketFor(server, pat, [
      { resource_id: ids.Observation, resource_scopes: ['read'] },
      { resource_id: ids.Condition, resource_scopes: ['read'] },
    ]);
    const idToken = await idTokenFor(server, app, carol);
    const asked = await uma.grant(ticket, {
      claim_token: idToken,
      claim_token_format: ID_TOKEN_FORMAT,
    });
    expect(asked.body.error).toBe('request_submitted');

    const agent = await signedIn(alice);
    const page = await text(await agent.get('/account/requests'));
    expect(
      page.html,
      page.html.slice(page.html.indexOf('<main'), page.html.indexOf('<main') + 900),
    ).toContain('carol@example.org');
    expect(page.html).toContain('Care app');
    expect(page.html).toContain('data-registration="dynamic"');
    const fields = formFields(page.html, 'action="/account/requests/decide"');
    const noCsrf = await agent.postForm('/account/requests/decide', {
      ...fields,
      csrf_token: '',
      decision: 'allow',
    });
    expect(noCsrf.status).toBe(403);
    // Approve in part: Observations only.
    const partial: Record<string, string> = { ...fields, decision: 'allow' };
    delete partial[`res_${ids.Condition}`];
    partial[`res_${ids.Observation}`] = 'on';
    partial.scope_read = 'on';
    const decided = await agent.postForm('/account/requests/decide', partial);
    expect(decided.status).toBe(303);
    const twice = await agent.postForm('/account/requests/decide', partial);
    expect(twice.status).toBe(404);
    expect(await twice.text()).toContain('settled already');

    const polled = await uma.grant(String(asked.body.ticket));
    expect(polled.status, JSON.stringify(polled.body)).toBe(200);
    const introspected = await introspectWithPat(server, pat, String(polled.body.access_token));
    const permissions = introspected.body.permissions as { resource_id: string }[];
    expect(permissions.map((p) => p.resource_id)).toEqual([ids.Observation]);
    expect((await text(await agent.get('/account/shares'))).html).toContain('Carol');
  });
});

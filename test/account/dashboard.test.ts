import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeFlow } from '../oidc/flow.js';
import { registerCodeClient } from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { formFields, UserAgent } from '../helpers/user-agent.js';
import { createTestUser, type TestUser } from '../helpers/users.js';
import { giveRecord } from './dashboard-helpers.js';

/**
 * The owner's dashboard over HTTP: My record and its chart read through the RS's public
 * interface, connected apps and revoking one, the history and its export, and the settings.
 */
let server: TestServer;
let owner: TestUser;
let other: TestUser;

beforeAll(async () => {
  server = await startKardia();
  owner = await createTestUser(server, { name: 'Alice Example', email: 'alice@example.org' });
  other = await createTestUser(server, { name: 'Mallory', email: 'mallory@example.org' });
  await giveRecord(server, owner.sub, 'Example');
  await giveRecord(server, other.sub, 'Other');
});
afterAll(() => server.close());

async function signedIn(user: TestUser): Promise<UserAgent> {
  const agent = new UserAgent(server);
  const response = await agent.signIn(user.username, user.password);
  expect(response.status).toBe(303);
  return agent;
}

const html = async (agent: UserAgent, path: string) => {
  const response = await agent.get(path);
  return { status: response.status, html: await response.text(), headers: response.headers };
};

describe('My record', () => {
  it('shows each part with its count and latest values, and a chart, with no inline script', async () => {
    const agent = await signedIn(owner);
    const page = await html(agent, '/account');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.html).toMatch(/^<!DOCTYPE html><html lang="en">/);
    for (const part of ['vitals', 'labs', 'conditions', 'medications', 'allergies']) {
      expect(page.html).toContain(`data-category="${part}"`);
    }
    expect(page.html).toContain('data-category="immunizations"');
    expect(page.html).toContain('data-category="encounters"');
    expect(page.html).toContain('data-category="documents"');
    // Three weights are counted, and the latest one is shown.
    expect(page.html).toMatch(/Vital signs <span class="count">3<\/span>/);
    expect(page.html).toContain('68.9 kg');
    expect(page.html).toContain('Metformin 500 mg');
    // The owner sees their own sensitive document, marked as such.
    expect(page.html).toContain('Therapy session note');
    expect(page.html).toContain('mental health');
    // The chart: server-rendered SVG with a text alternative.
    expect(page.html).toContain('<svg');
    expect(page.html).toContain('data-chart-code="http://loinc.org|29463-7"');
    expect(page.html).toContain('3 measurements');
    // The only script is the app's own htmx file; no inline script or style.
    expect(page.html).toContain('<script src="/assets/htmx.min.js" defer>');
    expect(page.html).not.toMatch(/<script>|<style|style="|\son[a-z]+="/);
    const htmx = await fetch(`${server.url}/assets/htmx.min.js`);
    expect(htmx.status).toBe(200);
    expect(htmx.headers.get('content-type')).toMatch(/javascript/);
  });

  it('charts another measure on request, and shows none of another owner’s record', async () => {
    const agent = await signedIn(owner);
    const page = await html(
      agent,
      `/account?chart=${encodeURIComponent('http://loinc.org|4548-4')}`,
    );
    expect(page.html).toContain('data-chart-code="http://loinc.org|4548-4"');
    expect(page.html).not.toContain('Other');
    const odd = await html(agent, `/account?chart=${encodeURIComponent('<script>')}`);
    expect(odd.status).toBe(200);
    expect(odd.html).not.toContain('<script>');
  });

  it('sends a visitor without a session to sign in and back', async () => {
    const response = await fetch(`${server.url}/account/history`, { redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/login?return_to=%2Faccount%2Fhistory');
  });
});

describe('Connected apps', () => {
  it('OA-AP-1 OA-AP-3 lists each grant with how the app registered and its scopes in words, and revokes it in one click', async () => {
    const client = await registerCodeClient(server, {
      client_name: 'Pill Reminder',
      scope: 'openid patient/*.read launch/patient',
    });
    const login = await codeFlow(server, new UserAgent(server), owner, client, {
      scope: 'openid patient/*.read launch/patient',
    });
    const token = String(login.tokens.access_token);
    const read = await fetch(`${server.url}/fhir/Observation`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(read.status).toBe(200);

    const agent = await signedIn(owner);
    const page = await html(agent, '/account/apps');
    expect(page.html).toContain('Pill Reminder');
    expect(page.html).toContain('data-registration="dynamic"');
    expect(page.html).toContain('See all information in your health record');
    const fields = formFields(page.html, 'action="/account/apps/revoke"');
    expect(fields.grant).toBeTruthy();

    const revoke = await agent.postForm('/account/apps/revoke', fields);
    expect(revoke.status).toBe(303);
    expect(revoke.headers.get('location')).toBe('/account/apps?done=revoked');
    const after = await html(agent, '/account/apps?done=revoked');
    expect(after.html).not.toContain('Pill Reminder');
    expect(after.html).toContain('can no longer use your record');

    // Immediate effect: the app's token is refused at the RS.
    await expect
      .poll(
        async () =>
          (
            await fetch(`${server.url}/fhir/Observation`, {
              headers: { authorization: `Bearer ${token}` },
            })
          ).status,
        { timeout: 3000 },
      )
      .toBe(401);

    // A second click (a double submission) is refused with a readable page and changes nothing.
    const again = await agent.postForm('/account/apps/revoke', fields);
    expect(again.status).toBe(404);
    expect(await again.text()).toContain('may have been revoked already');
  });

  it('refuses a forged revoke: no CSRF token, or another user’s grant', async () => {
    const client = await registerCodeClient(server, { client_name: 'Step Counter' });
    await codeFlow(server, new UserAgent(server), owner, client, { scope: 'openid' });
    const agent = await signedIn(owner);
    const fields = formFields(
      (await html(agent, '/account/apps')).html,
      'action="/account/apps/revoke"',
    );

    const noToken = await agent.postForm('/account/apps/revoke', { grant: fields.grant ?? '' });
    expect(noToken.status).toBe(403);
    expect(await noToken.text()).toContain('This form has expired');

    const mallory = await signedIn(other);
    const malloryFields = formFields(
      (await html(mallory, '/account/settings')).html,
      'action="/account/password"',
    );
    const forged = await mallory.postForm('/account/apps/revoke', {
      csrf_token: malloryFields.csrf_token ?? '',
      grant: fields.grant ?? '',
    });
    expect(forged.status).toBe(404);
    expect((await html(agent, '/account/apps')).html).toContain('Step Counter');

    const long = await agent.postForm('/account/apps/revoke', {
      ...fields,
      grant: 'x'.repeat(5000),
    });
    expect(long.status).toBe(404);
    const repeated = await agent.request('/account/apps/revoke', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `csrf_token=${fields.csrf_token}&grant=a&grant=b`,
    });
    expect(repeated.status).toBe(400);
    expect((await html(agent, '/account/apps')).html).toContain('Step Counter');
  });
});

describe('History', () => {
  it('HFO-14 lists every access with who, app, what, outcome and through which grant, filterable', async () => {
    const client = await registerCodeClient(server, {
      client_name: 'Lab Viewer',
      scope: 'openid patient/Observation.read launch/patient',
    });
    const login = await codeFlow(server, new UserAgent(server), owner, client, {
      scope: 'openid patient/Observation.read launch/patient',
    });
    const token = String(login.tokens.access_token);
    const headers = { authorization: `Bearer ${token}` };
    expect((await fetch(`${server.url}/fhir/Observation`, { headers })).status).toBe(200);
    expect((await fetch(`${server.url}/fhir/Condition`, { headers })).status).toBe(403);

    const agent = await signedIn(owner);
    const page = await html(agent, '/account/history');
    expect(page.status).toBe(200);
    expect(page.html).toContain('Lab Viewer');
    expect(page.html).toContain('data-outcome="refused"');
    expect(page.html).toContain('data-outcome="allowed"');
    expect(page.html).toContain('your permission to Lab Viewer');
    expect(page.html).toContain('searched observations');
    // The owner's own views are hidden unless asked for.
    expect(page.html).not.toContain('Kardia dashboard');
    const all = await html(agent, '/account/history?views=all');
    expect(all.html).toContain('Kardia dashboard');

    const refused = await html(agent, '/account/history?outcome=refused');
    expect(refused.html).toContain('data-outcome="refused"');
    expect(refused.html).not.toContain('data-outcome="allowed"');
    const byType = await html(agent, '/account/history?type=Condition');
    expect(byType.html).not.toContain('data-outcome="allowed"');
    const future = await html(agent, '/account/history?from=2999-01-01');
    expect(future.html).toContain('No access matches.');
  });

  it('says which filters it ignored when they are odd, and never fails', async () => {
    const agent = await signedIn(owner);
    const odd = await html(agent, `/account/history?from=yesterday&person=${'x'.repeat(500)}`);
    expect(odd.status).toBe(400);
    expect(odd.html).toContain('Some filters were ignored');
    expect(odd.html).toContain('2024-03-31');
  });

  it('exports the accesses shown as a FHIR Bundle of AuditEvents', async () => {
    const agent = await signedIn(owner);
    const response = await agent.get('/account/history/export?outcome=refused');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(response.headers.get('content-disposition')).toMatch(
      /^attachment; filename="kardia-history-/,
    );
    const bundle = (await response.json()) as Bundle;
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.entry?.length).toBeGreaterThan(0);
    for (const entry of bundle.entry ?? []) {
      const event = entry.resource as AuditEvent;
      expect(event.resourceType).toBe('AuditEvent');
      expect(event.outcome).toBe('4');
    }
  });

  it('HFU-6 is read from the RS: GET /fhir/AuditEvent answers only with a token that reaches the record', async () => {
    const none = await fetch(`${server.url}/fhir/AuditEvent`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const outcome = (await none.json()) as { resourceType: string };
    expect(outcome.resourceType).toBe('OperationOutcome');
  });
});

describe('Settings', () => {
  it('changes the password: the old one stops working and other sessions end', async () => {
    const user = await createTestUser(server, { name: 'Pat', email: 'pat@example.org' });
    const elsewhere = await signedIn(user);
    const agent = await signedIn(user);
    const page = await html(agent, '/account/settings');
    const fields = formFields(page.html, 'action="/account/password"');

    const mismatch = await agent.postForm('/account/password', {
      ...fields,
      current_password: user.password,
      new_password: 'a new passphrase',
      confirm_password: 'another one',
    });
    expect(mismatch.status).toBe(400);
    expect(await mismatch.text()).toContain('not the same');

    const wrong = await agent.postForm('/account/password', {
      ...fields,
      current_password: 'not my password',
      new_password: 'a new passphrase',
      confirm_password: 'a new passphrase',
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('current password is not right');

    const done = await agent.postForm('/account/password', {
      ...fields,
      current_password: user.password,
      new_password: 'a new passphrase',
      confirm_password: 'a new passphrase',
    });
    expect(done.status).toBe(303);
    expect((await agent.get('/account/settings')).status).toBe(200);
    expect((await elsewhere.get('/account/settings')).status).toBe(303);
    expect((await new UserAgent(server).signIn(user.username, user.password)).status).toBe(400);
    expect((await new UserAgent(server).signIn(user.username, 'a new passphrase')).status).toBe(
      303,
    );
  });
});

describe('Creating an account and confirming the email address', () => {
  it('OIDC email_verified stays false until the link from the outbox is confirmed', async () => {
    const agent = new UserAgent(server);
    const form = await html(agent, '/signup');
    expect(form.html).toContain('<label for="email">');
    const fields = formFields(form.html, 'action="/signup"');
    const base = {
      ...fields,
      name: 'Dana Newcomer',
      email: 'dana@example.org',
      username: 'dana',
      password: 'correct horse battery',
      password_confirm: 'correct horse battery',
    };

    const bad = await agent.postForm('/signup', { ...base, username: 'Dana Bad!' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('A username has 1 to 64 characters');
    const forged = await new UserAgent(server).postForm('/signup', base);
    expect(forged.status).toBe(403);

    const created = await agent.postForm('/signup', base);
    expect(created.status).toBe(303);
    expect(created.headers.get('location')).toBe('/account?done=welcome');
    const twice = await agent.postForm('/signup', base);
    expect(twice.status).toBe(400);
    expect(await twice.text()).toContain('This username is taken');

    const settings = await html(agent, '/account/settings');
    expect(settings.html).toContain('data-email-verified="false"');
    const message = await server.kardia.store.db
      .selectFrom('outbox')
      .select('body')
      .where('recipient', '=', 'dana@example.org')
      .executeTakeFirstOrThrow();
    const link = /(http:\/\/\S+\/email\/verify\?token=\S+)/.exec(message.body)?.[1] ?? '';
    const landing = await agent.get(link);
    const token = new URL(link).searchParams.get('token') ?? '';
    expect(landing.status).toBe(200);
    expect((await agent.postForm('/email/verify', { token })).status).toBe(200);
    expect((await html(agent, '/account/settings')).html).toContain('data-email-verified="true"');
  });
});

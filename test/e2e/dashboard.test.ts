import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeFlow } from '../oidc/flow.js';
import { giveRecord } from '../account/dashboard-helpers.js';
import { registerCodeClient } from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { ID_TOKEN_FORMAT, parseUmaChallenge } from '../helpers/uma-client.js';
import { UserAgent } from '../helpers/user-agent.js';
import { createTestUser, type TestUser } from '../helpers/users.js';
import {
  call,
  createPolicy,
  endpoints,
  idTokenFor,
  policyToken,
  registerUmaApp,
  umaClient,
} from '../uma/fixtures.js';
import { launchBrowser } from './browser.js';

/**
 * The dashboard in Debian's chromium, every journey by mouse and keyboard as a person would, with
 * a screenshot of each page at desktop and phone widths into docs/screenshots/. The story, through
 * Kardia's real FHIR server: Alice connects her record and shares her labs with Bob, Bob's app
 * reads them with an RPT, Alice approves Carol's request in part, Alice revokes Bob and his next
 * read is refused, and Alice's history shows all of it.
 */
const SHOTS = new URL('../../docs/screenshots/', import.meta.url).pathname;
mkdirSync(SHOTS, { recursive: true });
const WIDTHS = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } };

let server: TestServer;
let browser: Browser;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let patient: string;

beforeAll(async () => {
  server = await startKardia();
  alice = await createTestUser(server, {
    username: 'alice',
    name: 'Alice Martin',
    email: 'alice@example.org',
  });
  bob = await createTestUser(server, {
    username: 'bob',
    name: 'Bob Okafor',
    email: 'bob@example.org',
  });
  carol = await createTestUser(server, {
    username: 'carol',
    name: 'Carol Reyes',
    email: 'carol@example.org',
  });
  patient = (await giveRecord(server, alice.sub, 'Martin')).patients[0] ?? '';
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Screenshots of the page as it is, at both widths. */
async function shoot(page: Page, name: string) {
  for (const [size, viewport] of Object.entries(WIDTHS)) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: join(SHOTS, `${name}-${size}.png`), fullPage: true });
  }
  await page.setViewportSize(WIDTHS.desktop);
}

async function signIn(page: Page, user: TestUser) {
  await page.goto(`${server.url}/account`);
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await Promise.all([
    page.waitForURL(/\/account$/),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
}

describe('the dashboard in a browser', () => {
  it('creates an account, confirms the email address, signs out and in again', async () => {
    const page = await browser.newPage({ viewport: WIDTHS.desktop });
    await page.goto(`${server.url}/login`);
    await shoot(page, 'sign-in');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Your name').fill('Dana Newcomer');
    await page.getByLabel('Email address').fill('dana@example.org');
    await page.getByLabel('Username').fill('dana');
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery');
    await page.getByLabel('Password again').fill('correct horse battery');
    await shoot(page, 'create-account');
    await Promise.all([
      page.waitForURL(/done=welcome/),
      page.getByRole('button', { name: 'Create account' }).click(),
    ]);
    expect(await page.textContent('.notice')).toContain('Your account is ready');

    const message = await server.kardia.store.db
      .selectFrom('outbox')
      .select('body')
      .where('recipient', '=', 'dana@example.org')
      .executeTakeFirstOrThrow();
    const link = /(http:\/\/\S+\/email\/verify\?token=\S+)/.exec(message.body)?.[1] ?? '';
    await page.goto(link);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForSelector('text=Your email address is confirmed');
    await page.goto(`${server.url}/account/settings`);
    expect(await page.getAttribute('[data-email-verified]', 'data-email-verified')).toBe('true');
    await shoot(page, 'settings');

    // Change the password, keyboard only.
    await page.getByLabel('Current password').focus();
    await page.keyboard.type('correct horse battery');
    await page.keyboard.press('Tab');
    await page.keyboard.type('a longer new passphrase');
    await page.keyboard.press('Tab');
    await page.keyboard.type('a longer new passphrase');
    await Promise.all([page.waitForURL(/done=password/), page.keyboard.press('Enter')]);
    expect(await page.textContent('.notice')).toContain('Your password is changed');

    await Promise.all([
      page.waitForURL(/signed_out=1/),
      page.getByRole('button', { name: 'Sign out' }).click(),
    ]);
    await page.getByLabel('Username').fill('dana');
    await page.getByLabel('Password').fill('a longer new passphrase');
    await Promise.all([
      page.waitForURL(/\/account$/),
      page.getByRole('button', { name: 'Sign in' }).click(),
    ]);
    await page.close();
  });

  it('the whole story: share labs with Bob, approve Carol in part, revoke Bob, read the history', async () => {
    // An app Alice uses, so that Connected apps and the history have something to show.
    const tracker = await registerCodeClient(server, {
      client_name: 'Heart Tracker',
      scope: 'openid patient/*.read launch/patient',
    });
    const login = await codeFlow(server, new UserAgent(server), alice, tracker, {
      scope: 'openid patient/*.read launch/patient',
    });
    const headers = { authorization: `Bearer ${String(login.tokens.access_token)}` };
    await fetch(`${server.url}/fhir/Condition?patient=${patient}`, { headers });

    const page = await browser.newPage({ viewport: WIDTHS.desktop });
    await signIn(page, alice);
    await page.waitForSelector('[data-category="labs"]');
    expect(await page.textContent('[data-category="vitals"] .count')).toBe('3');
    expect(await page.locator('svg[role="img"]').count()).toBe(1);
    await shoot(page, 'my-record');

    // Alice connects her record to sharing once: the RS's code flow, approved at Kardia.
    await page.getByRole('link', { name: 'Share', exact: true }).click();
    await page.waitForSelector('[data-connect]');
    await page.getByRole('link', { name: 'Connect my record for sharing' }).click();
    await page.waitForSelector('[data-registration]');
    // The RS redirects back to the dashboard's page for the record (its user_access_policy_uri).
    await Promise.all([
      page.waitForURL(/\/account\/share/),
      page.locator('button[name="decision"][value="allow"]').click(),
    ]);
    expect(await page.locator('[data-connect]').count()).toBe(0);

    // Share labs (Observations) with Bob, read only, sensitive information left out.
    await page.goto(`${server.url}/account/share`);
    await page.getByLabel('Their email address').fill('bob@example.org');
    await page.getByLabel('Observations (vital signs and lab results)').check();
    expect(await page.getByLabel('Include mental health').isChecked()).toBe(false);
    await shoot(page, 'share');
    await page.getByRole('button', { name: 'Preview what they will see' }).click();
    await page.waitForSelector('[data-preview]');
    expect(await page.textContent('[data-preview]')).toContain('4 entries');
    await shoot(page, 'share-preview');
    await Promise.all([
      page.waitForURL(/done=shared/),
      page.getByRole('button', { name: 'Share', exact: true }).click(),
    ]);
    expect(await page.textContent('main')).toContain('bob@example.org');

    // Bob's app meets the RS's UMA challenge, gets an RPT with Bob's identity, reads the labs.
    const app = await registerUmaApp(server, { client_name: 'Clinic Portal' });
    const uma = umaClient(server, app);
    const labs = `${server.url}/fhir/Observation?patient=${patient}&category=laboratory`;
    const rptFor = async (user: TestUser, url: string, scope?: string) => {
      const challenge = await fetch(url);
      const ticket = parseUmaChallenge(challenge.headers.get('www-authenticate'))?.ticket ?? '';
      expect(ticket).not.toBe('');
      return uma.grant(ticket, {
        claim_token: await idTokenFor(server, app, user),
        claim_token_format: ID_TOKEN_FORMAT,
        ...(scope ? { scope } : {}),
      });
    };
    const bobGrant = await rptFor(bob, labs);
    expect(bobGrant.status, JSON.stringify(bobGrant.body)).toBe(200);
    const bobRpt = { authorization: `Bearer ${String(bobGrant.body.access_token)}` };
    const bobRead = await fetch(labs, { headers: bobRpt });
    expect(bobRead.status).toBe(200);
    expect(((await bobRead.json()) as { total?: number }).total).toBe(1);

    // Carol asks (Alice's policy says "ask me") to read and change the labs; Alice allows reading.
    const aliceApi = await policyToken(server, alice);
    const resources = await call(endpoints(server).ownerResources, 'GET', aliceApi);
    const observations = (resources.body as { _id: string; type: string }[]).find((r) =>
      r.type.endsWith('/Observation'),
    );
    await createPolicy(server, aliceApi, {
      resource_ids: [observations?._id],
      resource_scopes: ['read', 'write'],
      required_claims: [{ name: 'email', value: 'carol@example.org', issuer: [server.url] }],
      mode: 'ask',
      description: 'Ask me when Carol wants to look',
    });
    const asked = await rptFor(carol, labs, 'read write');
    expect(asked.body.error, JSON.stringify(asked.body)).toBe('request_submitted');
    await page.getByRole('link', { name: 'Requests' }).click();
    await page.waitForSelector('[data-request]');
    expect(await page.textContent('[data-request]')).toContain('Carol Reyes');
    await shoot(page, 'requests');
    await page.getByLabel('add and change').uncheck();
    await Promise.all([
      page.waitForURL(/done=allowed/),
      page.getByRole('button', { name: 'Approve what is ticked' }).click(),
    ]);
    const carolGrant = await uma.grant(String(asked.body.ticket));
    expect(carolGrant.status, JSON.stringify(carolGrant.body)).toBe(200);
    const carolRpt = { authorization: `Bearer ${String(carolGrant.body.access_token)}` };
    expect((await fetch(labs, { headers: carolRpt })).status).toBe(200);
    const carolWrite = await fetch(`${server.url}/fhir/Observation`, {
      method: 'POST',
      headers: { ...carolRpt, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'Note' },
        subject: { reference: `Patient/${patient}` },
      }),
    });
    expect(carolWrite.status).not.toBe(201);

    // Alice revokes Bob in one click: his next read is refused.
    await page.getByRole('link', { name: 'Shares' }).click();
    await page.waitForSelector('[data-share]');
    await shoot(page, 'shares');
    const bobShare = page.locator('[data-share]', { hasText: 'bob@example.org' });
    // Bob's first read bound the share to his account.
    expect(await bobShare.locator('[data-bound]').textContent()).toContain('Bob Okafor');
    await Promise.all([
      page.waitForURL(/done=revoked/),
      bobShare.getByRole('button', { name: 'Revoke' }).click(),
    ]);
    expect(await page.textContent('main')).not.toContain('bob@example.org');
    await expect
      .poll(async () => (await fetch(labs, { headers: bobRpt })).status, { timeout: 3000 })
      .not.toBe(200);

    await page.getByRole('link', { name: 'Connected apps' }).click();
    await page.waitForSelector('[data-grant]');
    expect(await page.textContent('main')).toContain('Heart Tracker');
    await shoot(page, 'connected-apps');

    // History: Bob's read through the share, Carol's, the tracker's, and Bob's refused read.
    await page.getByRole('link', { name: 'History' }).click();
    await page.waitForSelector('table.history');
    const history = (await page.textContent('table.history')) ?? '';
    expect(history).toContain('Heart Tracker');
    expect(history).toContain('Bob Okafor');
    expect(history).toContain('Carol Reyes');
    // Bob's share is gone, so his reads name it as removed; Carol's came through her approval.
    expect(history).toContain('share: a share since removed');
    expect(history).toContain('share: your approval of Carol Reyes');
    expect(await page.locator('tr[data-outcome="refused"]').count()).toBeGreaterThan(0);
    await shoot(page, 'history');
    await page.getByLabel('App').selectOption({ label: 'Heart Tracker' });
    await Promise.all([
      page.waitForURL(/app=/),
      page.getByRole('button', { name: 'Filter' }).click(),
    ]);
    expect(await page.locator('table.history tbody tr').count()).toBeGreaterThan(0);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export as FHIR Bundle' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^kardia-history-.*\.json$/);

    // htmx is loaded from the server itself.
    expect(await page.evaluate(() => typeof (window as unknown as { htmx?: unknown }).htmx)).toBe(
      'object',
    );
    await page.close();
  });

  it('every journey works with JavaScript off', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: WIDTHS.phone });
    const page = await context.newPage();
    await signIn(page, alice);
    await page.getByRole('link', { name: 'History' }).click();
    await page.waitForSelector('table.history');
    await page.getByLabel('Outcome').selectOption('allowed');
    await Promise.all([
      page.waitForURL(/outcome=allowed/),
      page.getByRole('button', { name: 'Filter' }).click(),
    ]);
    expect(await page.locator('tr[data-outcome="refused"]').count()).toBe(0);
    await page.getByRole('link', { name: 'Share', exact: true }).click();
    await page.getByLabel('Their email address').fill('doctor@example.org');
    await page.getByLabel('Conditions', { exact: true }).check();
    await page.getByRole('button', { name: 'Preview what they will see' }).click();
    await Promise.all([
      page.waitForURL(/done=shared/),
      page.getByRole('button', { name: 'Share', exact: true }).click(),
    ]);
    expect(await page.textContent('main')).toContain('doctor@example.org');
    await context.close();
  });
});

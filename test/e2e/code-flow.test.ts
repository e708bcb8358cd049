import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerNativeClient } from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { createTestUser, type TestUser } from '../helpers/users.js';
import { launchBrowser } from './browser.js';

/**
 * A person in a real browser: an app sends them to Kardia, they sign in, read the consent page
 * and allow; the browser lands on the app's loopback redirect URI with a code and the state.
 */
const shots = process.env.KARDIA_SCREENSHOTS ?? join(tmpdir(), 'kardia-screenshots');
mkdirSync(shots, { recursive: true });
const shot = (name: string) => join(shots, `${name}.png`);

let server: TestServer;
let browser: Browser;
let user: TestUser;
let callback: Server;
let callbackUrl: string;

beforeAll(async () => {
  server = await startKardia();
  user = await createTestUser(server, { name: 'Alice Example' });
  browser = await launchBrowser();
  callback = createServer((_req, res) => res.end('signed in'));
  await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
  callbackUrl = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/callback`;
});
afterAll(async () => {
  await browser?.close();
  callback?.close();
  await server?.close();
});

describe('the code flow in a browser', () => {
  it('OA-FC-2 OA-AP-1 OA-AP-3 signs in, consents and returns to the app with a code', async () => {
    const client = await registerNativeClient(server, {
      redirect_uris: [callbackUrl],
      scope: 'patient/*.read',
      client_name: 'Pill Reminder',
    });
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(16).toString('base64url');
    const authorize = new URL(`${server.url}/authorize`);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: callbackUrl,
      scope: 'patient/*.read',
      state,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();

    const page = await browser.newPage();
    await page.goto(authorize.toString());
    await page.screenshot({ path: shot('login'), fullPage: true });
    await page.getByLabel(/user ?name/i).fill(user.username);
    await page.getByLabel(/password/i).fill(user.password);
    await page
      .locator(
        'form[action="/login"] button[type="submit"], form[action="/login"] input[type="submit"]',
      )
      .first()
      .click();

    await page.waitForSelector('[data-registration]');
    expect(
      await page.locator('[data-registration]').first().getAttribute('data-registration'),
    ).toBe('dynamic');
    expect(await page.content()).toContain('Pill Reminder');
    await page.screenshot({ path: shot('consent'), fullPage: true });

    await Promise.all([
      page.waitForURL((url) => url.toString().startsWith(callbackUrl)),
      page.locator('button[name="decision"][value="allow"]').click(),
    ]);
    const landed = new URL(page.url());
    expect(landed.searchParams.get('code')).toBeTruthy();
    expect(landed.searchParams.get('state')).toBe(state);
    await page.close();
  });
});

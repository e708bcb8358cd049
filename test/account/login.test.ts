import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_LIMITS } from '../../src/account/rate-limit.js';
import { sha256 } from '../../src/util/random.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { formFields, UserAgent } from '../helpers/user-agent.js';
import { createTestUser, type TestUser } from '../helpers/users.js';

let server: TestServer;
let user: TestUser;

beforeAll(async () => {
  server = await startKardia();
  user = await createTestUser(server, { name: 'Ada Lovelace' });
});
afterAll(() => server.close());

/** The Set-Cookie line for `name` in a response. */
const setCookie = (response: Response, name: string) =>
  response.headers.getSetCookie().find((line) => line.startsWith(`${name}=`)) ?? '';

describe('the login page', () => {
  it('is a labelled form with username and password, in a page with lang, one stylesheet and no inline code', async () => {
    const response = await fetch(`${server.url}/login`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await response.text();
    expect(html).toMatch(/^<!DOCTYPE html><html lang="en">/);
    expect(html).toContain('<label for="username">');
    expect(html).toContain('<label for="password">');
    expect(html).toContain('name="username"');
    expect(html).toContain('name="password"');
    expect(html).toContain('<link rel="stylesheet" href="/assets/kardia.css"/>');
    expect(html).not.toMatch(/<script|<style|style="/);

    const css = await fetch(`${server.url}/assets/kardia.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(await css.text()).toContain('.card');
  });

  it('signs a user in, shows the account page, and signs out', async () => {
    const agent = new UserAgent(server);
    const login = await agent.signIn(user.username, user.password);
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/account');

    const account = await agent.get('/account');
    expect(account.status).toBe(200);
    const html = await account.text();
    expect(html).toContain('Signed in as');
    expect(html).toContain('Ada Lovelace');

    const logout = await agent.postForm(
      '/account/logout',
      formFields(html, 'action="/account/logout"'),
    );
    expect(logout.status).toBe(303);
    expect(logout.headers.get('location')).toBe('/login?signed_out=1');
    const after = await agent.get('/account');
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toBe('/login?return_to=%2Faccount');
  });

  it('accepts the username in any case and refuses a wrong password without saying which part was wrong', async () => {
    const agent = new UserAgent(server);
    expect((await agent.signIn(user.username.toUpperCase(), user.password)).status).toBe(303);
    const other = await createTestUser(server);
    const wrongPassword = await new UserAgent(server).signIn(other.username, 'wrong password');
    const unknownUser = await new UserAgent(server).signIn('nobody-here', 'wrong password');
    expect(wrongPassword.status).toBe(400);
    expect(unknownUser.status).toBe(400);
    const text = (html: string) => html.replace(/value="[^"]*"/g, '');
    expect(text(await wrongPassword.text())).toBe(text(await unknownUser.text()));
  });

  it('returns only to paths on this server', async () => {
    for (const [returnTo, expected] of [
      ['/authorize?client_id=x', '/authorize?client_id=x'],
      ['//evil.example/x', '/account'],
      ['https://evil.example/x', '/account'],
      ['/\\evil.example', '/account'],
      ['javascript:alert(1)', '/account'],
      ['/ok\r\nx', '/account'],
    ] as const) {
      const agent = new UserAgent(server);
      const page = await (await agent.get('/login')).text();
      const response = await agent.postForm('/login', {
        ...formFields(page, 'action="/login"'),
        return_to: returnTo,
        username: user.username,
        password: user.password,
      });
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe(expected);
    }
  });

  it('refuses a login posted as JSON rather than a form', async () => {
    const response = await fetch(`${server.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: user.username, password: user.password }),
    });
    expect(response.status).toBe(415);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.getSetCookie().some((c) => c.startsWith('kardia_session='))).toBe(
      false,
    );
  });

  it('answers a malformed form with a readable page, never JSON or a stack trace', async () => {
    const response = await fetch(`${server.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=a&username=b',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('<h1');
    expect(html).not.toMatch(/at .*\.(ts|js):\d+/);
  });
});

describe('login sessions', () => {
  it('sets an HttpOnly, SameSite=Lax session cookie, without Secure on an http localhost issuer', async () => {
    const response = await new UserAgent(server).signIn(user.username, user.password);
    const cookie = setCookie(response, 'kardia_session');
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/; Secure/);
  });

  it('marks the session cookie Secure when the issuer is https', async () => {
    const secure = await startKardia({ issuer: 'https://kardia.example' });
    try {
      const owner = await createTestUser(secure);
      const agent = new UserAgent(secure);
      const page = await (await agent.get('/login')).text();
      expect(setCookie(await agent.get('/login'), 'kardia_csrf')).toBe('');
      const response = await agent.postForm('/login', {
        ...formFields(page, 'action="/login"'),
        username: owner.username,
        password: owner.password,
      });
      expect(response.status).toBe(303);
      const cookie = setCookie(response, 'kardia_session');
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).toMatch(/; HttpOnly/);
    } finally {
      await secure.close();
    }
  }, 60_000);

  it('stores only a SHA-256 of the session id, and a forged or altered cookie opens nothing', async () => {
    const agent = new UserAgent(server);
    await agent.signIn(user.username, user.password);
    const signed = decodeURIComponent(agent.cookies.get('kardia_session') ?? '');
    const id = signed.slice(0, signed.lastIndexOf('.'));
    const rows = await server.kardia.store.db
      .selectFrom('login_sessions')
      .select('id_hash')
      .where('id_hash', 'in', [id, sha256(id)])
      .execute();
    expect(rows.map((r) => r.id_hash)).toEqual([sha256(id)]);

    const altered = `${signed.startsWith('A') ? 'B' : 'A'}${signed.slice(1)}`;
    for (const forged of [id, `${id}.forged`, altered]) {
      const response = await fetch(`${server.url}/account`, {
        headers: { cookie: `kardia_session=${encodeURIComponent(forged)}` },
        redirect: 'manual',
      });
      expect(response.status, forged).toBe(303);
    }
  });

  it('gives a new session id at every sign-in, ending the one the browser had', async () => {
    const agent = new UserAgent(server);
    await agent.signIn(user.username, user.password);
    const before = agent.cookies.get('kardia_session');
    await agent.signIn(user.username, user.password);
    const after = agent.cookies.get('kardia_session');
    expect(after).not.toBe(before);
    const old = await fetch(`${server.url}/account`, {
      headers: { cookie: `kardia_session=${before}` },
      redirect: 'manual',
    });
    expect(old.status).toBe(303);
  });
});

describe('CSRF', () => {
  it('refuses a login post without the form token, or with a token from another browser', async () => {
    const agent = new UserAgent(server);
    const page = await (await agent.get('/login')).text();
    const fields = formFields(page, 'action="/login"');
    const credentials = { username: user.username, password: user.password };

    const missing = await agent.postForm('/login', { ...credentials, return_to: '/account' });
    expect(missing.status).toBe(403);
    expect(await missing.text()).toContain('This form has expired');

    const stranger = new UserAgent(server);
    await stranger.get('/login');
    const replayed = await stranger.postForm('/login', { ...fields, ...credentials });
    expect(replayed.status).toBe(403);
    expect(stranger.cookies.has('kardia_session')).toBe(false);

    const noCookie = await fetch(`${server.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, ...credentials }).toString(),
    });
    expect(noCookie.status).toBe(403);
  });

  it('refuses a sign-out without the session-bound token, and the session stays', async () => {
    const agent = new UserAgent(server);
    await agent.signIn(user.username, user.password);
    const response = await agent.postForm('/account/logout', { csrf_token: 'forged' });
    expect(response.status).toBe(403);
    expect((await agent.get('/account')).status).toBe(200);
  });
});

describe('login rate limits', () => {
  it('answers 429 with a readable page after repeated failures for one username, even with the right password', async () => {
    const target = await createTestUser(server);
    const agent = new UserAgent(server);
    for (let i = 0; i < LOGIN_LIMITS.perUsername; i += 1) {
      expect((await agent.signIn(target.username, `wrong-${i}`)).status).toBe(400);
    }
    const locked = await agent.signIn(target.username, target.password);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(locked.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await locked.text()).toContain('Too many sign-in attempts');
    expect(agent.cookies.has('kardia_session')).toBe(false);

    const rows = await server.kardia.store.db.selectFrom('rate_limits').selectAll().execute();
    expect(rows.some((r) => r.bucket.includes(target.username))).toBe(false);
  });

  it('shares the limits between nodes through the database', async () => {
    const target = await createTestUser(server);
    const second = await startKardia({}, { database: server.database });
    try {
      const agent = new UserAgent(server);
      for (let i = 0; i < LOGIN_LIMITS.perUsername; i += 1) {
        await agent.signIn(target.username, `wrong-${i}`);
      }
      const elsewhere = await new UserAgent(second).signIn(target.username, target.password);
      expect(elsewhere.status).toBe(429);
    } finally {
      await second.close();
    }
  }, 60_000);

  it('limits failures from one address across usernames', async () => {
    const fresh = await startKardia();
    try {
      const owner = await createTestUser(fresh);
      const agent = new UserAgent(fresh);
      for (let i = 0; i < LOGIN_LIMITS.perAddress; i += 1) {
        expect((await agent.signIn(`someone-${i}`, 'wrong password')).status).toBe(400);
      }
      const locked = await agent.signIn(owner.username, owner.password);
      expect(locked.status).toBe(429);
    } finally {
      await fresh.close();
    }
  }, 120_000);
});

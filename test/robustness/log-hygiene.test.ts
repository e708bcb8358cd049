import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertionParams, postForm, resourceServer } from '../helpers/clients.js';
import { registerCodeClient } from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';
import { createTestUser } from '../helpers/users.js';

/**
 * STYLE.md and DESIGN.md: logs never hold tokens, codes, assertions, passwords or cookies.
 * A full flow runs (sign in, consent, code, PKCE, refresh, introspection, revocation, a failed
 * sign-in), keeping every secret that crossed the wire; then the logs are searched for each.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startKardia({ logLevel: 'trace' });
});
afterAll(() => server.close());

describe('log hygiene', () => {
  it('a full flow leaves no token, code, assertion, password or cookie in the logs', async () => {
    const secrets: string[] = [];
    const user = await createTestUser(server);
    secrets.push(user.password);
    const client = await registerCodeClient(server, { scope: 'patient/*.read' });
    secrets.push(client.registrationAccessToken);
    const rs = await resourceServer(server);

    const agent = new UserAgent(server);
    const wrong = await agent.signIn(user.username, 'not-the-password-1234');
    expect(wrong.status).toBeGreaterThanOrEqual(200);
    secrets.push('not-the-password-1234');

    const verifier = randomBytes(32).toString('base64url');
    const { location } = await agent.authorize(
      {
        response_type: 'code',
        client_id: client.clientId,
        redirect_uri: 'https://client.example/callback',
        scope: 'patient/*.read',
        state: 'log-hygiene-state-value-1234567890',
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
      },
      { username: user.username, password: user.password },
    );
    const code = new URL(location).searchParams.get('code') ?? '';
    expect(code).not.toBe('');
    secrets.push(code, verifier, ...agent.cookies.values());

    const tokenUrl = `${server.url}/token`;
    const auth = await assertionParams(client, tokenUrl);
    secrets.push(auth.client_assertion);
    const tokens = await postForm(tokenUrl, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'https://client.example/callback',
      code_verifier: verifier,
      ...auth,
    });
    expect(tokens.status).toBe(200);
    const accessToken = String(tokens.body.access_token);
    const refreshToken = String(tokens.body.refresh_token);
    secrets.push(accessToken, refreshToken);

    // A replayed code and a replayed assertion are refused, and logged as refusals only.
    expect(
      (await postForm(tokenUrl, { grant_type: 'authorization_code', code, ...auth })).status,
    ).toBe(401);

    const refreshAuth = await assertionParams(client, tokenUrl);
    secrets.push(refreshAuth.client_assertion);
    const refreshed = await postForm(tokenUrl, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      ...refreshAuth,
    });
    expect(refreshed.status).toBe(200);
    secrets.push(String(refreshed.body.access_token), String(refreshed.body.refresh_token));

    const introspectAuth = await assertionParams(rs, `${server.url}/introspect`);
    secrets.push(introspectAuth.client_assertion);
    await postForm(`${server.url}/introspect`, { token: accessToken, ...introspectAuth });

    const revokeAuth = await assertionParams(client, `${server.url}/revoke`);
    secrets.push(revokeAuth.client_assertion);
    await postForm(`${server.url}/revoke`, {
      token: String(refreshed.body.refresh_token),
      ...revokeAuth,
    });
    await fetch(`${server.url}/fhir/Patient`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });

    expect(server.logs.length).toBeGreaterThan(10);
    const text = server.logs.join('\n');
    const leaked = secrets.filter((s) => s.length >= 8 && text.includes(s));
    expect(leaked.map((s) => `${s.slice(0, 12)}…`)).toEqual([]);
    for (const line of server.logs) {
      expect(() => JSON.parse(line)).not.toThrow();
      expect(line).not.toMatch(/"(authorization|cookie|set-cookie)"\s*:\s*"[^[]/i);
      expect(line).not.toContain('?code=');
      expect(line).not.toContain('access_token=');
    }
  });
});

import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourceServer, type TestClient } from '../helpers/clients.js';
import { registerCodeClient, registerNativeClient } from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';
import { createTestUser, type TestUser } from '../helpers/users.js';

/**
 * openid-client as an independent client of the HEART code flow: a dynamically registered
 * confidential client with private_key_jwt and PKCE S256, then refresh, introspection and
 * revocation; and a public native client with PKCE and no authentication. A person signs in and
 * consents through Kardia's real pages (a cookie-jar user agent).
 */
let server: TestServer;
let user: TestUser;
let rs: TestClient;
const insecure = { execute: [oidc.allowInsecureRequests] };

const tokenEndpointAud = () => ({
  [oidc.modifyAssertion]: (_h: Record<string, unknown>, payload: Record<string, unknown>) => {
    payload.aud = `${server.url}/token`;
  },
});

const configureWithKey = (who: TestClient) =>
  oidc.discovery(
    new URL(server.url),
    who.clientId,
    {},
    oidc.PrivateKeyJwt(
      { key: who.keys.privateKey, kid: who.keys.publicJwk.kid },
      tokenEndpointAud(),
    ),
    insecure,
  );

async function signInAndConsent(url: URL): Promise<URL> {
  const agent = new UserAgent(server);
  const { location } = await agent.authorize(url.toString(), {
    username: user.username,
    password: user.password,
  });
  return new URL(location);
}

beforeAll(async () => {
  server = await startKardia();
  user = await createTestUser(server);
  rs = await resourceServer(server);
});
afterAll(() => server.close());

describe('openid-client: the code flow', () => {
  it('OA-FC-1 OA-FC-3 OA-FC-5 OA-PK-1 code + PKCE + private_key_jwt, refresh, introspection, revocation', async () => {
    const registered = await registerCodeClient(server, { scope: 'patient/*.read' });
    const config = await configureWithKey(registered);
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: 'https://client.example/callback',
      scope: 'patient/*.read',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });

    const callback = await signInAndConsent(url);
    expect(callback.hash).toBe('');
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.scope).toBe('patient/*.read');
    expect(tokens.expiresIn()).toBeLessThanOrEqual(3600);
    expect(tokens.refresh_token).toBeTruthy();

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token ?? '');
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);

    const asResource = await configureWithKey(rs);
    const live = await oidc.tokenIntrospection(asResource, refreshed.access_token);
    expect(live).toMatchObject({ active: true, sub: user.sub, client_id: registered.clientId });

    await oidc.tokenRevocation(config, refreshed.refresh_token ?? '');
    expect(await oidc.tokenIntrospection(asResource, refreshed.access_token)).toEqual({
      active: false,
    });
    await expect(
      oidc.refreshTokenGrant(config, refreshed.refresh_token ?? ''),
    ).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('OA-NC-1 OA-NC-8 a public native client completes the flow with PKCE and no secret', async () => {
    const registered = await registerNativeClient(server, { scope: 'patient/*.read' });
    const config = await oidc.discovery(
      new URL(server.url),
      registered.clientId,
      {},
      oidc.None(),
      insecure,
    );
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: 'http://127.0.0.1/callback',
      scope: 'patient/*.read',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    const callback = await signInAndConsent(url);
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: oidc.skipStateCheck,
    });
    expect(tokens.access_token.split('.')).toHaveLength(3);
  });
});

import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  resourceServer,
  staticClientCredentialsClient,
  type TestClient,
} from '../helpers/clients.js';
import { startKardia, type TestServer } from '../helpers/server.js';

/**
 * openid-client, an independent certified RP library, against a real Kardia socket: discovery,
 * client credentials with private_key_jwt, introspection by a protected resource, revocation.
 * HEART OAuth §2.2.2 wants the token endpoint URL as the assertion `aud`; openid-client defaults
 * to the issuer, and its documented `modifyAssertion` hook sets it.
 */
let server: TestServer;
let client: TestClient;
let rs: TestClient;

const heartAssertion = (tokenEndpoint: string) => ({
  [oidc.modifyAssertion]: (_header: Record<string, unknown>, payload: Record<string, unknown>) => {
    payload.aud = tokenEndpoint;
  },
});

async function configure(who: TestClient): Promise<oidc.Configuration> {
  const auth = oidc.PrivateKeyJwt(
    { key: who.keys.privateKey, kid: who.keys.publicJwk.kid },
    heartAssertion(`${server.url}/token`),
  );
  return oidc.discovery(new URL(server.url), who.clientId, {}, auth, {
    execute: [oidc.allowInsecureRequests],
  });
}

beforeAll(async () => {
  server = await startKardia();
  client = await staticClientCredentialsClient(server, 'system/*.read');
  rs = await resourceServer(server);
});
afterAll(() => server.close());

describe('openid-client: back channel', () => {
  it('OA-DA-1 OA-DS-1 discovers Kardia and gets a client-credentials token', async () => {
    const config = await configure(client);
    expect(config.serverMetadata().issuer).toBe(server.url);
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'system/*.read' });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.access_token.split('.')).toHaveLength(3);
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.expiresIn()).toBeLessThanOrEqual(21600);
  });

  it('OA-IN-1 OA-IN-2 introspects as a protected resource, then revocation ends the token', async () => {
    const tokens = await oidc.clientCredentialsGrant(await configure(client));
    const asResource = await configure(rs);
    const active = await oidc.tokenIntrospection(asResource, tokens.access_token);
    expect(active.active).toBe(true);
    expect(active.client_id).toBe(client.clientId);
    expect(active.sub).toBe(client.clientId);

    await oidc.tokenRevocation(await configure(client), tokens.access_token);
    const after = await oidc.tokenIntrospection(asResource, tokens.access_token);
    expect(after).toEqual({ active: false });
  });

  it('OA-IN-4 refuses introspection by an ordinary client', async () => {
    const tokens = await oidc.clientCredentialsGrant(await configure(client));
    await expect(
      oidc.tokenIntrospection(await configure(client), tokens.access_token),
    ).rejects.toMatchObject({
      error: 'invalid_client',
    });
  });
});

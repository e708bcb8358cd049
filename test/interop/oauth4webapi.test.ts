import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  resourceServer,
  staticClientCredentialsClient,
  type TestClient,
} from '../helpers/clients.js';
import { startKardia, type TestServer } from '../helpers/server.js';

/**
 * oauth4webapi, an independent OAuth library, against a real Kardia socket. Beyond the grant it
 * checks Kardia's access tokens as a resource server would, with its RFC 9068 validator.
 */
let server: TestServer;
let as: oauth.AuthorizationServer;
let client: TestClient;
let rs: TestClient;
const insecure = { [oauth.allowInsecureRequests]: true };

const auth = (who: TestClient) =>
  oauth.PrivateKeyJwt(
    { key: who.keys.privateKey, kid: who.keys.publicJwk.kid },
    {
      [oauth.modifyAssertion]: (_header, payload) => {
        payload.aud = as.token_endpoint;
      },
    },
  );

async function clientCredentials(scope = 'system/*.read') {
  const response = await oauth.clientCredentialsGrantRequest(
    as,
    { client_id: client.clientId },
    auth(client),
    { scope },
    insecure,
  );
  return oauth.processClientCredentialsResponse(as, { client_id: client.clientId }, response);
}

beforeAll(async () => {
  server = await startKardia();
  const issuer = new URL(server.url);
  as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
  client = await staticClientCredentialsClient(server, 'system/*.read');
  rs = await resourceServer(server);
});
afterAll(() => server.close());

describe('oauth4webapi', () => {
  it('OA-DA-1 OA-DA-2 obtains a client-credentials token with no refresh token', async () => {
    const result = await clientCredentials();
    expect(result.token_type).toBe('bearer');
    expect(result.refresh_token).toBeUndefined();
    expect(result.scope).toBe('system/*.read');
  });

  it('OA-JW-1 OA-JW-5 OA-JW-6 access tokens pass an RFC 9068 validator at the resource server', async () => {
    const { access_token } = await clientCredentials();
    const request = new Request(`${server.url}/fhir/Patient`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    const claims = await oauth.validateJwtAccessToken(as, request, `${server.url}/fhir`, insecure);
    expect(claims.iss).toBe(server.url);
    expect(claims.client_id).toBe(client.clientId);
    expect(claims.sub).toBe(client.clientId);
    expect(claims.jti.length).toBeGreaterThanOrEqual(43);
  });

  it('OA-IN-1 OA-RV-1 introspects as a protected resource and sees a revocation', async () => {
    const { access_token } = await clientCredentials();
    const introspect = async () =>
      oauth.processIntrospectionResponse(
        as,
        { client_id: rs.clientId },
        await oauth.introspectionRequest(
          as,
          { client_id: rs.clientId },
          auth(rs),
          access_token,
          insecure,
        ),
      );
    expect((await introspect()).active).toBe(true);
    const revoked = await oauth.revocationRequest(
      as,
      { client_id: client.clientId },
      auth(client),
      access_token,
      insecure,
    );
    await oauth.processRevocationResponse(revoked);
    expect(await introspect()).toEqual({ active: false });
  });

  it('OA-JW-8 access tokens are signed JWS, never encrypted: Kardia offers no JWE access tokens', async () => {
    const { access_token } = await clientCredentials();
    expect(access_token.split('.')).toHaveLength(3);
    const header = JSON.parse(
      Buffer.from(access_token.split('.')[0] ?? '', 'base64url').toString(),
    ) as Record<string, unknown>;
    expect(header.alg).toBe('RS256');
    expect(header).not.toHaveProperty('enc');
  });
});

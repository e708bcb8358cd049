import * as oidc from 'openid-client';
import { compactDecrypt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerClient, type RegisteredClient } from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';
import { createTestUser, type TestUser } from '../helpers/users.js';
import { WEB_CB } from './flow.js';
import { type EncryptionKey, signingAndEncryptionKeys } from './keys.js';

/**
 * openid-client 6, an independent certified RP, logs a person in at Kardia: discovery, the code
 * flow with PKCE, private_key_jwt, nonce and vtr; it validates the ID token itself and reads
 * UserInfo as JSON, as a signed JWT, and signed then encrypted to its own key.
 */
let server: TestServer;
let user: TestUser;

interface Rp {
  client: RegisteredClient;
  encryption: EncryptionKey;
  config: oidc.Configuration;
}

async function relyingParty(metadata: Record<string, unknown> = {}): Promise<Rp> {
  const { keys, encryption } = await signingAndEncryptionKeys();
  const client = await registerClient(
    server,
    { scope: 'openid profile email patient/*.read', ...metadata },
    { keys },
  );
  const auth = oidc.PrivateKeyJwt(
    { key: keys.privateKey, kid: keys.publicJwk.kid },
    {
      // HEART OAuth §2.2.2: the assertion's audience is the token endpoint URL.
      [oidc.modifyAssertion]: (_header, payload) => {
        payload.aud = `${server.url}/token`;
      },
    },
  );
  const config = await oidc.discovery(
    new URL(server.url),
    client.clientId,
    metadata as Partial<oidc.ClientMetadata>,
    auth,
    { execute: [oidc.allowInsecureRequests] },
  );
  oidc.enableDecryptingResponses(config, ['A128CBC-HS256'], {
    key: encryption.privateKey,
    kid: encryption.publicJwk.kid,
    alg: 'RSA-OAEP',
  } as unknown as oidc.DecryptionKey);
  return { client, encryption, config };
}

/** The RP's side of a login: build the request, let the person through, redeem the code. */
async function logIn(rp: Rp) {
  const verifier = oidc.randomPKCECodeVerifier();
  const nonce = oidc.randomNonce();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(rp.config, {
    redirect_uri: WEB_CB,
    scope: 'openid profile email',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    nonce,
    state,
    vtr: '["P1.Cc.Ab","P1.Ca"]',
  });
  const agent = new UserAgent(server);
  const walk = await agent.authorize(url.toString(), {
    username: user.username,
    password: user.password,
  });
  const tokens = await oidc.authorizationCodeGrant(rp.config, new URL(walk.location), {
    pkceCodeVerifier: verifier,
    expectedNonce: nonce,
    expectedState: state,
    idTokenExpected: true,
  });
  return tokens;
}

beforeAll(async () => {
  server = await startKardia();
  user = await createTestUser(server, { email: 'ada@example.org', name: 'Ada Lovelace' });
});
afterAll(() => server.close());

describe('openid-client as an independent relying party', () => {
  it('OIDC-CF-1 OIDC-CF-3 OIDC-RP-1 OIDC-RP-3 OIDC-RP-4 OIDC-ID-1 OIDC-VT-1 completes the code flow and validates the ID token', async () => {
    const rp = await relyingParty();
    const tokens = await logIn(rp);
    const claims = tokens.claims();
    expect(claims?.iss).toBe(server.url);
    expect(claims?.aud).toBe(rp.client.clientId);
    expect(claims?.vot).toBe('P1.Cc.Ab');
    expect(claims?.vtm).toBe(`${server.url}/trustmark`);
    expect(claims?.acr).toBeUndefined();

    const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, String(claims?.sub));
    expect(info).toMatchObject({
      sub: claims?.sub,
      name: 'Ada Lovelace',
      email: 'ada@example.org',
      email_verified: true,
    });
  });

  it('OIDC-UI-3 OIDC-UI-4 reads UserInfo as a signed JWT, verified by openid-client', async () => {
    const rp = await relyingParty({ userinfo_signed_response_alg: 'RS256' });
    const tokens = await logIn(rp);
    const sub = String(tokens.claims()?.sub);
    const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, sub);
    expect(info.sub).toBe(sub);
    expect(info.email).toBe('ada@example.org');

    const raw = await fetch(`${server.url}/userinfo`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(raw.headers.get('content-type')).toMatch(/^application\/jwt/);
    expect(decodeProtectedHeader(await raw.text()).alg).toBe('RS256');
  });

  it('OIDC-UI-3 OIDC-UI-4 OIDC-ID-2 reads UserInfo and the ID token signed, then encrypted to its key', async () => {
    const rp = await relyingParty({
      userinfo_signed_response_alg: 'RS256',
      userinfo_encrypted_response_alg: 'RSA-OAEP',
      userinfo_encrypted_response_enc: 'A128CBC-HS256',
      id_token_encrypted_response_alg: 'RSA-OAEP',
    });
    const tokens = await logIn(rp);
    expect(tokens.id_token?.split('.')).toHaveLength(5);
    const claims = tokens.claims();
    expect(claims?.vot).toBe('P1.Cc.Ab');
    const info = await oidc.fetchUserInfo(rp.config, tokens.access_token, String(claims?.sub));
    expect(info.email).toBe('ada@example.org');

    // The same answer opened by hand with the client's private key: a JWE around a JWS.
    const raw = await fetch(`${server.url}/userinfo`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    const jwe = await raw.text();
    expect(decodeProtectedHeader(jwe)).toMatchObject({ alg: 'RSA-OAEP', cty: 'JWT' });
    const { plaintext } = await compactDecrypt(jwe, rp.encryption.privateKey);
    const inner = new TextDecoder().decode(plaintext);
    expect(decodeProtectedHeader(inner).alg).toBe('RS256');
  });
});

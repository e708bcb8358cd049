import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONFIDENTIAL_CODE_CLIENT,
  postRegistration,
  registerCodeClient,
  startDocumentServer,
  type DocumentServer,
} from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';
import { createTestUser, type TestUser } from '../helpers/users.js';
import { codeFlow } from './flow.js';
import { signingAndEncryptionKeys } from './keys.js';

let server: TestServer;
let user: TestUser;
let documents: DocumentServer;
let metadata: Record<string, unknown>;

beforeAll(async () => {
  server = await startKardia();
  user = await createTestUser(server);
  documents = await startDocumentServer();
  metadata = (await (
    await fetch(`${server.url}/.well-known/openid-configuration`)
  ).json()) as Record<string, unknown>;
});
afterAll(async () => {
  await documents.close();
  await server.close();
});

const list = (name: string) => metadata[name] as string[];

describe('discovery', () => {
  it('OIDC-DS-1 OIDC-DS-2 OA-DS-2 lists every field the profile requires, to anyone', async () => {
    for (const name of [
      'issuer',
      'authorization_endpoint',
      'token_endpoint',
      'introspection_endpoint',
      'revocation_endpoint',
      'jwks_uri',
      'userinfo_endpoint',
      'registration_endpoint',
      'scopes_supported',
      'claims_supported',
      'response_types_supported',
      'subject_types_supported',
      'id_token_signing_alg_values_supported',
    ]) {
      expect(metadata[name], name).toBeDefined();
    }
    expect(list('scopes_supported')).toContain('openid');
    expect(list('claims_supported')).toEqual(expect.arrayContaining(['sub', 'vot', 'vtm']));
    expect(list('token_endpoint_auth_methods_supported')).toContain('private_key_jwt');
    expect(
      list('token_endpoint_auth_methods_supported').some((m) => m.startsWith('client_secret')),
    ).toBe(false);
  });

  it('OIDC-DS-3 lists endpoints under the issuer, each of which answers', async () => {
    for (const name of ['userinfo_endpoint', 'end_session_endpoint', 'jwks_uri']) {
      const url = String(metadata[name]);
      expect(url.startsWith(`${server.url}/`)).toBe(true);
      expect((await fetch(url)).status).toBeLessThan(500);
    }
  });

  it('OIDC-DS-4 sends week-long cache headers on discovery and keys', async () => {
    for (const path of ['/.well-known/openid-configuration', '/jwks', '/trustmark']) {
      const header = (await fetch(`${server.url}${path}`)).headers.get('cache-control') ?? '';
      expect(Number(/max-age=(\d+)/.exec(header)?.[1])).toBeGreaterThanOrEqual(604800);
    }
  });

  it('OIDC-DS-5 OIDC-RO-3 publishes public keys with kid, kty, alg, one of them for encryption', async () => {
    const { keys } = (await (await fetch(String(metadata.jwks_uri))).json()) as {
      keys: Record<string, string>[];
    };
    expect(new Set(keys.map((k) => k.kid)).size).toBe(keys.length);
    for (const key of keys) {
      expect(key.kid && key.kty && key.alg).toBeTruthy();
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi'])
        expect(key).not.toHaveProperty(secret);
    }
    expect(keys.find((k) => k.use === 'sig')).toMatchObject({ kty: 'RSA', alg: 'RS256' });
    expect(keys.find((k) => k.use === 'enc')).toMatchObject({ kty: 'RSA', alg: 'RSA-OAEP' });
    expect(list('request_object_encryption_alg_values_supported')).toContain('RSA-OAEP');
  });

  it('OIDC-DS-6 OIDC-ID-4 OIDC-UI-5 OIDC-RO-5 lists vectors, acr, RS256 and request objects', () => {
    for (const name of ['vot_values_supported', 'acr_values_supported']) {
      expect(list(name).every((v) => typeof v === 'string')).toBe(true);
    }
    expect(list('id_token_signing_alg_values_supported')).toContain('RS256');
    expect(list('userinfo_signing_alg_values_supported')).toContain('RS256');
    expect(list('request_object_signing_alg_values_supported')).toContain('RS256');
    expect(list('request_object_signing_alg_values_supported')).not.toContain('none');
    expect(metadata.request_parameter_supported).toBe(true);
    expect(metadata.request_uri_parameter_supported).toBe(true);
    expect(list('subject_types_supported')).toEqual(['public', 'pairwise']);
    expect(list('prompt_values_supported')).toEqual(['none', 'login', 'consent']);
  });
});

describe('dynamic registration', () => {
  it('OIDC-DR-1 accepts and echoes the OpenID Connect registration metadata', async () => {
    const { keys } = await signingAndEncryptionKeys();
    documents.serve('/sector.json', ['https://client.example/callback']);
    const fields = {
      id_token_signed_response_alg: 'RS256',
      id_token_encrypted_response_alg: 'RSA-OAEP',
      id_token_encrypted_response_enc: 'A128CBC-HS256',
      userinfo_signed_response_alg: 'RS256',
      userinfo_encrypted_response_alg: 'RSA-OAEP',
      userinfo_encrypted_response_enc: 'A256GCM',
      request_object_signing_alg: 'RS256',
      subject_type: 'pairwise',
      sector_identifier_uri: `${documents.url}/sector.json`,
      default_max_age: 3600,
      require_auth_time: true,
      default_acr_values: ['urn:kardia:acr:password'],
      post_logout_redirect_uris: ['https://client.example/bye'],
    };
    const answer = await postRegistration(server, {
      ...CONFIDENTIAL_CODE_CLIENT,
      jwks: keys.jwks,
      ...fields,
    });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject(fields);
  });

  it('OIDC-DR-1 refuses a sector_identifier_uri that is unreachable, malformed or incomplete', async () => {
    documents.serve('/not-listing.json', ['https://other.example/cb']);
    documents.serve('/not-array.json', { redirect_uris: ['https://client.example/callback'] });
    documents.serve('/not-json', 'hello', { headers: { 'content-type': 'text/plain' } });
    for (const uri of [
      `${documents.url}/not-listing.json`,
      `${documents.url}/not-array.json`,
      `${documents.url}/not-json`,
      `${documents.url}/absent.json`,
      'https://10.0.0.1/sector.json',
      'http://example.com/sector.json',
      'not a url',
    ]) {
      const answer = await postRegistration(server, {
        ...CONFIDENTIAL_CODE_CLIENT,
        jwks: (await signingAndEncryptionKeys()).keys.jwks,
        subject_type: 'pairwise',
        sector_identifier_uri: uri,
      });
      expect(answer.status, uri).toBe(400);
      expect(answer.body.error, uri).toBe('invalid_client_metadata');
    }
  });

  it('OIDC-DR-1 refuses a pairwise client on several hosts without a sector, and bad values', async () => {
    const keys = (await signingAndEncryptionKeys()).keys;
    for (const bad of [
      {
        subject_type: 'pairwise',
        redirect_uris: ['https://a.example/cb', 'https://b.example/cb'],
      },
      { subject_type: 'secret' },
      { id_token_signed_response_alg: 'none' },
      { request_object_signing_alg: 'none' },
      { id_token_encrypted_response_alg: 'RSA-OAEP', jwks: { keys: [keys.publicJwk] } },
      { default_max_age: 'soon' },
      { post_logout_redirect_uris: ['javascript:alert(1)'] },
    ]) {
      const answer = await postRegistration(server, {
        ...CONFIDENTIAL_CODE_CLIENT,
        jwks: keys.jwks,
        ...bad,
      });
      expect(answer.status, JSON.stringify(bad)).toBe(400);
      expect(answer.body.error).toBe('invalid_client_metadata');
    }
  });

  it('OIDC-DR-2 still applies the HEART OAuth rules at the same endpoint', async () => {
    const answer = await postRegistration(server, {
      ...CONFIDENTIAL_CODE_CLIENT,
      grant_types: ['client_credentials'],
      jwks: (await signingAndEncryptionKeys()).keys.jwks,
    });
    expect(answer.status).toBe(400);
  });

  it('OIDC-ID-7 gives a pairwise client a sub of its own, stable per sector', async () => {
    const agent = new UserAgent(server);
    const publicClient = await registerCodeClient(server);
    const pairwise = await registerCodeClient(server, { subject_type: 'pairwise' });
    const sameSector = await registerCodeClient(server, { subject_type: 'pairwise' });
    documents.serve('/sector-b.json', ['https://client.example/callback']);
    const otherSector = await registerCodeClient(server, {
      subject_type: 'pairwise',
      sector_identifier_uri: `${documents.url}/sector-b.json`,
    });
    const subOf = async (client: typeof publicClient) =>
      (await codeFlow(server, agent, user, client)).claims.sub;
    expect(await subOf(publicClient)).toBe(user.sub);
    const pairwiseSub = await subOf(pairwise);
    expect(pairwiseSub).not.toBe(user.sub);
    expect(await subOf(pairwise)).toBe(pairwiseSub);
    expect(await subOf(sameSector)).toBe(pairwiseSub);
    expect(await subOf(otherSector)).not.toBe(pairwiseSub);

    const login = await codeFlow(server, agent, user, pairwise);
    const info = await fetch(`${server.url}/userinfo`, {
      headers: { authorization: `Bearer ${String(login.tokens.access_token)}` },
    });
    expect(((await info.json()) as { sub: string }).sub).toBe(pairwiseSub);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SettingsError } from '../../src/config/settings.js';
import { parseTrustedIssuers } from '../../src/oauth/registration/trusted-issuers.js';
import { makeKeyPair, type KeyPair } from '../helpers/clients.js';
import { postRegistration, startDocumentServer, type DocumentServer } from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';

const ISSUER = 'https://federation.example';
const FILE_ISSUER = 'https://registry.example';

let server: TestServer;
let host: DocumentServer;
let issuerKeys: KeyPair;
let fileIssuerKeys: KeyPair;
let clientKeys: KeyPair;

beforeAll(async () => {
  host = await startDocumentServer();
  [issuerKeys, fileIssuerKeys, clientKeys] = await Promise.all([
    makeKeyPair(),
    makeKeyPair('ES256'),
    makeKeyPair(),
  ]);
  host.serve('/federation/jwks.json', issuerKeys.jwks);
  const dir = mkdtempSync(join(tmpdir(), 'kardia-statement-'));
  const file = join(dir, 'registry-jwks.json');
  writeFileSync(file, JSON.stringify(fileIssuerKeys.jwks));
  server = await startKardia({
    trustedSoftwareStatementIssuers: [
      `${ISSUER}=${host.url}/federation/jwks.json`,
      `${FILE_ISSUER}=${file}`,
    ],
  });
});
afterAll(async () => {
  await server.close();
  await host.close();
});

/** The fields HEART OAuth §3.1.3 requires in a statement (OA-DR-7). */
const statementClaims = () => ({
  redirect_uris: ['https://app.example/callback'],
  grant_types: ['authorization_code'],
  jwks: clientKeys.jwks,
  client_name: 'Certified App',
  client_uri: 'https://app.example/',
  software_id: 'certified-app',
});

async function sign(
  claims: Record<string, unknown>,
  signer: KeyPair = issuerKeys,
  iss: string = ISSUER,
  lifetime = 600,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: signer.alg, kid: signer.publicJwk.kid })
    .setIssuer(iss)
    .setIssuedAt(now - 10)
    .setExpirationTime(now + lifetime)
    .sign(signer.privateKey);
}

async function expectError(body: Record<string, unknown>, error: string) {
  const response = await postRegistration(server, body);
  expect(response.status).toBe(400);
  expect(response.body.error).toBe(error);
  expect(response.headers.get('cache-control')).toBe('no-store');
}

describe('software statements at /register (RFC 7591 §2.3, HEART OAuth §3.1.3)', () => {
  it('OA-DR-6 accepts a statement signed by a trusted issuer and records that issuer', async () => {
    const statement = await sign(statementClaims());
    const response = await postRegistration(server, { software_statement: statement });
    expect(response.status).toBe(201);
    expect(response.body.software_statement).toBe(statement);
    expect(response.body.client_name).toBe('Certified App');
    expect(response.body.redirect_uris).toEqual(['https://app.example/callback']);
    expect(response.body.software_id).toBe('certified-app');
    expect(response.body).not.toHaveProperty('iss');
    const row = await server.kardia.store.db
      .selectFrom('clients')
      .select(['software_statement_issuer', 'registration'])
      .where('client_id', '=', String(response.body.client_id))
      .executeTakeFirstOrThrow();
    expect(row.software_statement_issuer).toBe(ISSUER);
    expect(row.registration).toBe('dynamic');
  });

  it('OA-DR-6 lets statement values win over the same fields sent in the clear', async () => {
    const statement = await sign(statementClaims());
    const response = await postRegistration(server, {
      software_statement: statement,
      client_name: 'Impostor',
      redirect_uris: ['https://evil.example/cb'],
      scope: 'patient/*.read',
    });
    expect(response.status).toBe(201);
    expect(response.body.client_name).toBe('Certified App');
    expect(response.body.redirect_uris).toEqual(['https://app.example/callback']);
    // Fields the statement does not hold still come from the request.
    expect(response.body.scope).toBe('patient/*.read');
  });

  it('OA-DR-6 accepts a statement whose issuer keys come from a JWK Set file', async () => {
    const statement = await sign(statementClaims(), fileIssuerKeys, FILE_ISSUER);
    const response = await postRegistration(server, { software_statement: statement });
    expect(response.status).toBe(201);
  });

  it('OA-DR-6 refuses a statement from an unknown issuer with unapproved_software_statement', async () => {
    const stranger = await makeKeyPair();
    const statement = await sign(statementClaims(), stranger, 'https://stranger.example');
    await expectError({ software_statement: statement }, 'unapproved_software_statement');
  });

  it('OA-DR-6 refuses a statement naming a trusted issuer but signed by another key', async () => {
    const forger = await makeKeyPair();
    await expectError(
      { software_statement: await sign(statementClaims(), forger) },
      'unapproved_software_statement',
    );
    const forged = await sign(statementClaims(), { ...forger, publicJwk: issuerKeys.publicJwk });
    await expectError({ software_statement: forged }, 'unapproved_software_statement');
  });

  it('OA-DR-7 refuses a statement missing any field HEART requires', async () => {
    for (const field of ['redirect_uris', 'grant_types', 'jwks', 'client_name', 'client_uri']) {
      const claims: Record<string, unknown> = statementClaims();
      delete claims[field];
      // Sending the field in the clear does not make up for its absence from the statement.
      const body = {
        software_statement: await sign(claims),
        [field]: statementClaims()[field as 'jwks'],
      };
      await expectError(body, 'invalid_software_statement');
    }
  });

  it('OA-DR-7 requires the code or implicit grant in the statement', async () => {
    const claims = {
      ...statementClaims(),
      grant_types: ['urn:ietf:params:oauth:grant-type:uma-ticket'],
    };
    await expectError({ software_statement: await sign(claims) }, 'invalid_software_statement');
  });

  it('OA-DR-7 accepts keys given as jwks_uri in the statement', async () => {
    host.serve('/app/jwks.json', clientKeys.jwks);
    const { jwks: _inline, ...rest } = statementClaims();
    expect(_inline).toBeDefined();
    const statement = await sign({ ...rest, jwks_uri: `${host.url}/app/jwks.json` });
    const response = await postRegistration(server, { software_statement: statement });
    expect(response.status).toBe(201);
    expect(response.body.jwks_uri).toBe(`${host.url}/app/jwks.json`);
  });

  it('refuses malformed and expired statements with invalid_software_statement', async () => {
    for (const statement of ['not-a-jwt', 'a.b.c', 42, { iss: ISSUER }, '']) {
      await expectError({ software_statement: statement }, 'invalid_software_statement');
    }
    const expired = await sign(statementClaims(), issuerKeys, ISSUER, -120);
    await expectError({ software_statement: expired }, 'invalid_software_statement');
  });

  it('holds statement values to the same registration rules', async () => {
    const claims = { ...statementClaims(), redirect_uris: ['http://app.example/callback'] };
    await expectError({ software_statement: await sign(claims) }, 'invalid_redirect_uri');
    const secret = { ...statementClaims(), token_endpoint_auth_method: 'client_secret_basic' };
    await expectError({ software_statement: await sign(secret) }, 'invalid_client_metadata');
  });

  it('reads the trusted issuer setting as issuer=location entries and refuses malformed ones', () => {
    const issuers = parseTrustedIssuers([
      'https://a.example=https://a.example/jwks',
      'https://b.example=/etc/kardia/b-jwks.json',
    ]);
    expect(issuers.get('https://a.example')).toBe('https://a.example/jwks');
    expect(issuers.get('https://b.example')).toBe('/etc/kardia/b-jwks.json');
    for (const bad of ['https://a.example', '=https://a.example/jwks', 'x=relative/path']) {
      expect(() => parseTrustedIssuers([bad])).toThrow(SettingsError);
    }
  });
});

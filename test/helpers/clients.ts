import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, type CryptoKey, type JWK, SignJWT } from 'jose';
import type { Client } from '../../src/oauth/clients.js';
import { addResourceServer, addStaticClient } from '../../src/oauth/static-registration.js';
import type { TestServer } from './server.js';

export interface KeyPair {
  privateKey: CryptoKey;
  publicJwk: JWK & { kid: string };
  jwks: { keys: JWK[] };
  alg: string;
}

/** A real key pair, as a client would make on its device. */
export async function makeKeyPair(alg = 'RS256', modulusLength = 2048): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    modulusLength,
    extractable: true,
  });
  const kid = randomBytes(8).toString('hex');
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { privateKey, publicJwk, jwks: { keys: [publicJwk] }, alg };
}

export interface TestClient {
  clientId: string;
  keys: KeyPair;
  client?: Client;
}

/** A fresh private_key_jwt assertion (RFC 7523 §3), with claims overridable per test. */
export async function clientAssertion(
  client: TestClient,
  audience: string | string[],
  overrides: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: client.clientId,
    sub: client.clientId,
    aud: audience,
    iat: now,
    exp: now + 60,
    jti: randomBytes(32).toString('base64url'),
    ...overrides,
  };
  for (const [name, value] of Object.entries(claims)) {
    if (value === undefined) delete (claims as Record<string, unknown>)[name];
  }
  return new SignJWT(claims)
    .setProtectedHeader({ alg: client.keys.alg, kid: client.keys.publicJwk.kid, ...header })
    .sign(client.keys.privateKey);
}

/** Form fields authenticating `client` at an endpoint whose `aud` is `audience`. */
export async function assertionParams(client: TestClient, audience: string) {
  return {
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: await clientAssertion(client, audience),
  };
}

export async function staticClientCredentialsClient(
  server: TestServer,
  scope = 'system/*.read',
): Promise<TestClient> {
  const keys = await makeKeyPair();
  const client = await addStaticClient(server.kardia, {
    name: 'Bulk exporter',
    grant: 'client_credentials',
    jwks: keys.jwks,
    scope,
  });
  return { clientId: client.clientId, keys, client };
}

export async function resourceServer(server: TestServer, resource?: string): Promise<TestClient> {
  const keys = await makeKeyPair();
  const client = await addResourceServer(server.kardia, {
    name: 'Records RS',
    jwks: keys.jwks,
    resource,
  });
  return { clientId: client.clientId, keys, client };
}

/** POSTs a form and answers status, headers and the parsed JSON body. */
export async function postForm(
  url: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { raw: text };
  }
  return { status: response.status, headers: response.headers, body };
}

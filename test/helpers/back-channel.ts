import { decodeJwt, decodeProtectedHeader } from 'jose';
import { expect } from 'vitest';
import { assertionParams, postForm, type TestClient } from './clients.js';

/** Anything with an issuer URL: a TestServer, or a Kardia running in another process. */
export interface Issuer {
  url: string;
}

/** POST /token as `client`, authenticated by a fresh assertion whose `aud` is the token URL. */
export async function requestToken(
  server: Issuer,
  client: TestClient,
  fields: Record<string, string>,
) {
  return postForm(`${server.url}/token`, {
    ...fields,
    ...(await assertionParams(client, `${server.url}/token`)),
  });
}

/** A client-credentials access token; fails the test when the grant is refused. */
export async function clientCredentialsToken(
  server: Issuer,
  client: TestClient,
  scope?: string,
): Promise<string> {
  const response = await requestToken(server, client, {
    grant_type: 'client_credentials',
    ...(scope ? { scope } : {}),
  });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return String(response.body.access_token);
}

/** POST /introspect as the protected resource `rs`, `aud` = the introspection URL by default. */
export async function introspect(
  server: Issuer,
  rs: TestClient,
  token: string,
  audience = `${server.url}/introspect`,
) {
  return postForm(`${server.url}/introspect`, {
    token,
    ...(await assertionParams(rs, audience)),
  });
}

/** POST /revoke as `client`, `aud` = the revocation URL by default. */
export async function revoke(
  server: Issuer,
  client: TestClient,
  fields: Record<string, string>,
  audience = `${server.url}/revoke`,
) {
  return postForm(`${server.url}/revoke`, {
    ...fields,
    ...(await assertionParams(client, audience)),
  });
}

/** The header and claims of a compact JWS, without verifying it. */
export function decodeToken(token: string) {
  return { header: decodeProtectedHeader(token), payload: decodeJwt(token) };
}

/** Asserts the two headers RFC 6749 §5.1 puts on every token endpoint answer. */
export function expectNoStore(headers: Headers): void {
  expect(headers.get('cache-control')).toBe('no-store');
  expect(headers.get('pragma')).toBe('no-cache');
}

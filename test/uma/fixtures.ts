import * as oidc from 'openid-client';
import { expect } from 'vitest';
import type { TestClient } from '../helpers/clients.js';
import { registerClient, type RegisteredClient } from '../helpers/register.js';
import type { TestServer } from '../helpers/server.js';
import { UmaClient, UMA_TICKET_GRANT } from '../helpers/uma-client.js';
import { UserAgent } from '../helpers/user-agent.js';
import type { TestUser } from '../helpers/users.js';

/**
 * The parties of the UMA tests, over HTTP with real keys: an RS registered as a HEART client
 * that gets each owner's PAT through the code flow (Part 3.1), requesting-party apps registered
 * for the uma-ticket grant, and owners' policy tokens (`uma_policy`). openid-client runs the
 * OAuth and OpenID Connect steps.
 */
export const RS_CALLBACK = 'https://rs.example/callback';
export const APP_CALLBACK = 'https://app.example/callback';
export const CLAIMS_CALLBACK = 'https://app.example/claims?from=kardia';
export const FHIR_SD = 'http://hl7.org/fhir/StructureDefinition/';

const insecure = { execute: [oidc.allowInsecureRequests] };

/** openid-client configured for `client`, with the assertion `aud` set to the token endpoint. */
export function openIdConfig(server: TestServer, client: TestClient) {
  const aud = {
    [oidc.modifyAssertion]: (_h: Record<string, unknown>, payload: Record<string, unknown>) => {
      payload.aud = `${server.url}/token`;
    },
  };
  return oidc.discovery(
    new URL(server.url),
    client.clientId,
    {},
    oidc.PrivateKeyJwt({ key: client.keys.privateKey, kid: client.keys.publicJwk.kid }, aud),
    insecure,
  );
}

/** A code flow as `user` with openid-client and Kardia's real pages; answers the token response. */
export async function codeFlowTokens(
  server: TestServer,
  client: RegisteredClient,
  user: TestUser,
  scope: string,
  redirectUri: string,
  agent = new UserAgent(server),
) {
  const config = await openIdConfig(server, client);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...(scope.split(' ').includes('openid') ? { nonce } : {}),
  });
  const walk = await agent.authorize(url.toString(), {
    username: user.username,
    password: user.password,
  });
  const tokens = await oidc.authorizationCodeGrant(config, new URL(walk.location), {
    pkceCodeVerifier: verifier,
    expectedState: state,
    ...(scope.split(' ').includes('openid') ? { expectedNonce: nonce } : {}),
  });
  return { tokens, walk, config };
}

/** An RS as a HEART full client (Part 3.1): code grant with refresh, scope uma_protection. */
export const registerResourceServerClient = (server: TestServer, name = 'Records RS') =>
  registerClient(server, {
    client_name: name,
    grant_types: ['authorization_code', 'refresh_token'],
    redirect_uris: [RS_CALLBACK],
    client_uri: 'https://rs.example/',
    scope: 'uma_protection',
  });

/** The owner links their record: the RS gets a PAT (and its refresh token) by the code flow. */
export async function linkOwner(server: TestServer, rs: RegisteredClient, owner: TestUser) {
  const { tokens, walk } = await codeFlowTokens(server, rs, owner, 'uma_protection', RS_CALLBACK);
  expect(tokens.scope).toBe('uma_protection');
  return { pat: tokens.access_token, refresh: tokens.refresh_token ?? '', tokens, walk };
}

/**
 * A requesting party's app: the UMA grant with refresh tokens, plus the code flow so it can sign
 * its user in (an ID token to push), with claims redirect URIs and pre-registered scopes.
 */
export const registerUmaApp = (server: TestServer, overrides: Record<string, unknown> = {}) =>
  registerClient(server, {
    client_name: 'Care app',
    grant_types: ['authorization_code', UMA_TICKET_GRANT, 'refresh_token'],
    redirect_uris: [APP_CALLBACK],
    claims_redirect_uris: [CLAIMS_CALLBACK],
    client_uri: 'https://app.example/',
    scope: 'openid email profile read write',
    ...overrides,
  });

/** An ID token Kardia issues to `app` for `user` (openid-client), to push as a claim token. */
export async function idTokenFor(server: TestServer, app: RegisteredClient, user: TestUser) {
  const { tokens } = await codeFlowTokens(server, app, user, 'openid', APP_CALLBACK);
  expect(tokens.id_token).toBeTruthy();
  return String(tokens.id_token);
}

/** The owner's own API token (`uma_policy`), as the dashboard or a policy app would hold. */
export async function policyToken(server: TestServer, owner: TestUser): Promise<string> {
  const manager = await registerClient(server, {
    client_name: 'Sharing manager',
    redirect_uris: ['https://manager.example/callback'],
    scope: 'uma_policy',
  });
  const { tokens } = await codeFlowTokens(
    server,
    manager,
    owner,
    'uma_policy',
    'https://manager.example/callback',
  );
  return tokens.access_token;
}

export interface JsonAnswer {
  status: number;
  headers: Headers;
  body: unknown;
  /** The body as an object (error answers, single resources). */
  json: Record<string, unknown>;
}

/** A JSON request with an optional bearer token; never throws on a status. */
export async function call(
  url: string,
  method: string,
  token?: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonAnswer> {
  const response = await fetch(url, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = { raw: text };
  }
  const json =
    parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  return { status: response.status, headers: response.headers, body: parsed, json };
}

/** Endpoint URLs of the UMA discovery document. */
export const endpoints = (server: TestServer) => ({
  resources: `${server.url}/uma/resources`,
  permission: `${server.url}/uma/permission`,
  policies: `${server.url}/uma/policies`,
  requests: `${server.url}/uma/access-requests`,
  ownerResources: `${server.url}/uma/owner-resources`,
  claims: `${server.url}/uma/claims`,
  token: `${server.url}/token`,
  introspect: `${server.url}/introspect`,
});

/** Registers a resource with the PAT and answers its id (fails the test otherwise). */
export async function registerResource(
  server: TestServer,
  pat: string,
  description: Record<string, unknown> = {},
): Promise<string> {
  const answer = await call(endpoints(server).resources, 'POST', pat, {
    name: 'Observations in the health record',
    type: `${FHIR_SD}Observation`,
    resource_scopes: ['read', 'write'],
    ...description,
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return String(answer.json._id);
}

/** A permission ticket from the permission endpoint, as the RS asks for it. */
export async function ticketFor(
  server: TestServer,
  pat: string,
  permissions: unknown,
): Promise<string> {
  const answer = await call(endpoints(server).permission, 'POST', pat, permissions);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return String(answer.json.ticket);
}

/** Creates a policy with the owner's token; answers its id. */
export async function createPolicy(
  server: TestServer,
  token: string,
  policy: Record<string, unknown>,
): Promise<string> {
  const answer = await call(endpoints(server).policies, 'POST', token, policy);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return String(answer.json.id);
}

/** Requires `email` from Kardia (the verified address of a Kardia account). */
export const emailClaim = (server: TestServer, email: string) => ({
  name: 'email',
  value: email,
  issuer: [server.url],
});

export const umaClient = (server: TestServer, app: TestClient) =>
  new UmaClient(endpoints(server).token, app);

/** POST /introspect authenticated by a PAT (UMA federated authorization §5). */
export async function introspectWithPat(server: TestServer, pat: string, token: string) {
  const response = await fetch(endpoints(server).introspect, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${pat}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ token }).toString(),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

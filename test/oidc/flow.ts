import { randomBytes } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { expect } from 'vitest';
import { requestToken } from '../helpers/back-channel.js';
import type { RegisteredClient } from '../helpers/register.js';
import type { TestServer } from '../helpers/server.js';
import { pkcePair, responseParams, type UserAgent } from '../helpers/user-agent.js';
import type { TestUser } from '../helpers/users.js';

export const WEB_CB = 'https://client.example/callback';

/** A fresh unguessable value, as an RP makes for `state` and `nonce`. */
export const random = (): string => randomBytes(16).toString('base64url');

/** The parameters of an OpenID authentication request with PKCE, overridable per test. */
export function authenticationRequest(
  client: RegisteredClient,
  extra: Record<string, string> = {},
) {
  const pkce = pkcePair();
  const params: Record<string, string> = {
    client_id: client.clientId,
    redirect_uri: WEB_CB,
    response_type: 'code',
    scope: 'openid',
    state: random(),
    nonce: random(),
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    ...extra,
  };
  for (const [name, value] of Object.entries(params)) if (value === '') delete params[name];
  return { params, verifier: pkce.verifier };
}

export interface Login {
  params: Record<string, string>;
  response: Record<string, string>;
  tokens: Record<string, unknown>;
  idToken: string;
  claims: JWTPayload;
  sawLogin: boolean;
}

/** Walks a whole code flow as `user` and redeems the code; fails the test on any refusal. */
export async function codeFlow(
  server: TestServer,
  agent: UserAgent,
  user: TestUser,
  client: RegisteredClient,
  extra: Record<string, string> = {},
): Promise<Login> {
  const { params, verifier } = authenticationRequest(client, extra);
  const result = await agent.authorize(params, {
    username: user.username,
    password: user.password,
  });
  const response = responseParams(result.location);
  expect(response.code, JSON.stringify(response)).toBeTruthy();
  const token = await requestToken(server, client, {
    grant_type: 'authorization_code',
    code: String(response.code),
    redirect_uri: params.redirect_uri ?? WEB_CB,
    code_verifier: verifier,
  });
  expect(token.status, JSON.stringify(token.body)).toBe(200);
  const idToken = typeof token.body.id_token === 'string' ? token.body.id_token : '';
  return {
    params,
    response,
    tokens: token.body,
    idToken,
    claims: idToken ? await verifyIdToken(server, idToken, client.clientId) : {},
    sawLogin: result.sawLogin,
  };
}

/** Verifies an ID token against the server's published keys, as an RP would. */
export async function verifyIdToken(server: TestServer, token: string, clientId: string) {
  const jwks = createRemoteJWKSet(new URL(`${server.url}/jwks`));
  const { payload } = await jwtVerify(token, jwks, {
    issuer: server.url,
    audience: clientId,
    algorithms: ['RS256'],
  });
  return payload;
}

/** GETs /authorize without following redirects and answers the Location's parameters. */
export async function authorizeRedirect(agent: UserAgent, params: Record<string, string>) {
  const response = await agent.get(`/authorize?${new URLSearchParams(params).toString()}`);
  const location = response.headers.get('location') ?? '';
  return {
    status: response.status,
    location,
    params: location.startsWith('http') ? responseParams(location) : {},
    html: response.status === 302 ? '' : await response.text(),
  };
}

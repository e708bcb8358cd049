import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeKeyPair, type KeyPair, type TestClient } from './clients.js';
import type { TestServer } from './server.js';

export interface RegisteredClient extends TestClient {
  clientId: string;
  keys: KeyPair;
  /** The client information response (RFC 7591 §3.2.1). */
  body: Record<string, unknown>;
  /** Bearer token for the client's `registration_client_uri` (RFC 7592). */
  registrationAccessToken: string;
}

export interface RegisterOptions {
  /** Reuse a key pair instead of making a new one. */
  keys?: KeyPair;
  /** Leave `jwks` out of the metadata (public clients, or tests that give `jwks_uri`). */
  withoutJwks?: boolean;
}

/** A confidential web client: code grant with refresh tokens, private_key_jwt. */
export const CONFIDENTIAL_CODE_CLIENT = {
  client_name: 'Test web app',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'private_key_jwt',
  redirect_uris: ['https://client.example/callback'],
  client_uri: 'https://client.example/',
  scope: 'openid patient/*.read',
} as const;

/** A public native app: code grant, no authentication, PKCE S256 at /authorize. */
export const PUBLIC_NATIVE_CLIENT = {
  client_name: 'Test native app',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
  redirect_uris: ['http://127.0.0.1/callback'],
  scope: 'openid patient/*.read',
} as const;

/** An in-browser app: implicit grant, no authentication, no refresh token. */
export const IMPLICIT_CLIENT = {
  client_name: 'Test browser app',
  grant_types: ['implicit'],
  response_types: ['token'],
  token_endpoint_auth_method: 'none',
  redirect_uris: ['https://spa.example/callback'],
  scope: 'openid patient/*.read',
} as const;

/** POSTs JSON to /register and answers status and parsed body, without judging them. */
export async function postRegistration(server: TestServer, metadata: Record<string, unknown>) {
  const response = await fetch(`${server.url}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(metadata),
  });
  const body = (await response.json()) as Record<string, unknown>;
  return { status: response.status, headers: response.headers, body };
}

/**
 * Registers a client through the real /register endpoint with a fresh key pair (its public half
 * as `jwks`, unless `withoutJwks`), defaulting to the confidential code client. Throws with the
 * server's error when registration fails, so a test's setup mistake reads plainly.
 */
export async function registerClient(
  server: TestServer,
  overrides: Record<string, unknown> = {},
  options: RegisterOptions = {},
): Promise<RegisteredClient> {
  const keys = options.keys ?? (await makeKeyPair());
  const metadata: Record<string, unknown> = {
    ...CONFIDENTIAL_CODE_CLIENT,
    ...(options.withoutJwks ? {} : { jwks: keys.jwks }),
    ...overrides,
  };
  for (const [name, value] of Object.entries(metadata)) {
    if (value === undefined) delete metadata[name];
  }
  const { status, body } = await postRegistration(server, metadata);
  if (status !== 201) {
    throw new Error(`registration failed: ${status} ${JSON.stringify(body)}`);
  }
  return {
    clientId: String(body.client_id),
    keys,
    body,
    registrationAccessToken: String(body.registration_access_token),
  };
}

/** A confidential code client (private_key_jwt, refresh tokens). */
export const registerCodeClient = (server: TestServer, overrides: Record<string, unknown> = {}) =>
  registerClient(server, overrides);

/** A public native client (`none`; it must send PKCE S256 at /authorize). */
export const registerNativeClient = (server: TestServer, overrides: Record<string, unknown> = {}) =>
  registerClient(server, { ...PUBLIC_NATIVE_CLIENT, ...overrides }, { withoutJwks: true });

/** An implicit client (`none`, `response_type=token`). */
export const registerImplicitClient = (
  server: TestServer,
  overrides: Record<string, unknown> = {},
) => registerClient(server, { ...IMPLICIT_CLIENT, ...overrides }, { withoutJwks: true });

export interface DocumentServer {
  /** `http://127.0.0.1:<port>`; reachable by Kardia because the tests allow loopback fetches. */
  url: string;
  /** Serves `body` (JSON unless a string) at `path`, with optional status and headers. */
  serve(path: string, body: unknown, options?: DocumentOptions): void;
  /** How many requests reached `path`. */
  hits(path: string): number;
  close(): Promise<void>;
}

export interface DocumentOptions {
  status?: number;
  headers?: Record<string, string>;
  /** Never answer (for timeouts). */
  hang?: boolean;
}

/**
 * A tiny HTTP server on loopback that plays a client's web host: it serves a `jwks_uri`, a
 * `request_uri` or a `sector_identifier_uri`, and counts the fetches.
 */
export async function startDocumentServer(): Promise<DocumentServer> {
  const documents = new Map<string, { body: string; options: DocumentOptions }>();
  const counts = new Map<string, number>();
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const document = documents.get(path);
    if (!document) return response.writeHead(404).end();
    if (document.options.hang) return undefined;
    response.writeHead(document.options.status ?? 200, {
      'content-type': 'application/json',
      ...document.options.headers,
    });
    return response.end(document.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    serve: (path, body, options = {}) =>
      documents.set(path, {
        body: typeof body === 'string' ? body : JSON.stringify(body),
        options,
      }),
    hits: (path) => counts.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import type { Kardia } from '../server/context.js';
import type { ClientTable } from '../store/tables.js';

export type ClientKind = 'client' | 'resource_server';
export type AuthMethod = 'private_key_jwt' | 'none';

/** A registered client or protected resource, with its JSON columns parsed. */
export interface Client {
  clientId: string;
  kind: ClientKind;
  registration: 'dynamic' | 'static';
  name: string | null;
  metadata: Record<string, unknown>;
  grantTypes: string[];
  responseTypes: string[];
  redirectUris: string[];
  authMethod: AuthMethod;
  jwks: JSONWebKeySet | null;
  jwksUri: string | null;
  scope: string;
  softwareStatementIssuer: string | null;
  updatedAt: number;
}

export function clientFromRow(row: ClientTable): Client {
  return {
    clientId: row.client_id,
    kind: row.kind as ClientKind,
    registration: row.registration as Client['registration'],
    name: row.client_name,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    grantTypes: JSON.parse(row.grant_types) as string[],
    responseTypes: JSON.parse(row.response_types) as string[],
    redirectUris: JSON.parse(row.redirect_uris) as string[],
    authMethod: row.token_endpoint_auth_method as AuthMethod,
    jwks: row.jwks ? (JSON.parse(row.jwks) as JSONWebKeySet) : null,
    jwksUri: row.jwks_uri,
    scope: row.scope,
    softwareStatementIssuer: row.software_statement_issuer,
    updatedAt: row.updated_at,
  };
}

export async function findClient(kardia: Kardia, clientId: string): Promise<Client | undefined> {
  if (clientId.length > 200) return undefined;
  const row = await kardia.store.db
    .selectFrom('clients')
    .selectAll()
    .where('client_id', '=', clientId)
    .executeTakeFirst();
  return row ? clientFromRow(row) : undefined;
}

/**
 * The client's verification keys. Parsed key sets are kept per client and registration version,
 * so a changed registration (or a jwks_uri with a new `kid`, fetched again by jose on a miss)
 * takes effect at once. The cache holds nothing another node could need to see.
 */
const keySets = new Map<string, { version: string; getKey: JWTVerifyGetKey }>();

export function clientKeys(client: Client): JWTVerifyGetKey | undefined {
  const version = `${client.updatedAt}:${client.jwksUri ?? ''}`;
  const cached = keySets.get(client.clientId);
  if (cached?.version === version) return cached.getKey;
  let getKey: JWTVerifyGetKey | undefined;
  if (client.jwks) getKey = createLocalJWKSet(client.jwks);
  else if (client.jwksUri) {
    getKey = createRemoteJWKSet(new URL(client.jwksUri), {
      timeoutDuration: 5_000,
      cooldownDuration: 10_000,
      cacheMaxAge: 600_000,
    });
  }
  if (!getKey) return undefined;
  if (keySets.size > 10_000) keySets.clear();
  keySets.set(client.clientId, { version, getKey });
  return getKey;
}

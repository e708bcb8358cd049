import type { Kardia } from '../server/context.js';
import { randomToken } from '../util/random.js';
import { nowSeconds } from '../util/time.js';
import { type AuthMethod, type Client, type ClientKind, findClient } from './clients.js';
import { forgetAudienceCache } from './tokens.js';
import type { JSONWebKeySet } from 'jose';

export interface ClientRecordInput {
  kind: ClientKind;
  registration: Client['registration'];
  clientName: string | null;
  /** Everything answered to the client as its registered metadata. */
  metadata: Record<string, unknown>;
  grantTypes: string[];
  responseTypes: string[];
  redirectUris: string[];
  authMethod: AuthMethod;
  jwks: JSONWebKeySet | null;
  jwksUri: string | null;
  scope: string;
  softwareStatementIssuer?: string | null;
  registrationAccessTokenHash?: string | null;
}

/**
 * Stores an already validated client. Both registration paths end here: RFC 7591 at /register
 * and the administrator's `kardia client add` / `kardia resource-server add`.
 */
export async function saveNewClient(kardia: Kardia, input: ClientRecordInput): Promise<Client> {
  const clientId = randomToken(18);
  const now = nowSeconds();
  await kardia.store.db
    .insertInto('clients')
    .values({
      client_id: clientId,
      kind: input.kind,
      registration: input.registration,
      client_name: input.clientName,
      metadata: JSON.stringify(input.metadata),
      grant_types: JSON.stringify(input.grantTypes),
      response_types: JSON.stringify(input.responseTypes),
      redirect_uris: JSON.stringify(input.redirectUris),
      token_endpoint_auth_method: input.authMethod,
      jwks: input.jwks ? JSON.stringify(input.jwks) : null,
      jwks_uri: input.jwksUri,
      scope: input.scope,
      software_statement_issuer: input.softwareStatementIssuer ?? null,
      registration_access_token_hash: input.registrationAccessTokenHash ?? null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  if (input.kind === 'resource_server') forgetAudienceCache(kardia);
  const saved = await findClient(kardia, clientId);
  if (!saved) throw new Error('client vanished after insert');
  return saved;
}

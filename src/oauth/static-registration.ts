import type { Kardia } from '../server/context.js';
import type { Client } from './clients.js';
import { validateClientJwks } from './client-keys.js';
import { saveNewClient } from './client-registry.js';
import { OAuthError } from './errors.js';
import { isValidScopeString } from './scopes.js';

export const STATIC_GRANTS = ['client_credentials', 'authorization_code'] as const;
export type StaticGrant = (typeof STATIC_GRANTS)[number];

export interface StaticClientInput {
  name: string;
  grant: StaticGrant;
  jwks: unknown;
  scope?: string | undefined;
  redirectUris?: string[] | undefined;
  refresh?: boolean | undefined;
}

/**
 * The administrator's registration (`kardia client add`): the only way to a client-credentials
 * client (HEART OAuth §2.1.4, §3.1.3). Such clients always authenticate with private_key_jwt.
 */
export async function addStaticClient(kardia: Kardia, input: StaticClientInput): Promise<Client> {
  const jwks = await validateClientJwks(input.jwks);
  const scope = input.scope?.trim() ?? '';
  if (scope && !isValidScopeString(scope)) {
    throw new OAuthError('invalid_client_metadata', 'scope is not a valid scope string');
  }
  const code = input.grant === 'authorization_code';
  const redirectUris = code ? (input.redirectUris ?? []) : [];
  if (code && redirectUris.length === 0) {
    throw new OAuthError(
      'invalid_redirect_uri',
      'an authorization_code client needs redirect URIs',
    );
  }
  const grantTypes = code
    ? ['authorization_code', ...(input.refresh ? ['refresh_token'] : [])]
    : ['client_credentials'];
  const responseTypes = code ? ['code'] : [];
  const metadata = {
    client_name: input.name,
    grant_types: grantTypes,
    response_types: responseTypes,
    redirect_uris: redirectUris,
    token_endpoint_auth_method: 'private_key_jwt',
    jwks,
    scope,
  };
  return saveNewClient(kardia, {
    kind: 'client',
    registration: 'static',
    clientName: input.name,
    metadata,
    grantTypes,
    responseTypes,
    redirectUris,
    authMethod: 'private_key_jwt',
    jwks,
    jwksUri: null,
    scope,
  });
}

/**
 * A protected resource (`kardia resource-server add`): its own client_id and key, the only kind
 * of registration that may call /introspect (HEART OAuth §3.2.2). `resource` is its identifier,
 * added to the `aud` of access tokens.
 */
export async function addResourceServer(
  kardia: Kardia,
  input: { name: string; jwks: unknown; resource?: string | undefined },
): Promise<Client> {
  const jwks = await validateClientJwks(input.jwks);
  if (input.resource !== undefined && !URL.canParse(input.resource)) {
    throw new OAuthError('invalid_client_metadata', 'resource must be an absolute URL');
  }
  const metadata = {
    client_name: input.name,
    token_endpoint_auth_method: 'private_key_jwt',
    jwks,
    ...(input.resource ? { resource: input.resource } : {}),
  };
  return saveNewClient(kardia, {
    kind: 'resource_server',
    registration: 'static',
    clientName: input.name,
    metadata,
    grantTypes: [],
    responseTypes: [],
    redirectUris: [],
    authMethod: 'private_key_jwt',
    jwks,
    jwksUri: null,
    scope: 'uma_protection',
  });
}

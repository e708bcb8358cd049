import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kardia } from '../../server/context.js';
import { SIGNING_ALGORITHMS } from '../client-auth.js';
import { UMA_TICKET_GRANT } from '../registration/grant-set.js';
import { WELL_KNOWN_SCOPES } from '../scopes.js';

/** HEART OAuth §3.1.5: clients cache discovery and keys; a week is what HEART recommends. */
export const DISCOVERY_CACHE = 'public, max-age=604800';

/**
 * The metadata document (RFC 8414, OpenID Connect Discovery 1.0). Other parts of Kardia (the
 * OpenID provider, UMA) add their fields through `extendMetadata`; nothing unsupported is listed.
 */
export function authorizationServerMetadata(kardia: Kardia): Record<string, unknown> {
  const { urls } = kardia;
  const metadata: Record<string, unknown> = {
    issuer: urls.issuer,
    authorization_endpoint: urls.authorization,
    token_endpoint: urls.token,
    introspection_endpoint: urls.introspection,
    revocation_endpoint: urls.revocation,
    registration_endpoint: urls.registration,
    jwks_uri: urls.jwks,
    response_types_supported: ['code', 'token'],
    response_modes_supported: ['query', 'fragment'],
    grant_types_supported: [
      'authorization_code',
      'implicit',
      'refresh_token',
      'client_credentials',
      UMA_TICKET_GRANT,
    ],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['private_key_jwt', 'none'],
    token_endpoint_auth_signing_alg_values_supported: [...SIGNING_ALGORITHMS],
    introspection_endpoint_auth_methods_supported: ['private_key_jwt'],
    introspection_endpoint_auth_signing_alg_values_supported: [...SIGNING_ALGORITHMS],
    revocation_endpoint_auth_methods_supported: ['private_key_jwt'],
    revocation_endpoint_auth_signing_alg_values_supported: [...SIGNING_ALGORITHMS],
    scopes_supported: [...WELL_KNOWN_SCOPES],
    service_documentation: `${urls.issuer}/`,
  };
  for (const extend of metadataExtensions) Object.assign(metadata, extend(kardia));
  return metadata;
}

type MetadataExtension = (kardia: Kardia) => Record<string, unknown>;
const metadataExtensions: MetadataExtension[] = [];

/** Lets the OpenID provider and the UMA server add their discovery fields. */
export function extendMetadata(extension: MetadataExtension): void {
  metadataExtensions.push(extension);
}

export function registerDiscovery(app: FastifyInstance, kardia: Kardia): void {
  const serve = async (_request: FastifyRequest, reply: FastifyReply) =>
    reply.header('cache-control', DISCOVERY_CACHE).send(authorizationServerMetadata(kardia));
  app.get('/.well-known/openid-configuration', serve);
  app.get('/.well-known/oauth-authorization-server', serve);
  app.get('/jwks', async (_request, reply) =>
    reply
      .header('cache-control', DISCOVERY_CACHE)
      .type('application/jwk-set+json')
      .send(await kardia.keys.jwks()),
  );
}

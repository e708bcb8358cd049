import type { FastifyInstance } from 'fastify';
import { authorizationServerMetadata, DISCOVERY_CACHE } from '../oauth/endpoints/discovery.js';
import { UMA_TICKET_GRANT } from '../oauth/registration/grant-set.js';
import type { Kardia } from '../server/context.js';
import { UMA_PATHS, umaUrls } from './urls.js';

/** UMA-DISC-7, HU-7: the profiles this AS implements. */
export const UMA_PROFILES = ['https://openid.net/specs/openid-heart-uma2-1_0.html'];

/** Scopes of the UMA APIs: the PAT's, and the owner's policy API (Part 3.7). */
export const UMA_SCOPES = ['uma_protection', 'uma_policy'];

/**
 * The UMA discovery document (G§2, F§2): the authorization server's RFC 8414 metadata, the same
 * issuer and endpoints as the OAuth and OpenID documents (HU-5), plus the UMA endpoints and
 * Kardia's owner-facing extension endpoints (Part 3.7, 3.8).
 */
export function umaConfiguration(kardia: Kardia): Record<string, unknown> {
  const base = authorizationServerMetadata(kardia);
  const urls = umaUrls(kardia);
  const grants = Array.isArray(base.grant_types_supported) ? base.grant_types_supported : [];
  const scopes = Array.isArray(base.scopes_supported) ? base.scopes_supported : [];
  return {
    ...base,
    grant_types_supported: [...new Set([...grants, UMA_TICKET_GRANT])],
    scopes_supported: [...new Set([...scopes, ...UMA_SCOPES])],
    uma_profiles_supported: UMA_PROFILES,
    permission_endpoint: urls.permission,
    resource_registration_endpoint: urls.resourceRegistration,
    claims_interaction_endpoint: urls.claimsInteraction,
    policy_endpoint: urls.policy,
    access_request_endpoint: urls.accessRequest,
    owner_resources_endpoint: urls.ownerResources,
  };
}

/** UMA-DISC-1: the issuer with `/.well-known/uma2-configuration` appended to its end. */
export function registerUmaDiscovery(app: FastifyInstance, kardia: Kardia): void {
  app.get(UMA_PATHS.configuration, async (_request, reply) =>
    reply.header('cache-control', DISCOVERY_CACHE).send(umaConfiguration(kardia)),
  );
}

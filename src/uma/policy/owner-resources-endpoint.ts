import type { FastifyInstance } from 'fastify';
import { findClient } from '../../oauth/clients.js';
import type { Kardia } from '../../server/context.js';
import { methodNotAllowed } from '../../server/errors.js';
import { sendJson } from '../protection/reply.js';
import { listResources } from '../resources/resource-store.js';
import { UMA_PATHS, userAccessPolicyUri } from '../urls.js';
import { authenticateOwner } from './owner-auth.js';

/**
 * Part 3.7: the owner's own view of every resource registered in their name, by any RS, so the
 * ids for `resource_ids` can be found. Same callers as the policy API.
 */
export function registerOwnerResourcesEndpoint(app: FastifyInstance, kardia: Kardia): void {
  app.get(UMA_PATHS.ownerResources, async (request, reply) => {
    const owner = await authenticateOwner(kardia, request);
    const resources = await listResources(kardia, owner);
    const names = new Map<string, string | null>();
    for (const { rsClientId } of resources) {
      if (!names.has(rsClientId)) {
        names.set(rsClientId, (await findClient(kardia, rsClientId))?.name ?? null);
      }
    }
    const body = resources.map((r) => ({
      _id: r.id,
      name: r.description.name,
      type: r.description.type,
      resource_scopes: r.description.resource_scopes,
      resource_server: r.rsClientId,
      resource_server_name: names.get(r.rsClientId) ?? null,
      user_access_policy_uri: userAccessPolicyUri(kardia, r.id),
    }));
    return sendJson(reply, 200, body);
  });
  app.route({
    method: ['POST', 'PUT', 'DELETE', 'PATCH'],
    url: UMA_PATHS.ownerResources,
    handler: methodNotAllowed(['GET']),
  });
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from '../../oauth/errors.js';
import type { Kardia } from '../../server/context.js';
import { forgetResourceInPolicies } from '../policy/policy-store.js';
import { authenticatePat, type ProtectionCaller } from '../protection/authenticate-pat.js';
import { jsonBody } from '../protection/json-body.js';
import { sendJson, unsupportedMethod } from '../protection/reply.js';
import { grantsOfResource, revokeUmaGrants } from '../revocation/revoke-grants.js';
import { UMA_PATHS, umaUrls, userAccessPolicyUri } from '../urls.js';
import { parseResourceDescription } from './resource-description.js';
import {
  createResource,
  deleteResource,
  findOwnResource,
  listResources,
  replaceResource,
  type UmaResource,
} from './resource-store.js';

const notFound = () => new OAuthError('not_found', 'no such resource for this PAT');

/**
 * The resource registration API (F§3.2, UMA-RES, HU-32): create, read, update, delete and list
 * under a PAT, each resource owned by the PAT's owner and visible only to the RS that registered
 * it. UMA-RES-11: the collection answers with and without a trailing slash.
 */
export function registerResourceRegistration(app: FastifyInstance, kardia: Kardia): void {
  const base = UMA_PATHS.resourceRegistration;
  for (const collection of [base, `${base}/`]) {
    app.post(collection, (request, reply) => create(kardia, request, reply));
    app.get(collection, (request, reply) => list(kardia, request, reply));
    app.route({
      method: ['PUT', 'DELETE', 'PATCH'],
      url: collection,
      handler: unsupportedMethod(['GET', 'POST']),
    });
  }
  const item = `${base}/:id`;
  app.get(item, (request, reply) => read(kardia, request, reply));
  app.put(item, (request, reply) => update(kardia, request, reply));
  app.delete(item, (request, reply) => remove(kardia, request, reply));
  app.route({
    method: ['POST', 'PATCH'],
    url: item,
    handler: unsupportedMethod(['GET', 'PUT', 'DELETE']),
  });
}

/** F§3.2.1, UMA-RES-3: 201, `Location` naming the new id, `_id` and the policy URI. */
async function create(kardia: Kardia, request: FastifyRequest, reply: FastifyReply) {
  const caller = await authenticatePat(kardia, request);
  const description = parseResourceDescription(jsonBody(request));
  const resource = await createResource(kardia, caller.owner, caller.rsClientId, description);
  request.log.info({ event: 'uma_resource_created', resource_id: resource.id }, 'registered');
  reply.header('location', `${umaUrls(kardia).resourceRegistration}/${resource.id}`);
  return sendJson(reply, 201, idBody(kardia, resource));
}

/** F§3.2.2, UMA-RES-4: the stored description with `_id`. */
async function read(kardia: Kardia, request: FastifyRequest, reply: FastifyReply) {
  const resource = await ownResource(kardia, request, await authenticatePat(kardia, request));
  return sendJson(reply, 200, { ...resource.description, ...idBody(kardia, resource) });
}

/**
 * F§3.2.3, UMA-RES-5: the description is replaced whole. Scopes the RS no longer registers end
 * the RPT permissions that held them (Part 3.9: access narrows at once).
 */
async function update(kardia: Kardia, request: FastifyRequest, reply: FastifyReply) {
  const resource = await ownResource(kardia, request, await authenticatePat(kardia, request));
  const description = parseResourceDescription(jsonBody(request));
  await replaceResource(kardia, resource.id, description);
  const kept = new Set(description.resource_scopes);
  const removed = resource.description.resource_scopes.filter((scope) => !kept.has(scope));
  await revokeUmaGrants(kardia, await grantsOfResource(kardia, resource.id, removed));
  return sendJson(reply, 200, idBody(kardia, resource));
}

/**
 * F§3.2.4, UMA-RES-6: 204, protection ends, and (Part 3.9) every RPT holding a permission on
 * the resource is revoked at once; the owner's policies stop naming it.
 */
async function remove(kardia: Kardia, request: FastifyRequest, reply: FastifyReply) {
  const resource = await ownResource(kardia, request, await authenticatePat(kardia, request));
  await deleteResource(kardia, resource.id);
  await revokeUmaGrants(kardia, await grantsOfResource(kardia, resource.id));
  await forgetResourceInPolicies(kardia, resource.owner, resource.id);
  request.log.info({ event: 'uma_resource_deleted', resource_id: resource.id }, 'deleted');
  return reply.code(204).header('cache-control', 'no-store').send();
}

/** F§3.2.5, UMA-RES-7: the ids this owner's PAT registered at this RS, as strings. */
async function list(kardia: Kardia, request: FastifyRequest, reply: FastifyReply) {
  const caller = await authenticatePat(kardia, request);
  const resources = await listResources(kardia, caller.owner, caller.rsClientId);
  return sendJson(
    reply,
    200,
    resources.map((r) => r.id),
  );
}

/** UMA-RES-8: an unknown id, or one of another owner or RS, is 404 `not_found` alike. */
async function ownResource(
  kardia: Kardia,
  request: FastifyRequest,
  caller: ProtectionCaller,
): Promise<UmaResource> {
  const { id } = request.params as { id: string };
  const resource = await findOwnResource(kardia, caller.owner, caller.rsClientId, id);
  if (!resource) throw notFound();
  return resource;
}

const idBody = (kardia: Kardia, resource: UmaResource) => ({
  _id: resource.id,
  user_access_policy_uri: userAccessPolicyUri(kardia, resource.id),
});

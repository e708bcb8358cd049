import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from '../../oauth/errors.js';
import type { Kardia } from '../../server/context.js';
import { methodNotAllowed } from '../../server/errors.js';
import { nowSeconds } from '../../util/time.js';
import { jsonBody } from '../protection/json-body.js';
import { sendJson } from '../protection/reply.js';
import { findResource } from '../resources/resource-store.js';
import { grantsOfPolicy, revokeUmaGrants } from '../revocation/revoke-grants.js';
import { UMA_PATHS, umaUrls } from '../urls.js';
import { authenticateOwner } from './owner-auth.js';
import { narrows, parsePolicy, type PolicyInput } from './policy-shape.js';
import {
  createPolicy,
  deletePolicy,
  findPolicy,
  listPolicies,
  type Policy,
  policyJson,
  replacePolicy,
} from './policy-store.js';

const notFound = () => new OAuthError('not_found', 'no such policy');

/**
 * The owner-facing policy API (Part 3.7): create, read, replace, delete and list the owner's
 * policies. Part 3.9: deleting a policy, or narrowing it, revokes at once every RPT, refresh
 * token and PCT it justified.
 */
export function registerPolicyEndpoint(app: FastifyInstance, kardia: Kardia): void {
  const base = UMA_PATHS.policy;
  app.post(base, (request, reply) => create(kardia, request, reply));
  app.get(base, (request, reply) => list(kardia, request, reply));
  app.route({
    method: ['PUT', 'DELETE', 'PATCH'],
    url: base,
    handler: methodNotAllowed(['GET', 'POST']),
  });
  const item = `${base}/:id`;
  app.get(item, async (request, reply) => {
    const policy = await ownPolicy(kardia, request, await authenticateOwner(kardia, request));
    return sendJson(reply, 200, policyJson(policy));
  });
  app.put(item, (request, reply) => replace(kardia, request, reply));
  app.delete(item, (request, reply) => remove(kardia, request, reply));
  app.route({
    method: ['POST', 'PATCH'],
    url: item,
    handler: methodNotAllowed(['GET', 'PUT', 'DELETE']),
  });
}

async function create(kardia: Kardia, request: FastifyRequest, reply: FastifyReply) {
  const owner = await authenticateOwner(kardia, request);
  const input = await checkedPolicy(kardia, owner, jsonBody(request));
  const policy = await createPolicy(kardia, owner, input);
  request.log.info({ event: 'uma_policy_created', policy_id: policy.id, mode: policy.mode }, 'ok');
  reply.header('location', `${umaUrls(kardia).policy}/${policy.id}`);
  return sendJson(reply, 201, policyJson(policy));
}

/** Part 3.7: `?resource_id=` narrows the list to the policies naming that resource. */
async function list(kardia: Kardia, request: FastifyRequest, reply: FastifyReply) {
  const owner = await authenticateOwner(kardia, request);
  const query = request.query as Record<string, unknown>;
  const resourceId = query.resource_id;
  if (resourceId !== undefined && typeof resourceId !== 'string') {
    throw new OAuthError('invalid_request', 'resource_id must be given once');
  }
  const policies = (await listPolicies(kardia, owner)).filter(
    (p) => resourceId === undefined || p.resource_ids.includes(resourceId),
  );
  return sendJson(reply, 200, policies.map(policyJson));
}

async function replace(kardia: Kardia, request: FastifyRequest, reply: FastifyReply) {
  const owner = await authenticateOwner(kardia, request);
  const before = await ownPolicy(kardia, request, owner);
  const input = await checkedPolicy(kardia, owner, jsonBody(request));
  await replacePolicy(kardia, before.id, input);
  if (narrows(before, input)) {
    const revoked = await revokeUmaGrants(kardia, await grantsOfPolicy(kardia, before.id));
    request.log.info({ event: 'uma_policy_narrowed', policy_id: before.id, revoked }, 'revoked');
  }
  const after = await findPolicy(kardia, owner, before.id);
  if (!after) throw notFound();
  return sendJson(reply, 200, policyJson(after));
}

async function remove(kardia: Kardia, request: FastifyRequest, reply: FastifyReply) {
  const owner = await authenticateOwner(kardia, request);
  const policy = await ownPolicy(kardia, request, owner);
  await deletePolicy(kardia, policy.id);
  const revoked = await revokeUmaGrants(kardia, await grantsOfPolicy(kardia, policy.id));
  request.log.info({ event: 'uma_policy_deleted', policy_id: policy.id, revoked }, 'revoked');
  return reply.code(204).header('cache-control', 'no-store').send();
}

/** Part 3.7: another owner's policy id is 404 `not_found`, like an unknown one. */
async function ownPolicy(kardia: Kardia, request: FastifyRequest, owner: string): Promise<Policy> {
  const { id } = request.params as { id: string };
  const policy = await findPolicy(kardia, owner, id);
  if (!policy) throw notFound();
  return policy;
}

/**
 * Part 3.7: every resource is the owner's (else `invalid_resource_id`) and every scope is
 * registered for every listed resource (else `invalid_scope`).
 */
async function checkedPolicy(kardia: Kardia, owner: string, body: unknown): Promise<PolicyInput> {
  const input = parsePolicy(body, nowSeconds());
  for (const id of input.resource_ids) {
    const resource = await findResource(kardia, id);
    if (!resource || resource.owner !== owner) {
      throw new OAuthError('invalid_resource_id', 'a resource id is not one of yours');
    }
    const registered = new Set(resource.description.resource_scopes);
    if (input.resource_scopes.some((scope) => !registered.has(scope))) {
      throw new OAuthError('invalid_scope', 'a scope is not registered for every listed resource');
    }
  }
  return input;
}

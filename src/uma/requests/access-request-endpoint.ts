import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findClient } from '../../oauth/clients.js';
import { OAuthError } from '../../oauth/errors.js';
import type { Kardia } from '../../server/context.js';
import { methodNotAllowed } from '../../server/errors.js';
import { authenticateOwner } from '../policy/owner-auth.js';
import { isObject } from '../protection/json-body.js';
import { sendJson } from '../protection/reply.js';
import { UMA_PATHS } from '../urls.js';
import {
  ACCESS_REQUEST_STATUSES,
  type AccessRequest,
  type AccessRequestStatus,
  accessRequestJson,
  findAccessRequest,
  listAccessRequests,
} from './access-requests.js';
import { type Decision, settle } from './settle.js';

const notFound = () => new OAuthError('not_found', 'no such access request');

/**
 * The access request API (Part 3.8): the owner lists requests (`?status=pending`) and settles one
 * with `decision=allow|deny`, optionally approving in part (`resource_scopes`, `resource_ids`)
 * and until `exp`. Form posts (the dashboard's buttons) and JSON are both read.
 */
export function registerAccessRequestEndpoint(app: FastifyInstance, kardia: Kardia): void {
  const base = UMA_PATHS.accessRequest;
  app.get(base, async (request, reply) => {
    const owner = await authenticateOwner(kardia, request);
    const status = (request.query as Record<string, unknown>).status;
    if (status !== undefined && !ACCESS_REQUEST_STATUSES.includes(status as AccessRequestStatus)) {
      throw new OAuthError('invalid_request', 'status must be pending, allowed or denied');
    }
    const requests = await listAccessRequests(kardia, owner, status as AccessRequestStatus);
    return sendJson(reply, 200, await Promise.all(requests.map((r) => describe(kardia, r))));
  });
  app.route({
    method: ['POST', 'PUT', 'DELETE', 'PATCH'],
    url: base,
    handler: methodNotAllowed(['GET']),
  });

  const item = `${base}/:id`;
  app.get(item, async (request, reply) => {
    const found = await ownRequest(kardia, request, await authenticateOwner(kardia, request));
    return sendJson(reply, 200, await describe(kardia, found));
  });
  app.post(item, async (request, reply) => {
    const owner = await authenticateOwner(kardia, request);
    const found = await ownRequest(kardia, request, owner);
    const policyIds = await settle(kardia, found, readDecision(request.body));
    request.log.info({ event: 'uma_access_request_settled', id: found.id }, 'settled');
    const settled = await ownRequest(kardia, request, owner);
    return sendJson(reply, 200, {
      ...(await describe(kardia, settled)),
      ...(policyIds[0] ? { policy_id: policyIds[0] } : {}),
    });
  });
  app.route({
    method: ['PUT', 'DELETE', 'PATCH'],
    url: item,
    handler: methodNotAllowed(['GET', 'POST']),
  });
}

async function ownRequest(kardia: Kardia, request: FastifyRequest, owner: string) {
  const { id } = request.params as { id: string };
  const found = await findAccessRequest(kardia, owner, id);
  if (!found) throw notFound();
  return found;
}

async function describe(kardia: Kardia, request: AccessRequest) {
  const client = await findClient(kardia, request.clientId);
  return {
    ...accessRequestJson(request),
    client: {
      client_id: request.clientId,
      client_name: client?.name ?? null,
      registration: client?.registration ?? null,
    },
  };
}

/** `decision`, and for `allow` the optional narrowing, from a form or a JSON body. */
function readDecision(body: unknown): Decision {
  if (!isObject(body)) throw new OAuthError('invalid_request', 'decision is required');
  const decision = body.decision;
  if (decision !== 'allow' && decision !== 'deny') {
    throw new OAuthError('invalid_request', 'decision must be allow or deny');
  }
  const result: Decision = { decision };
  const scopes = list(body.resource_scopes, 'resource_scopes');
  const ids = list(body.resource_ids, 'resource_ids');
  if (scopes) result.scopes = scopes;
  if (ids) result.resourceIds = ids;
  if (body.exp !== undefined && body.exp !== '') {
    const exp = typeof body.exp === 'string' ? Number(body.exp) : body.exp;
    if (typeof exp !== 'number' || !Number.isSafeInteger(exp)) {
      throw new OAuthError('invalid_request', 'exp must be seconds since the epoch');
    }
    result.exp = exp;
  }
  return result;
}

/** An array of strings, or (from a form) one space-separated string. */
function list(value: unknown, name: string): string[] | undefined {
  if (value === undefined || value === '') return undefined;
  const items = typeof value === 'string' ? value.split(' ').filter(Boolean) : value;
  if (
    !Array.isArray(items) ||
    items.length === 0 ||
    items.length > 100 ||
    !items.every((v) => typeof v === 'string' && v.length > 0 && v.length <= 500)
  ) {
    throw new OAuthError('invalid_request', `${name} must be a list of strings`);
  }
  return items as string[];
}

import type { FastifyInstance } from 'fastify';
import { methodNotAllowed } from '../../server/errors.js';
import type { Kardia } from '../../server/context.js';
import { authenticatePat } from '../protection/authenticate-pat.js';
import { jsonBody } from '../protection/json-body.js';
import { sendJson } from '../protection/reply.js';
import { issueTicket } from '../tickets/tickets.js';
import { UMA_PATHS } from '../urls.js';
import { checkPermissions, parsePermissionRequest } from './permission-request.js';

/**
 * The permission endpoint (F§4): the RS, under the owner's PAT, asks for a ticket standing for
 * the permissions a client lacked; 201 with exactly one `ticket` however many were asked
 * (UMA-PERM-3).
 */
export function registerPermissionEndpoint(app: FastifyInstance, kardia: Kardia): void {
  app.post(UMA_PATHS.permission, async (request, reply) => {
    const caller = await authenticatePat(kardia, request);
    const permissions = parsePermissionRequest(jsonBody(request));
    await checkPermissions(kardia, caller, permissions);

    const ticket = await issueTicket(kardia, {
      owner: caller.owner,
      rsClientId: caller.rsClientId,
      permissions,
      clientId: null,
      party: undefined,
      remember: false,
    });
    return sendJson(reply, 201, { ticket });
  });
  app.route({
    method: ['GET', 'PUT', 'DELETE', 'PATCH'],
    url: UMA_PATHS.permission,
    handler: methodNotAllowed(['POST']),
  });
}

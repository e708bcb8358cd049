import type { FastifyInstance } from 'fastify';
import type { Kardia } from '../../server/context.js';
import { methodNotAllowed } from '../../server/errors.js';
import { saveNewClient } from '../client-registry.js';
import { clientInformation } from '../registration/client-information.js';
import { acceptRawBodies, readJsonObject } from '../registration/json-body.js';
import { readRegistration } from '../registration/registration-request.js';
import { newRegistrationToken } from '../registration/registration-token.js';
import { parseTrustedIssuers } from '../registration/trusted-issuers.js';

/**
 * POST /register: RFC 7591 dynamic client registration under the HEART rules (HEART OAuth
 * §3.1.3; the rules themselves live in oauth/registration/, one file each). Every request gets
 * a new client_id (OA-NC-3), even for identical metadata, so each installed copy of an app is
 * its own client.
 *
 * Limitation: registration is open and not rate limited, so one address can create clients
 * without bound; lifting it needs a per-address bucket in `rate_limits` (as login has) with a
 * setting generous enough for test suites that register hundreds of clients.
 */
export function registerRegistration(app: FastifyInstance, kardia: Kardia): void {
  const trusted = parseTrustedIssuers(kardia.settings.trustedSoftwareStatementIssuers);

  app.register(async (scope) => {
    acceptRawBodies(scope);

    scope.post('/register', async (request, reply) => {
      const body = readJsonObject(request);
      const { draft, statementIssuer } = await readRegistration(kardia, trusted, body);

      const registrationToken = newRegistrationToken();
      const client = await saveNewClient(kardia, {
        kind: 'client',
        registration: 'dynamic',
        clientName: draft.clientName,
        metadata: draft.metadata,
        grantTypes: draft.grantTypes,
        responseTypes: draft.responseTypes,
        redirectUris: draft.redirectUris,
        authMethod: draft.authMethod,
        jwks: draft.jwks,
        jwksUri: draft.jwksUri,
        scope: draft.scope,
        softwareStatementIssuer: statementIssuer,
        registrationAccessTokenHash: registrationToken.hash,
      });
      request.log.info(
        { client_id: client.clientId, statement: statementIssuer !== null },
        'client registered',
      );

      const information = clientInformation(
        kardia,
        { clientId: client.clientId, issuedAt: client.updatedAt, metadata: client.metadata },
        registrationToken.token,
      );
      return reply.code(201).header('cache-control', 'no-store').send(information);
    });

    scope.route({
      method: ['GET', 'PUT', 'DELETE', 'PATCH'],
      url: '/register',
      handler: methodNotAllowed(['POST']),
    });
  });
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kardia } from '../../server/context.js';
import { methodNotAllowed } from '../../server/errors.js';
import { findClient } from '../clients.js';
import { OAuthError } from '../errors.js';
import { clientInformation } from '../registration/client-information.js';
import { deleteClient, replaceClient } from '../registration/client-store.js';
import { acceptRawBodies, readJsonObject } from '../registration/json-body.js';
import { readRegistration } from '../registration/registration-request.js';
import {
  authenticateRegistration,
  rotateRegistrationToken,
} from '../registration/registration-token.js';
import { parseTrustedIssuers } from '../registration/trusted-issuers.js';

type ConfigurationRequest = FastifyRequest<{ Params: { client_id: string } }>;

/** Fields the server provisions: RFC 7592 §2.2 says a client does not send them back. */
const PROVISIONED = [
  'client_id_issued_at',
  'registration_access_token',
  'registration_client_uri',
  'client_secret_expires_at',
];

/**
 * The client configuration endpoint (RFC 7592) at `/register/<client_id>`, the
 * `registration_client_uri` of every dynamic client: GET reads, PUT replaces the metadata under
 * the same rules as registration, DELETE removes the client and revokes its tokens. Each call is
 * authenticated by the registration access token (registration-token.ts).
 */
export function registerClientConfiguration(app: FastifyInstance, kardia: Kardia): void {
  const trusted = parseTrustedIssuers(kardia.settings.trustedSoftwareStatementIssuers);

  app.register(async (scope) => {
    acceptRawBodies(scope);
    const path = '/register/:client_id';

    scope.get(path, async (request: ConfigurationRequest, reply) => {
      const registration = await authenticateRegistration(
        kardia,
        request,
        request.params.client_id,
      );
      const client = await findClient(kardia, registration.clientId);
      if (!client)
        throw new OAuthError('invalid_token', 'the registration access token is not valid');
      const token = await rotateRegistrationToken(kardia, registration);
      return reply
        .header('cache-control', 'no-store')
        .send(
          clientInformation(
            kardia,
            {
              clientId: client.clientId,
              issuedAt: registration.createdAt,
              metadata: client.metadata,
            },
            token,
          ),
        );
    });

    scope.put(path, async (request: ConfigurationRequest, reply) => {
      const registration = await authenticateRegistration(
        kardia,
        request,
        request.params.client_id,
      );
      const body = readJsonObject(request);
      // RFC 7592 §2.2: the body names the client it replaces, and carries no secret.
      if (body.client_id !== registration.clientId) {
        throw new OAuthError('invalid_client_metadata', 'client_id must be that of this client');
      }
      if (body.client_secret !== undefined) {
        throw new OAuthError('invalid_client_metadata', 'HEART clients have no client_secret');
      }
      const metadata = { ...body };
      for (const field of ['client_id', ...PROVISIONED]) delete metadata[field];

      const previous = await findClient(kardia, registration.clientId);
      const { draft, statementIssuer } = await readRegistration(
        kardia,
        trusted,
        metadata,
        previous,
      );
      const token = await replaceClient(kardia, registration, draft, statementIssuer);
      request.log.info({ client_id: registration.clientId }, 'client registration replaced');
      return reply
        .header('cache-control', 'no-store')
        .send(
          clientInformation(
            kardia,
            {
              clientId: registration.clientId,
              issuedAt: registration.createdAt,
              metadata: draft.metadata,
            },
            token,
          ),
        );
    });

    scope.delete(path, async (request: ConfigurationRequest, reply) => {
      const registration = await authenticateRegistration(
        kardia,
        request,
        request.params.client_id,
      );
      await deleteClient(kardia, registration);
      request.log.info({ client_id: registration.clientId }, 'client registration deleted');
      return reply.code(204).header('cache-control', 'no-store').send();
    });

    scope.route({
      method: ['POST', 'PATCH'],
      url: path,
      handler: methodNotAllowed(['GET', 'PUT', 'DELETE']),
    });
  });
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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
  type RegistrationRow,
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
  const authenticate = (request: ConfigurationRequest) =>
    authenticateRegistration(kardia, request, request.params.client_id);

  const answer = (
    reply: FastifyReply,
    registration: RegistrationRow,
    metadata: Record<string, unknown>,
    token: string,
  ) => {
    const { clientId, createdAt: issuedAt } = registration;
    const information = clientInformation(kardia, { clientId, issuedAt, metadata }, token);
    return reply.header('cache-control', 'no-store').send(information);
  };

  app.register(async (scope) => {
    acceptRawBodies(scope);
    const path = '/register/:client_id';

    scope.get(path, async (request: ConfigurationRequest, reply) => {
      const registration = await authenticate(request);
      const token = await rotateRegistrationToken(kardia, registration);
      const client = await findClient(kardia, registration.clientId);
      // Deleted between the two statements: the new token opens nothing any more.
      if (!client) throw new OAuthError('invalid_token', 'the client no longer exists');
      return answer(reply, registration, client.metadata, token);
    });

    scope.put(path, async (request: ConfigurationRequest, reply) => {
      const registration = await authenticate(request);
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
      const valid = await readRegistration(kardia, trusted, metadata, previous);
      const token = await replaceClient(kardia, registration, valid.draft, valid.statementIssuer);
      request.log.info({ client_id: registration.clientId }, 'client registration replaced');
      return answer(reply, registration, valid.draft.metadata, token);
    });

    scope.delete(path, async (request: ConfigurationRequest, reply) => {
      const registration = await authenticate(request);
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

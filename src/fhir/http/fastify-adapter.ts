import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FhirError } from '../outcome.js';
import type { FhirRequest, FhirResponse } from '../router/http-types.js';
import { errorResponse } from '../router/respond.js';
import type { FhirRouter } from '../router/router.js';
import { installCors } from './cors.js';

/** Large enough for a patient's record in one transaction; import reads files directly. */
const FHIR_BODY_LIMIT = 16 * 1024 * 1024;

/**
 * Mounts the framework-free router under `prefix` in a fastify scope of its own: bodies are
 * read as text (the router decides what a media type means), and errors the framework detects
 * before the router runs become OperationOutcomes too, never a 5xx for bad input.
 */
export async function mountFhir(app: FastifyInstance, router: FhirRouter, prefix: string) {
  await app.register(
    async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser(
        '*',
        { parseAs: 'string', bodyLimit: FHIR_BODY_LIMIT },
        (_r, body, done) => done(null, body),
      );
      installCors(scope);
      scope.setErrorHandler((cause: FastifyError, request, reply) => {
        const status = cause.statusCode ?? 500;
        // The framework's own 4xx (body too large, bad content length) keeps its status.
        const error =
          status >= 400 && status < 500
            ? new FhirError('bad-request', 'structure', 'the request could not be read', {
                detail: cause.message,
              })
            : new FhirError(
                'server-error',
                'exception',
                'the server could not complete the request',
              );
        if (status >= 500) request.log.error({ err: cause }, 'FHIR request failed');
        return send(reply, {
          ...errorResponse(error, toFhirRequest(request, prefix)),
          status: status >= 500 ? 500 : status,
        });
      });
      scope.setNotFoundHandler((request, reply) =>
        send(
          reply,
          errorResponse(
            new FhirError('not-found', 'not-supported', 'no such FHIR endpoint'),
            toFhirRequest(request, prefix),
          ),
        ),
      );
      const handler = async (request: FastifyRequest, reply: FastifyReply) =>
        send(reply, await router.handle(toFhirRequest(request, prefix)));
      const method = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
      scope.route({ method, url: '/', handler });
      scope.route({ method, url: '/*', handler });
    },
    { prefix },
  );
}

function toFhirRequest(request: FastifyRequest, prefix: string): FhirRequest {
  const url = request.url;
  const mark = url.indexOf('?');
  const fullPath = mark === -1 ? url : url.slice(0, mark);
  const path = fullPath.slice(prefix.length).replace(/^\/+|\/+$/g, '');
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    method: request.method,
    path,
    fullPath,
    query: mark === -1 ? [] : [...new URLSearchParams(url.slice(mark + 1))],
    headers,
    body: typeof request.body === 'string' ? request.body : undefined,
  };
}

function send(reply: FastifyReply, response: FhirResponse): FastifyReply {
  reply.code(response.status).headers(response.headers);
  return response.body === undefined ? reply.send() : reply.send(response.body);
}

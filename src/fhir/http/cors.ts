import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * CORS for browser apps (spec Part 3.3, FHIR-33). Tokens travel in `Authorization`, never in
 * cookies, so any origin may call and no credentials mode is offered.
 */
const ALLOWED_HEADERS =
  'Authorization, Content-Type, Accept, If-Match, If-None-Exist, If-None-Match, Prefer';
const EXPOSED_HEADERS = 'ETag, Location, Last-Modified, Content-Location, WWW-Authenticate';

export function installCors(scope: FastifyInstance): void {
  scope.addHook('onSend', async (request, reply, payload) => {
    if (request.headers.origin) {
      reply.header('access-control-allow-origin', '*');
      reply.header('access-control-expose-headers', EXPOSED_HEADERS);
    }
    return payload;
  });
  const preflight = async (_request: unknown, reply: FastifyReply) =>
    reply
      .code(204)
      .header('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS')
      .header('access-control-allow-headers', ALLOWED_HEADERS)
      .header('access-control-max-age', '600')
      .send();
  scope.options('/', preflight);
  scope.options('/*', preflight);
}

import pino, { type Logger } from 'pino';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Structured JSON logs, one event per line. Requests are logged from an allowlist of fields:
 * the path without its query string (codes and tokens travel there), never a header or a body.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      serializers: requestSerializers,
      redact: {
        paths: [
          'password',
          'token',
          'code',
          'assertion',
          'client_assertion',
          'access_token',
          'refresh_token',
          'id_token',
          'cookie',
          '*.password',
          '*.token',
          '*.authorization',
          '*.cookie',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

export const requestSerializers = {
  req(request: FastifyRequest) {
    return { method: request.method, path: pathOnly(request.url), id: request.id };
  },
  res(reply: FastifyReply) {
    return { statusCode: reply.statusCode };
  },
};

export function pathOnly(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { outcome } from '../fhir/outcome.js';
import { OAuthError } from '../oauth/errors.js';
import { pathOnly } from './logger.js';

/** Public texts for failures the framework detects before a handler runs. */
const frameworkErrors: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported content type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'request body too large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'empty JSON body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed JSON body',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'content length does not match the body',
  FST_ERR_BAD_URL: 'malformed URL',
};

/**
 * Turns anything thrown into a public error: OAuth errors as they are, framework rejections of
 * the request as `invalid_request` with their 4xx status, anything else as `server_error` with a
 * fixed text and the cause in the log only.
 */
export function toOAuthError(error: unknown): OAuthError {
  if (error instanceof OAuthError) return error;
  const fastifyError = error as Partial<FastifyError>;
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const description = frameworkErrors[fastifyError.code ?? ''] ?? 'malformed request';
    const code = status === 415 ? 'unsupported_media_type' : 'invalid_request';
    return new OAuthError(code, description, { status, detail: fastifyError.message });
  }
  return new OAuthError('server_error', 'the server could not complete the request', {
    detail: error instanceof Error ? error.message : String(error),
  });
}

export function sendOAuthError(reply: FastifyReply, error: OAuthError): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply
    .code(error.status)
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache')
    .type('application/json')
    .send(error.toJSON());
}

export function logFailure(request: FastifyRequest, error: OAuthError, cause: unknown): void {
  if (error.status >= 500) {
    request.log.error({ err: cause instanceof Error ? cause : undefined }, 'request failed');
  } else {
    request.log.info({ error: error.code, detail: error.message }, 'request refused');
  }
}

/** The root scope answers in OAuth's JSON error format; FHIR and page scopes set their own. */
export function installOAuthErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((cause, request, reply) => {
    const error = toOAuthError(cause);
    logFailure(request, error, cause);
    return sendOAuthError(reply, error);
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new OAuthError('not_found', 'no such endpoint');
    request.log.info({ error: error.code }, 'not found');
    return sendOAuthError(reply, error);
  });
}

/** Route-level 405 for the methods an endpoint does not serve. */
export function methodNotAllowed(allowed: string[]) {
  return async (_request: FastifyRequest, reply: FastifyReply) => {
    reply.header('allow', allowed.join(', '));
    return sendOAuthError(reply, new OAuthError('method_not_allowed', 'method not allowed'));
  };
}

/**
 * Requests the router cannot even parse (a path that is not valid percent-encoding) fail before
 * any scope's error handler runs; they still get their area's error format, with status 400.
 */
export function rejectUnroutable(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  request.log.info({ error: error.code }, 'request refused before routing');
  if (pathOnly(request.raw.url ?? '').startsWith('/fhir')) {
    const body = outcome('bad-request', 'invalid', 'the request URL is not valid percent-encoding');
    return reply.code(400).type('application/fhir+json').send(body);
  }
  return sendOAuthError(reply, toOAuthError(error));
}

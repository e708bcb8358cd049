import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { OAuthError } from '../oauth/errors.js';
import type { Kardia } from '../server/context.js';
import { toOAuthError } from '../server/errors.js';
import { PageError } from './page-error.js';
import { stylesheetPath } from './assets.js';
import { ErrorPage } from './views/error-page.js';
import { renderDocument } from './views/render.js';

/** Sends a server-rendered page. Pages show personal data, so no cache keeps them. */
export function sendPage(reply: FastifyReply, page: VNode, status = 200): FastifyReply {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(renderDocument(page));
}

/** Any thrown value as a page error: its own, an OAuth error's public text, or a fixed 500. */
export function toPageError(cause: unknown): PageError {
  if (cause instanceof PageError) return cause;
  const error = cause instanceof OAuthError ? cause : toOAuthError(cause);
  if (error.status >= 500) {
    return new PageError(500, 'Something went wrong', 'Please try again in a moment.');
  }
  return new PageError(error.status, 'This request cannot be completed', error.description, {
    headers: error.headers,
  });
}

/** Renders `error` as a readable page; the detail and any 5xx cause go to the log only. */
export function sendErrorPage(
  kardia: Kardia,
  request: FastifyRequest,
  reply: FastifyReply,
  cause: unknown,
): FastifyReply {
  const error = toPageError(cause);
  if (error.status >= 500) {
    request.log.error({ err: cause instanceof Error ? cause : undefined }, 'page failed');
  } else {
    request.log.info({ status: error.status, detail: error.message }, 'page refused');
  }
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  const props = { status: error.status, title: error.title, text: error.text };
  return sendPage(reply, ErrorPage({ ...props, stylesheet: stylesheetPath(kardia) }), error.status);
}

/** Page routes answer errors as HTML; called inside each page scope (fastify encapsulation). */
export function installPageErrorHandling(scope: FastifyInstance, kardia: Kardia): void {
  scope.setErrorHandler((cause, request, reply) => sendErrorPage(kardia, request, reply, cause));
}

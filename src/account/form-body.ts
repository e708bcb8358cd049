import type { FastifyRequest } from 'fastify';
import { oauthParams } from '../server/forms.js';
import { PageError } from './page-error.js';

/**
 * The fields of a page's form post. Only `application/x-www-form-urlencoded`, which is what a
 * browser's form sends; each field once (RFC 6749 §3.1 for the OAuth ones, and no guessing
 * which of two values counts for the others).
 */
export function formBody(request: FastifyRequest): Record<string, string> {
  const type = request.headers['content-type'] ?? '';
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    throw new PageError(415, 'This form could not be read', 'Please submit the form again.', {
      detail: 'form post without a form content type',
    });
  }
  return oauthParams(request.body);
}

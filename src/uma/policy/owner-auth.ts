import type { FastifyRequest } from 'fastify';
import { sessionCsrfToken } from '../../account/csrf.js';
import { currentSession } from '../../account/session.js';
import { OAuthError } from '../../oauth/errors.js';
import { parseScope } from '../../oauth/scopes.js';
import { verifyOwnToken } from '../../oauth/tokens.js';
import type { Kardia } from '../../server/context.js';
import { safeEqual } from '../../util/random.js';
import { bearerToken, insufficientScope, invalidToken, noToken } from '../protection/bearer.js';

/** Part 3.7: the scope of a token that lets its holder manage the owner's policies. */
export const POLICY_SCOPE = 'uma_policy';

/** Where the dashboard's scripts and forms send the session's CSRF token. */
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The owner behind a call to the owner-facing APIs (Part 3.7, 3.8, UMA-POL-2): a bearer token
 * whose `sub` is the owner and whose scope holds `uma_policy` (a PAT is refused with 403
 * `insufficient_scope`: the RS cannot set policy), or the owner's dashboard session, which must
 * also send its CSRF token (header `X-CSRF-Token` or form field `csrf_token`) on unsafe methods.
 */
export async function authenticateOwner(kardia: Kardia, request: FastifyRequest): Promise<string> {
  const token = bearerToken(request);
  if (token) {
    const verified = await verifyOwnToken(kardia, token, ['access', 'rpt']);
    if (!verified || verified.revoked || !verified.row) throw invalidToken('not a live token');
    const scopes = verified.kind === 'access' ? parseScope(verified.payload.scope) : [];
    if (!scopes.includes(POLICY_SCOPE) || verified.payload.sub === verified.row.client_id) {
      throw insufficientScope(POLICY_SCOPE);
    }
    return verified.payload.sub;
  }
  const session = await currentSession(kardia, request);
  if (!session) throw noToken('a signed-in session or an uma_policy token');
  if (!SAFE_METHODS.has(request.method)) {
    const sent = csrfTokenOf(request);
    const expected = await sessionCsrfToken(kardia, session);
    if (!sent || !safeEqual(sent, expected)) {
      throw new OAuthError('access_denied', 'the CSRF token is missing or wrong', { status: 403 });
    }
  }
  return session.sub;
}

function csrfTokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers[CSRF_HEADER];
  if (typeof header === 'string') return header;
  const body = request.body as Record<string, unknown> | null | undefined;
  const field = body && typeof body === 'object' ? body.csrf_token : undefined;
  return typeof field === 'string' ? field : undefined;
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kardia } from '../../server/context.js';
import { authenticateClient } from '../client-auth.js';
import { OAuthError } from '../errors.js';
import { type VerifiedToken, verifyOwnToken } from '../tokens.js';
import { backChannelAudiences, backChannelParams, noStore, postOnly } from './back-channel.js';

/** RFC 7662 §2.2: whatever the reason, an inactive token is described by this and nothing else. */
const INACTIVE = { active: false } as const;

/**
 * Token introspection (RFC 7662) for protected resources (HEART OAuth §3.2.2). Only a
 * protected-resource registration authenticated by private_key_jwt may call it: ordinary
 * clients, Basic, bearer tokens and public callers get 401 `invalid_client` (OA-IN-3, OA-IN-4).
 */
export function registerIntrospection(app: FastifyInstance, kardia: Kardia): void {
  postOnly(app, '/introspect', async (request, reply) => {
    const params = backChannelParams(request);

    // UMA federated authorization §5 (HU-21): an RS may also authenticate with its PAT.
    const bearer = request.headers.authorization && introspectionHooks.bearerCaller;
    const narrow = bearer ? await bearer(kardia, request) : undefined;
    if (!narrow) {
      await authenticateClient(kardia, request, params, {
        audiences: backChannelAudiences(kardia, kardia.urls.introspection),
        allowPublic: false,
        kinds: ['resource_server'],
      });
    }

    if (!params.token) throw new OAuthError('invalid_request', 'token is required');

    // Refresh tokens are for the AS alone: to a protected resource they are never active.
    const verified = await verifyOwnToken(kardia, params.token, ['access', 'rpt']);
    const answer = verified && !verified.revoked ? describeToken(verified) : INACTIVE;
    return noStore(reply).send(narrow && answer.active ? await narrow(answer) : answer);
  });
}

/** What a bearer-authenticated caller may see of an active answer; INACTIVE when nothing. */
export type IntrospectionNarrowing = (
  answer: Record<string, unknown>,
) => Promise<Record<string, unknown>>;

/**
 * Extension point (UMA): a caller presenting a bearer token instead of a client assertion. The
 * hook authenticates it (throwing an OAuthError when it fails) and answers how to narrow what
 * that caller sees.
 */
export const introspectionHooks: {
  bearerCaller?: (kardia: Kardia, request: FastifyRequest) => Promise<IntrospectionNarrowing>;
} = {};

/**
 * RFC 7662 §2.2 members, read from the verified JWT so the answer matches the token exactly,
 * plus the claims the token carries beyond them (`patient`, `acr`...). An RPT describes its
 * access by `permissions` and has no `scope` (UMA federated authorization §5.1.1).
 */
function describeToken({ payload, kind, row }: VerifiedToken): Record<string, unknown> {
  const { scope, permissions, ...claims } = payload as VerifiedToken['payload'] & {
    permissions?: unknown;
  };
  return {
    active: true,
    ...claims,
    ...(kind === 'rpt' ? { permissions: permissions ?? [] } : { scope: scope ?? '' }),
    client_id: row?.client_id ?? payload.azp,
    sub: payload.sub,
    exp: payload.exp,
    iat: payload.iat,
    iss: payload.iss,
    aud: payload.aud,
    jti: payload.jti,
    token_type: 'Bearer',
  };
}

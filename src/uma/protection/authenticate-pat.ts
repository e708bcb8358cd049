import type { FastifyRequest } from 'fastify';
import { parseScope } from '../../oauth/scopes.js';
import { verifyOwnToken } from '../../oauth/tokens.js';
import type { Kardia } from '../../server/context.js';
import { bearerToken, insufficientScope, invalidToken, noToken } from './bearer.js';

/** F§1.3: the scope that makes an access token a PAT. */
export const PROTECTION_SCOPE = 'uma_protection';

/** Who calls the protection API: the owner who authorized the PAT and the RS that holds it. */
export interface ProtectionCaller {
  /** UMA-PAT-4: the owner of everything registered or requested with this PAT. */
  owner: string;
  /** The RS's client id: resources are registered by, and visible to, this RS alone. */
  rsClientId: string;
}

/**
 * F§1.3, UMA-PAT-1, UMA-PAT-6, HU-19: every protection-API call carries a live PAT. No token
 * → 401 with a bare challenge; an invalid, expired or revoked one → 401 `invalid_token`; a valid
 * token without `uma_protection` (an RPT or an ordinary access token) → 403
 * `insufficient_scope`.
 */
export async function authenticatePat(
  kardia: Kardia,
  request: FastifyRequest,
): Promise<ProtectionCaller> {
  const token = bearerToken(request);
  if (!token) throw noToken('a PAT');
  const verified = await verifyOwnToken(kardia, token, ['access', 'rpt']);
  if (!verified || verified.revoked || !verified.row) throw invalidToken('not a live token');
  if (
    verified.kind !== 'access' ||
    !parseScope(verified.payload.scope).includes(PROTECTION_SCOPE)
  ) {
    throw insufficientScope(PROTECTION_SCOPE);
  }
  // HEART OAuth §3.2.1: a client acting for itself has its own id as `sub`; a PAT needs an owner.
  if (verified.payload.sub === verified.row.client_id) throw insufficientScope(PROTECTION_SCOPE);
  return { owner: verified.payload.sub, rsClientId: verified.row.client_id };
}

import type { FastifyRequest } from 'fastify';
import { introspectionHooks } from '../../oauth/endpoints/introspect.js';
import { invalidClient, OAuthError } from '../../oauth/errors.js';
import type { Kardia } from '../../server/context.js';
import { nowSeconds } from '../../util/time.js';
import type { RptPermission } from '../grant/rpt.js';
import { listResources } from '../resources/resource-store.js';
import { authenticatePat, type ProtectionCaller } from './authenticate-pat.js';

/**
 * F§5, UMA-INTRO-1, HU-21: the RS may introspect with its PAT. UMA-INTRO-5 (Kardia, F§8): it
 * then sees only the permissions on resources of that PAT's owner that it registered itself, and
 * only those not yet expired; an RPT with none left is `{"active":false}`. A bearer token that is
 * not a live PAT fails like any client authentication (401 `invalid_client`). Ordinary access
 * tokens get the plain RFC 7662 answer (UMA-INTRO-4).
 */
export function installPatIntrospection(): void {
  introspectionHooks.bearerCaller = async (kardia: Kardia, request: FastifyRequest) => {
    let caller: ProtectionCaller;
    try {
      caller = await authenticatePat(kardia, request);
    } catch (error) {
      // HEART OAuth §3.2.2 (OA-IN-3): any other bearer token is a failed client authentication.
      if (error instanceof OAuthError) throw invalidClient(`bearer is not a PAT: ${error.code}`);
      throw error;
    }
    return (answer) => narrowForPat(kardia, caller, answer);
  };
}

async function narrowForPat(
  kardia: Kardia,
  caller: ProtectionCaller,
  answer: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  if (!Array.isArray(answer.permissions)) return answer;
  const visible = new Set(
    (await listResources(kardia, caller.owner, caller.rsClientId)).map((r) => r.id),
  );
  const now = nowSeconds();
  const permissions = (answer.permissions as RptPermission[]).filter(
    (p) => visible.has(p.resource_id) && (p.exp === undefined || p.exp > now),
  );
  return permissions.length > 0 ? { ...answer, permissions } : { active: false };
}

import { OAuthError } from '../../oauth/errors.js';
import type { Kardia } from '../../server/context.js';
import type { ProtectionCaller } from '../protection/authenticate-pat.js';
import { invalidRequest, isObject, stringArray } from '../protection/json-body.js';
import { findOwnResource } from '../resources/resource-store.js';
import type { Permission } from '../tickets/tickets.js';

const MAX_PERMISSIONS = 100;

/**
 * Reads a permission request (F§4.1): one object or a non-empty array of them (UMA-PERM-2), each
 * `{resource_id, resource_scopes}`; other members are ignored (UMA-GEN-1). UMA-PERM-6: anything
 * else is `invalid_request`. Requests for the same resource are merged.
 */
export function parsePermissionRequest(body: unknown): Permission[] {
  const items = Array.isArray(body) ? body : [body];
  if (items.length === 0 || items.length > MAX_PERMISSIONS) {
    throw invalidRequest(`a permission request holds 1 to ${MAX_PERMISSIONS} permissions`);
  }
  const merged = new Map<string, Set<string>>();
  for (const item of items) {
    if (!isObject(item)) throw invalidRequest('each permission must be a JSON object');
    const id = item.resource_id;
    if (typeof id !== 'string' || id.length === 0 || id.length > 200) {
      throw invalidRequest('resource_id must be a string');
    }
    const scopes = stringArray(item.resource_scopes);
    if (!scopes) throw invalidRequest('resource_scopes must be an array of strings');
    const set = merged.get(id) ?? new Set<string>();
    scopes.forEach((scope) => set.add(scope));
    merged.set(id, set);
  }
  return [...merged].map(([resource_id, scopes]) => ({
    resource_id,
    resource_scopes: [...scopes],
  }));
}

/**
 * F§4.3, UMA-PERM-4, UMA-PERM-5, HU-31: every resource belongs to the PAT's owner and was
 * registered by the PAT's RS (else `invalid_resource_id`), and every scope is registered for it
 * (else `invalid_scope`).
 */
export async function checkPermissions(
  kardia: Kardia,
  caller: ProtectionCaller,
  permissions: Permission[],
): Promise<void> {
  for (const permission of permissions) {
    const resource = await findOwnResource(
      kardia,
      caller.owner,
      caller.rsClientId,
      permission.resource_id,
    );
    if (!resource) {
      throw new OAuthError('invalid_resource_id', 'a resource id is not registered for this PAT');
    }
    const registered = new Set(resource.description.resource_scopes);
    if (permission.resource_scopes.some((scope) => !registered.has(scope))) {
      throw new OAuthError('invalid_scope', 'a scope is not registered for its resource');
    }
  }
}

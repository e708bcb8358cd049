import { invalidRequest, isObject, stringArray } from '../protection/json-body.js';

/** Part 3.7: what a policy does when it applies. */
export const POLICY_MODES = ['grant', 'ask', 'deny'] as const;
export type PolicyMode = (typeof POLICY_MODES)[number];

/** Part 3.7: a claim the requesting party must prove; without `value`, any value counts. */
export interface RequiredClaim {
  name: string;
  value?: string;
  issuer?: string[];
  claim_token_format?: string[];
}

/** A policy as the owner writes it (the API's JSON shape, Part 3.7). */
export interface PolicyInput {
  resource_ids: string[];
  resource_scopes: string[];
  required_claims: RequiredClaim[];
  mode: PolicyMode;
  exp?: number;
  description?: string;
}

const CLAIM_NAME = /^[A-Za-z0-9_.:#/-]{1,100}$/;

/**
 * Checks a policy's shape (Part 3.7): non-empty `resource_ids` and `resource_scopes`, a known
 * `mode`, `required_claims` entries, an optional future `exp`. `grant` and `ask` need at least
 * one required claim, so nobody grants "everyone" by accident (HU-39). Whether the resources and
 * scopes exist is checked against the store by the caller.
 */
export function parsePolicy(body: unknown, now: number): PolicyInput {
  if (!isObject(body)) throw invalidRequest('the policy must be a JSON object');
  const resourceIds = stringArray(body.resource_ids, 100, 200);
  if (!resourceIds || resourceIds.length === 0) {
    throw invalidRequest('resource_ids must be a non-empty array of resource ids');
  }
  const scopes = stringArray(body.resource_scopes);
  if (!scopes || scopes.length === 0) {
    throw invalidRequest('resource_scopes must be a non-empty array of scopes');
  }
  const mode = body.mode;
  if (typeof mode !== 'string' || !(POLICY_MODES as readonly string[]).includes(mode)) {
    throw invalidRequest('mode must be grant, ask or deny');
  }
  const claims = parseRequiredClaims(body.required_claims ?? []);
  if (mode !== 'deny' && claims.length === 0) {
    throw invalidRequest('a grant or ask policy needs at least one required claim');
  }
  const policy: PolicyInput = {
    resource_ids: [...new Set(resourceIds)],
    resource_scopes: [...new Set(scopes)],
    required_claims: claims,
    mode: mode as PolicyMode,
  };
  if (body.exp !== undefined && body.exp !== null) {
    if (!Number.isSafeInteger(body.exp) || (body.exp as number) <= now) {
      throw invalidRequest('exp must be a future time in seconds since the epoch');
    }
    policy.exp = body.exp as number;
  }
  if (body.description !== undefined && body.description !== null) {
    if (typeof body.description !== 'string' || body.description.length > 1_000) {
      throw invalidRequest('description must be a string of at most 1000 characters');
    }
    policy.description = body.description;
  }
  return policy;
}

function parseRequiredClaims(value: unknown): RequiredClaim[] {
  if (!Array.isArray(value) || value.length > 20) {
    throw invalidRequest('required_claims must be an array of at most 20 entries');
  }
  return value.map((entry): RequiredClaim => {
    if (!isObject(entry) || typeof entry.name !== 'string' || !CLAIM_NAME.test(entry.name)) {
      throw invalidRequest('each required claim needs a name');
    }
    const claim: RequiredClaim = { name: entry.name };
    if (entry.value !== undefined) {
      if (typeof entry.value !== 'string' || entry.value.length === 0 || entry.value.length > 500) {
        throw invalidRequest('a required claim value must be a non-empty string');
      }
      claim.value = entry.value;
    }
    for (const list of ['issuer', 'claim_token_format'] as const) {
      if (entry[list] === undefined) continue;
      const values = stringArray(entry[list], 20, 500);
      if (!values || values.length === 0) {
        throw invalidRequest(`${list} must be a non-empty array of strings`);
      }
      claim[list] = values;
    }
    return claim;
  });
}

/**
 * Part 3.9: whether replacing `before` by `after` narrows access: a resource or scope removed,
 * claims added or tightened, an earlier `exp`, or a `grant` that no longer grants. Widening a
 * policy revokes nothing.
 */
export function narrows(before: PolicyInput, after: PolicyInput): boolean {
  if (before.mode === 'grant' && after.mode !== 'grant') return true;
  if (before.mode !== after.mode) return true;
  if (before.resource_ids.some((id) => !after.resource_ids.includes(id))) return true;
  if (before.resource_scopes.some((s) => !after.resource_scopes.includes(s))) return true;
  if (after.exp !== undefined && (before.exp === undefined || after.exp < before.exp)) return true;
  const old = new Set(before.required_claims.map((c) => JSON.stringify(canonical(c))));
  return after.required_claims.some((c) => !old.has(JSON.stringify(canonical(c))));
}

const canonical = (claim: RequiredClaim) => ({
  name: claim.name,
  value: claim.value ?? null,
  issuer: claim.issuer ? [...claim.issuer].sort() : null,
  claim_token_format: claim.claim_token_format ? [...claim.claim_token_format].sort() : null,
});

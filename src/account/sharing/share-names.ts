import type { Kardia } from '../../server/context.js';
import type { OwnerApi } from './owner-api.js';

/**
 * Each share's name for the history, by policy id: the owner's own description, or for a share
 * made by approving a request, who it was approved for. A share since revoked has no name left
 * (the history then says so). Without the sharing API the history still shows, naming no share.
 */
export async function shareNames(
  kardia: Kardia,
  api: OwnerApi | undefined,
): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (!api) return names;
  let policies;
  try {
    policies = await api.policies();
  } catch {
    return names;
  }
  const subs = policies.flatMap((p) =>
    p.required_claims.filter((c) => c.name === 'sub' && c.value).map((c) => c.value as string),
  );
  const people = new Map<string, string>();
  if (subs.length > 0) {
    const rows = await kardia.store.db
      .selectFrom('users')
      .select(['sub', 'name', 'username'])
      .where('sub', 'in', [...new Set(subs)].slice(0, 500))
      .execute();
    rows.forEach((row) => people.set(row.sub, row.name ?? row.username));
  }
  for (const policy of policies) {
    const person = policy.required_claims
      .map((c) => (c.name === 'sub' && c.value ? people.get(c.value) : undefined))
      .find(Boolean);
    const approved = policy.description?.startsWith('Approved request');
    const name =
      policy.description && !approved
        ? policy.description
        : `your approval of ${person ?? 'a request'}`;
    names.set(policy.id, name);
  }
  return names;
}

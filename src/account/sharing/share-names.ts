import type { OwnerApi } from './owner-api.js';

/**
 * Each share's name for the history ("share: Dr Lee may read my lab results"), by policy id.
 * Without the sharing API (a server without UMA) the history still shows, naming no share.
 */
export async function shareNames(api: OwnerApi | undefined): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (!api) return names;
  try {
    for (const policy of await api.policies()) {
      names.set(policy.id, policy.description ?? `share ${policy.id.slice(0, 6)}`);
    }
  } catch {
    // Sharing unavailable: the history names no share.
  }
  return names;
}

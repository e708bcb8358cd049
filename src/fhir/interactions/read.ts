import { allOk } from '../outcome.js';
import type { StoredVersion } from '../repository/versions.js';
import { OPEN_SCOPE } from '../access-port.js';
import type { InteractionContext, InteractionResult } from './context.js';

/** Read (FHIR-4, FHIR-5): one indexed query; the stored JSON goes out as it is. */
export async function read(context: InteractionContext): Promise<InteractionResult> {
  const { resourceType, id } = context.route.interaction as { resourceType: string; id: string };
  const stored = await context.repo.read(resourceType, id, context.caller?.read ?? OPEN_SCOPE);
  return storedResult(stored);
}

/** Vread (FHIR-11): exactly the version named. */
export async function vread(context: InteractionContext): Promise<InteractionResult> {
  const { resourceType, id } = context.route.interaction as { resourceType: string; id: string };
  const versionId = context.route.versionId ?? '';
  const scope = context.caller?.read ?? OPEN_SCOPE;
  return storedResult(await context.repo.vread(resourceType, id, versionId, scope));
}

function storedResult(stored: StoredVersion): InteractionResult {
  return {
    outcome: allOk,
    json: stored.json,
    version: {
      type: stored.type,
      id: stored.id,
      versionId: String(stored.version),
      lastUpdated: new Date(stored.lastUpdated).toISOString(),
    },
    touched: [`${stored.type}/${stored.id}`],
  };
}

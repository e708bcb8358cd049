import type { Kardia } from '../../server/context.js';
import { randomToken } from '../../util/random.js';
import { nowSeconds } from '../../util/time.js';
import type { ResourceDescription } from './resource-description.js';

/** A registered resource: its description, its owner and the RS that registered it. */
export interface UmaResource {
  id: string;
  owner: string;
  rsClientId: string;
  description: ResourceDescription;
  createdAt: number;
  updatedAt: number;
}

/** F§3.2.1: a new resource. Its id is random, so it says nothing about the owner or the data. */
export async function createResource(
  kardia: Kardia,
  owner: string,
  rsClientId: string,
  description: ResourceDescription,
): Promise<UmaResource> {
  const now = nowSeconds();
  const resource = {
    id: randomToken(16),
    owner,
    rsClientId,
    description,
    createdAt: now,
    updatedAt: now,
  };
  await kardia.store.db
    .insertInto('uma_resources')
    .values({
      id: resource.id,
      owner_sub: owner,
      rs_client_id: rsClientId,
      description: JSON.stringify(description),
      created_at: now,
      updated_at: now,
    })
    .execute();
  return resource;
}

/** A resource by id, whoever owns it. */
export async function findResource(kardia: Kardia, id: string): Promise<UmaResource | undefined> {
  if (id.length > 200) return undefined;
  const row = await kardia.store.db
    .selectFrom('uma_resources')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? toResource(row) : undefined;
}

/** UMA-PAT-4, F§3.2: a resource as the caller's PAT sees it: same owner and same RS, or none. */
export async function findOwnResource(
  kardia: Kardia,
  owner: string,
  rsClientId: string,
  id: string,
): Promise<UmaResource | undefined> {
  const resource = await findResource(kardia, id);
  return resource && resource.owner === owner && resource.rsClientId === rsClientId
    ? resource
    : undefined;
}

/** The resources of an owner, by one RS or (for the owner's own view) by every RS. */
export async function listResources(
  kardia: Kardia,
  owner: string,
  rsClientId?: string,
): Promise<UmaResource[]> {
  let query = kardia.store.db
    .selectFrom('uma_resources')
    .selectAll()
    .where('owner_sub', '=', owner);
  if (rsClientId !== undefined) query = query.where('rs_client_id', '=', rsClientId);
  const rows = await query.orderBy('created_at').orderBy('id').execute();
  return rows.map(toResource);
}

/** F§3.2.3: the description is replaced whole. */
export async function replaceResource(
  kardia: Kardia,
  id: string,
  description: ResourceDescription,
): Promise<void> {
  await kardia.store.db
    .updateTable('uma_resources')
    .set({ description: JSON.stringify(description), updated_at: nowSeconds() })
    .where('id', '=', id)
    .execute();
}

export async function deleteResource(kardia: Kardia, id: string): Promise<void> {
  await kardia.store.db.deleteFrom('uma_resources').where('id', '=', id).execute();
}

function toResource(row: {
  id: string;
  owner_sub: string;
  rs_client_id: string;
  description: string;
  created_at: number;
  updated_at: number;
}): UmaResource {
  return {
    id: row.id,
    owner: row.owner_sub,
    rsClientId: row.rs_client_id,
    description: JSON.parse(row.description) as ResourceDescription,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

import { saveNewClient } from '../../oauth/client-registry.js';
import { findClient } from '../../oauth/clients.js';
import type { Kardia } from '../../server/context.js';

/** Row of the settings table holding the dashboard's own client_id, the same on every node. */
const SETTING = 'dashboard_client_id';

/** How the dashboard appears in the owner's history and in the list of registered clients. */
export const DASHBOARD_CLIENT_NAME = 'Kardia dashboard';

const cache = new WeakMap<Kardia, Promise<string>>();

/**
 * The dashboard's own registration at this AS: a static client that no one can authenticate as
 * (no keys, no grant types), so it can never be used at `/token`. It exists so that the tokens
 * the dashboard issues itself (record-reader.ts) name a real client, which the RS records in the
 * history and the dashboard shows as itself. Made on first use; two nodes racing both register
 * and the first settings row wins (the other registration stays unused and powerless).
 */
export function dashboardClientId(kardia: Kardia): Promise<string> {
  let id = cache.get(kardia);
  if (!id) {
    id = ensureRegistered(kardia);
    id.catch(() => cache.delete(kardia));
    cache.set(kardia, id);
  }
  return id;
}

async function ensureRegistered(kardia: Kardia): Promise<string> {
  const stored = await readSetting(kardia);
  if (stored && (await findClient(kardia, stored))) return stored;
  const client = await saveNewClient(kardia, {
    kind: 'client',
    registration: 'static',
    clientName: DASHBOARD_CLIENT_NAME,
    metadata: { client_name: DASHBOARD_CLIENT_NAME, grant_types: [], redirect_uris: [] },
    grantTypes: [],
    responseTypes: [],
    redirectUris: [],
    authMethod: 'private_key_jwt',
    jwks: null,
    jwksUri: null,
    scope: '',
  });
  if (stored) {
    await kardia.store.db
      .updateTable('settings')
      .set({ value: client.clientId })
      .where('name', '=', SETTING)
      .execute();
  } else {
    await kardia.store.db
      .insertInto('settings')
      .values({ name: SETTING, value: client.clientId })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
  }
  return (await readSetting(kardia)) ?? client.clientId;
}

async function readSetting(kardia: Kardia): Promise<string | undefined> {
  const row = await kardia.store.db
    .selectFrom('settings')
    .select('value')
    .where('name', '=', SETTING)
    .executeTakeFirst();
  return row?.value;
}

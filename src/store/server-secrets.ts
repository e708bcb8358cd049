import { randomToken } from '../util/random.js';
import type { Store } from './database.js';

/**
 * A secret every node must share (the cookie-signing key, the pairwise-subject salt): made once,
 * kept in the settings table. Concurrent first starts agree, since only one insert wins.
 */
export async function sharedSecret(store: Store, name: string): Promise<string> {
  const found = await store.db
    .selectFrom('settings')
    .select('value')
    .where('name', '=', name)
    .executeTakeFirst();
  if (found) return found.value;
  await store.db
    .insertInto('settings')
    .values({ name, value: randomToken() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await store.db
    .selectFrom('settings')
    .select('value')
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  return row.value;
}

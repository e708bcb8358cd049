import { createUser, findUserByUsername } from '../account/users.js';
import type { Settings } from '../config/settings.js';
import { generateDemoRecord } from '../fhir/demo/generate.js';
import { importBundle } from '../fhir/import/run.js';
import type { Kardia } from '../server/context.js';
import type { UserTable } from '../store/tables.js';
import { DEMO_ACCOUNTS, DEMO_OWNER, DEMO_RECORD, type DemoAccount } from './accounts.js';

const DEFAULT_DATABASE = 'sqlite:./data/kardia.db';
/** Row of the settings table that says the demo was seeded (or is being seeded). */
const MARKER = 'demo_seeded';

/** KARDIA_DEMO, or on for the default embedded database only. */
export const demoEnabled = (settings: Settings): boolean =>
  settings.demo ?? settings.databaseUrl === DEFAULT_DATABASE;

export interface DemoOutcome {
  /** `seeded` now, `present` from an earlier start, `skipped` with a reason. */
  status: 'seeded' | 'present' | 'skipped';
  reason?: string;
  accounts: readonly DemoAccount[];
  resources?: number;
}

/**
 * At `kardia serve`: on an empty database, makes the demo accounts and imports Alice's record;
 * on a database the demo already seeded, only reports it. A database with accounts of its own is
 * never touched. The marker row is claimed first, so two processes starting together seed once.
 */
export async function seedDemo(kardia: Kardia): Promise<DemoOutcome> {
  const skipped = (reason: string): DemoOutcome => ({ status: 'skipped', reason, accounts: [] });
  const roles = kardia.settings.roles;
  if (!roles.includes('as') || !roles.includes('rs')) {
    return skipped('the demo needs the as and rs roles in one process');
  }
  const db = kardia.store.db;
  const marker = await db
    .selectFrom('settings')
    .select('value')
    .where('name', '=', MARKER)
    .executeTakeFirst();
  if (marker) {
    return marker.value === 'seeding'
      ? skipped('another process is seeding the demo')
      : { status: 'present', accounts: DEMO_ACCOUNTS };
  }
  const anyUser = await db.selectFrom('users').select('sub').limit(1).executeTakeFirst();
  if (anyUser) return skipped('the database already has accounts');

  const claim = await db
    .insertInto('settings')
    .values({ name: MARKER, value: 'seeding' })
    .onConflict((oc) => oc.column('name').doNothing())
    .executeTakeFirst();
  if (Number(claim.numInsertedOrUpdatedRows ?? 0) !== 1)
    return skipped('another process seeds the demo');
  try {
    const resources = await seedEmptyDatabase(kardia);
    await db
      .updateTable('settings')
      .set({ value: JSON.stringify({ at: new Date().toISOString(), resources }) })
      .where('name', '=', MARKER)
      .execute();
    return { status: 'seeded', accounts: DEMO_ACCOUNTS, resources };
  } catch (error) {
    await db.deleteFrom('settings').where('name', '=', MARKER).execute();
    throw error;
  }
}

async function seedEmptyDatabase(kardia: Kardia): Promise<number> {
  const users = new Map<string, UserTable>();
  for (const account of DEMO_ACCOUNTS) {
    const existing = await findUserByUsername(kardia, account.username);
    const user =
      existing ??
      (await createUser(kardia, {
        username: account.username,
        password: account.password,
        name: account.name,
        email: `${account.username}@example.org`,
        emailVerified: true,
      }));
    users.set(account.username, user);
  }
  const owner = users.get(DEMO_OWNER);
  if (!owner) throw new Error('the demo owner account is missing');
  const record = generateDemoRecord({ ...DEMO_RECORD, gender: 'female' });
  const summary = await importBundle(kardia, record, { ownerSub: owner.sub });
  return summary.resources;
}

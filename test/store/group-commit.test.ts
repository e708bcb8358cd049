import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createTestDatabase, type TestDatabase, usingPostgres } from '../helpers/database.js';

/**
 * Group commit (src/store/group-commit.ts): the small rows written on every request share one
 * transaction on SQLite, and each caller learns of its row only once it is stored.
 */
let database: TestDatabase;
let store: Store;

beforeAll(async () => {
  database = await createTestDatabase();
  store = openStore(database.url);
  await migrateToLatest(store);
});
afterAll(async () => {
  await store.close();
  await database.drop();
});

const jti = (n: number) => `group-commit-jti-${n}-${'x'.repeat(16)}`;

const remember = (clientId: string, id: string) =>
  store.grouped((db) =>
    db
      .insertInto('assertion_jtis')
      .values({ client_id: clientId, jti: id, expires_at: 4_000_000_000 })
      .onConflict((oc) => oc.columns(['client_id', 'jti']).doNothing())
      .executeTakeFirst(),
  );

const stored = async (clientId: string) =>
  (
    await store.db
      .selectFrom('assertion_jtis')
      .select('jti')
      .where('client_id', '=', clientId)
      .execute()
  ).map((row) => row.jti);

describe('group commit', () => {
  it('stores every write of one turn, and settles each only once it is committed', async () => {
    const writes = Array.from({ length: 40 }, (_, n) =>
      remember('client-a', jti(n)).then(async (result) => ({
        inserted: Number(result.numInsertedOrUpdatedRows ?? 0n),
        // Read on the store's own connection: the row is there when the caller hears of it.
        visible: (await stored('client-a')).includes(jti(n)),
      })),
    );
    const outcomes = await Promise.all(writes);
    expect(outcomes.every((o) => o.inserted === 1 && o.visible)).toBe(true);
    expect(await stored('client-a')).toHaveLength(40);
  });

  it('OA-TK-3 lets one of two uses of a jti in the same turn through, and refuses the other', async () => {
    const [first, second] = await Promise.all([
      remember('client-b', jti(1)),
      remember('client-b', jti(1)),
    ]);
    const inserted = [first, second].map((r) => Number(r.numInsertedOrUpdatedRows ?? 0n));
    expect(inserted.sort()).toEqual([0, 1]);
  });

  it('refuses a failing write alone and commits its neighbours', async () => {
    const failing = store.grouped((db) =>
      db
        .insertInto('assertion_jtis')
        // A NOT NULL column left null: the database refuses this statement.
        .values({ client_id: 'client-c', jti: jti(2), expires_at: null as unknown as number })
        .execute(),
    );
    const neighbours = [remember('client-c', jti(3)), remember('client-c', jti(4))];
    const [failed, ...rest] = await Promise.allSettled([failing, ...neighbours]);
    expect(failed?.status).toBe('rejected');
    expect(rest.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect((await stored('client-c')).sort()).toEqual([jti(3), jti(4)]);
  });

  it('shares one transaction on SQLite; on PostgreSQL each write runs on its own', async () => {
    const seen = await Promise.all(
      Array.from({ length: 5 }, () =>
        store.grouped(async (db) => ({ db, inTransaction: db.isTransaction })),
      ),
    );
    if (usingPostgres()) {
      // A failed statement would abort a shared PostgreSQL transaction for every neighbour.
      expect(seen.every((s) => !s.inTransaction && s.db === store.db)).toBe(true);
    } else {
      expect(new Set(seen.map((s) => s.db)).size).toBe(1);
      expect(seen.every((s) => s.inTransaction)).toBe(true);
    }
  });
});

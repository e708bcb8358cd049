import { sql } from 'kysely';
import type { Kardia } from '../server/context.js';
import { sha256 } from '../util/random.js';
import { nowSeconds } from '../util/time.js';

/**
 * Failed sign-ins allowed per window, per username and per client address. Counted in the
 * database (table rate_limits) so every node sharing it enforces the same limits.
 */
export const LOGIN_LIMITS = {
  windowSeconds: 15 * 60,
  perUsername: 5,
  perAddress: 20,
} as const;

const PREFIX = 'login:';

/** Buckets hold a hash of the username or address, never the value itself. */
const userBucket = (username: string) => `${PREFIX}user:${sha256(username.trim().toLowerCase())}`;
const addressBucket = (address: string) => `${PREFIX}addr:${sha256(address)}`;

/**
 * Seconds until sign-in is allowed again for this username and address, or 0 when it is
 * allowed now. Checked before the password, so a locked account costs no hashing.
 */
export async function loginRetryAfter(
  kardia: Kardia,
  username: string,
  address: string,
): Promise<number> {
  const now = nowSeconds();
  const forUser = userBucket(username);
  const rows = await kardia.store.db
    .selectFrom('rate_limits')
    .select(['bucket', 'count', 'window_start'])
    .where('bucket', 'in', [forUser, addressBucket(address)])
    .where('window_start', '>', now - LOGIN_LIMITS.windowSeconds)
    .execute();
  let wait = 0;
  for (const row of rows) {
    const limit = row.bucket === forUser ? LOGIN_LIMITS.perUsername : LOGIN_LIMITS.perAddress;
    if (row.count >= limit) {
      wait = Math.max(wait, row.window_start + LOGIN_LIMITS.windowSeconds - now);
    }
  }
  return wait;
}

/**
 * Counts one failed sign-in in both buckets. One upsert per bucket: a window that has run out
 * starts again at 1, so concurrent failures on several nodes are all counted.
 */
export async function recordLoginFailure(
  kardia: Kardia,
  username: string,
  address: string,
): Promise<void> {
  const now = nowSeconds();
  const expired = now - LOGIN_LIMITS.windowSeconds;
  for (const bucket of [userBucket(username), addressBucket(address)]) {
    await kardia.store.db
      .insertInto('rate_limits')
      .values({ bucket, count: 1, window_start: now })
      .onConflict((oc) =>
        oc.column('bucket').doUpdateSet({
          count: sql<number>`case when rate_limits.window_start <= ${expired} then 1
            else rate_limits.count + 1 end`,
          window_start: sql<number>`case when rate_limits.window_start <= ${expired}
            then ${now} else rate_limits.window_start end`,
        }),
      )
      .execute();
  }
  await kardia.store.db
    .deleteFrom('rate_limits')
    .where('bucket', 'like', `${PREFIX}%`)
    .where('window_start', '<=', expired)
    .execute();
}

/** A successful sign-in clears the username's failures (the address keeps its count). */
export async function clearUsernameFailures(kardia: Kardia, username: string): Promise<void> {
  await kardia.store.db
    .deleteFrom('rate_limits')
    .where('bucket', '=', userBucket(username))
    .execute();
}

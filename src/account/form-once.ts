import type { Kardia } from '../server/context.js';
import { randomToken, sha256 } from '../util/random.js';
import { nowSeconds } from '../util/time.js';
import { PageError } from './page-error.js';

/** The hidden field that makes a form's submission count once. */
export const ONCE_FIELD = 'form_id';

/** How long a used form id is remembered: a resubmission later than this is simply stale. */
const REMEMBER_SECONDS = 24 * 3600;

export const newFormId = (): string => randomToken(18);

/**
 * Marks a form as submitted; a second submission of the same form (a double click, a browser
 * resending the post) is refused with a readable page before anything changes. The mark lives
 * in the shared rate_limits table (one row per form, by hash), so every node sees it.
 */
export async function submitOnce(kardia: Kardia, formId: string | undefined): Promise<void> {
  if (!formId || !/^[\w-]{24}$/.test(formId)) {
    throw new PageError(400, 'This form could not be read', 'Please open the page again.', {
      detail: 'form id missing or malformed',
    });
  }
  const now = nowSeconds();
  const db = kardia.store.db;
  await db
    .deleteFrom('rate_limits')
    .where('bucket', 'like', 'form:%')
    .where('window_start', '<', now - REMEMBER_SECONDS)
    .execute();
  const result = await db
    .insertInto('rate_limits')
    .values({ bucket: `form:${sha256(formId)}`, count: 1, window_start: now })
    .onConflict((oc) => oc.column('bucket').doNothing())
    .executeTakeFirst();
  if (Number(result.numInsertedOrUpdatedRows ?? 0) !== 1) {
    throw new PageError(
      409,
      'This was sent already',
      'The form was submitted twice; the first submission counted and nothing more was changed.',
      { detail: 'duplicate form submission' },
    );
  }
}

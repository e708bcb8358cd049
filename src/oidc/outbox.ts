import type { Kardia } from '../server/context.js';
import type { OutboxTable } from '../store/tables.js';
import { randomToken } from '../util/random.js';
import { nowSeconds } from '../util/time.js';

/**
 * Mail Kardia would send. No mail server is assumed: messages are written here and an operator
 * reads them with `kardia outbox` (and forwards them by whatever means the deployment has).
 */
export async function writeToOutbox(
  kardia: Kardia,
  message: { recipient: string; subject: string; body: string },
): Promise<OutboxTable> {
  const row = { id: randomToken(12), ...message, created_at: nowSeconds() };
  await kardia.store.db.insertInto('outbox').values(row).execute();
  return row;
}

/** The newest messages first, optionally only those to one recipient. */
export async function readOutbox(
  kardia: Kardia,
  options: { recipient?: string | undefined; limit?: number } = {},
): Promise<OutboxTable[]> {
  let query = kardia.store.db.selectFrom('outbox').selectAll();
  if (options.recipient) query = query.where('recipient', '=', options.recipient.toLowerCase());
  return query
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(options.limit ?? 50)
    .execute();
}

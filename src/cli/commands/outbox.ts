import type { Command } from 'commander';
import { findUserByUsername } from '../../account/users.js';
import { EmailVerificationError, sendEmailVerification } from '../../oidc/email-verification.js';
import { readOutbox } from '../../oidc/outbox.js';
import { CliError, printData, withKardia } from '../output.js';

/**
 * `kardia outbox`: the mail Kardia would have sent (no mail server is assumed), newest first;
 * `kardia outbox verify-email <username>` writes a fresh verification link for an account.
 */
export function registerOutboxCommands(program: Command): void {
  const outbox = program
    .command('outbox')
    .description('read the mail Kardia would send (email verification links)')
    .option('--to <email>', 'only messages to this address')
    .option('--limit <n>', 'at most this many messages', '20')
    .option('--json', 'print the messages as JSON')
    .action(async (options: OutboxOptions, command: Command) => {
      const limit = Number.parseInt(options.limit ?? '20', 10);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        throw new CliError('--limit must be a whole number from 1 to 1000');
      }
      const messages = await withKardia(command, (kardia) =>
        readOutbox(kardia, { recipient: options.to, limit }),
      );
      const data = messages.map((m) => ({
        id: m.id,
        to: m.recipient,
        subject: m.subject,
        created_at: new Date(m.created_at * 1000).toISOString(),
        body: m.body,
      }));
      printData(data, Boolean(options.json), () =>
        data.length === 0
          ? 'the outbox is empty'
          : data
              .map((m) => `To: ${m.to}\nSubject: ${m.subject}\nDate: ${m.created_at}\n\n${m.body}`)
              .join('\n----\n'),
      );
    });

  outbox
    .command('verify-email <username>')
    .description("write a verification link for the account's email address to the outbox")
    .option('--json', 'print the result as JSON')
    .action(async (username: string, options: { json?: boolean }, command: Command) => {
      const link = await withKardia(command, async (kardia) => {
        const user = await findUserByUsername(kardia, username);
        if (!user) throw new CliError(`no account named ${username}`);
        return sendEmailVerification(kardia, user.sub).catch((error: unknown) => {
          throw error instanceof EmailVerificationError ? new CliError(error.message) : error;
        });
      });
      printData({ sent: true, username }, Boolean(options.json), () =>
        link ? `verification link for ${username} written to the outbox` : '',
      );
    });
}

interface OutboxOptions {
  to?: string;
  limit?: string;
  json?: boolean;
}

import type { Command } from 'commander';
import { createUser, UserError } from '../../account/users.js';
import { CliError, printData, readStdin, withKardia } from '../output.js';

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('manage accounts');
  user
    .command('add <username>')
    .description("create an account; prints the user's sub")
    .requiredOption('--password-stdin', 'read the password from standard input')
    .option('--email <email>', 'email address (verified, since an administrator vouches for it)')
    .option('--name <name>', 'display name')
    .option('--json', 'print the account as JSON')
    .action(async (username: string, options: UserOptions, command: Command) => {
      const password = (await readStdin()).replace(/\r?\n$/, '');
      const created = await withKardia(command, (kardia) =>
        createUser(kardia, {
          username,
          password,
          email: options.email,
          name: options.name,
          emailVerified: Boolean(options.email),
        }).catch((error: unknown) => {
          throw error instanceof UserError ? new CliError(error.message) : error;
        }),
      );
      const { sub, username: name, email, email_verified } = created;
      printData(
        { sub, username: name, email, email_verified: email_verified === 1 },
        !!options.json,
        () => sub,
      );
    });
}

interface UserOptions {
  email?: string;
  name?: string;
  json?: boolean;
}

import { Command, CommanderError } from 'commander';
import { SettingsError } from '../config/settings.js';
import { registerClientCommands } from './commands/client.js';
import { registerFhirCommands } from './commands/fhir.js';
import { registerKeyCommands } from './commands/keys.js';
import { registerMigrate } from './commands/migrate.js';
import { registerOutboxCommands } from './commands/outbox.js';
import { registerServe } from './commands/serve.js';
import { registerUserCommands } from './commands/user.js';
import { CliError } from './output.js';

const program = new Command('kardia')
  .description('HEART OAuth 2.0, OpenID Connect, UMA 2.0 and FHIR R4 in one server')
  .option('--database-url <url>', 'sqlite:<path> or postgres://... (KARDIA_DATABASE_URL)')
  .option('--issuer <url>', 'public base URL (KARDIA_ISSUER)')
  .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (KARDIA_LOG_LEVEL)')
  .showHelpAfterError()
  .exitOverride();

registerServe(program);
registerMigrate(program);
registerUserCommands(program);
registerClientCommands(program);
registerKeyCommands(program);
registerOutboxCommands(program);
registerFhirCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  const message =
    error instanceof CliError || error instanceof SettingsError
      ? error.message
      : `unexpected failure: ${error instanceof Error ? error.message : String(error)}`;
  console.error(`kardia: ${message}`);
  process.exit(1);
}

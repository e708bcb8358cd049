import type { Command } from 'commander';
import { checkIssuer } from '../../config/settings.js';
import { prepareDemo } from '../../demo/start.js';
import { buildServer, createKardia } from '../../server/app.js';
import { describeDatabase } from '../../store/database.js';
import { settingsFrom } from '../output.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the authorization server, the FHIR server and the dashboard')
    .option('--roles <roles>', 'as, rs, or as,rs (KARDIA_ROLES)')
    .option('--as <issuer-url>', 'with --roles rs: the Kardia AS to trust (KARDIA_AS)')
    .option('--port <port>', 'port (KARDIA_PORT, default 8080)')
    .option('--host <host>', 'address to bind (KARDIA_HOST, default 127.0.0.1)')
    .action(async (options: ServeOptions, command: Command) => {
      const settings = settingsFrom(command, options);
      const kardia = await createKardia(settings);
      const warning = checkIssuer(settings.issuer);
      if (warning) kardia.log.warn(warning);
      const demo = await prepareDemo(kardia);
      const app = await buildServer(kardia);
      const stop = async () => {
        await app.close();
        await kardia.store.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await app.listen({ port: settings.port, host: settings.host });
      kardia.log.info(
        {
          issuer: settings.issuer,
          roles: settings.roles,
          database: describeDatabase(settings.databaseUrl),
        },
        'kardia is serving',
      );
      await demo?.afterListen();
      demo?.announce();
    });
}

interface ServeOptions {
  roles?: string;
  as?: string;
  port?: string;
  host?: string;
}

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Client } from '../../oauth/clients.js';
import { OAuthError } from '../../oauth/errors.js';
import {
  addResourceServer,
  addStaticClient,
  STATIC_GRANTS,
  type StaticGrant,
} from '../../oauth/static-registration.js';
import { CliError, printData, withKardia } from '../output.js';

function readJwks(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    throw new CliError(`cannot read a JWK Set from ${file}: ${(error as Error).message}`);
  }
}

const asCliError = (error: unknown) => {
  throw error instanceof OAuthError ? new CliError(error.description) : error;
};

const describe = (client: Client) => ({
  client_id: client.clientId,
  ...client.metadata,
  registration: client.registration,
});

export function registerClientCommands(program: Command): void {
  const client = program.command('client').description('register OAuth clients (static)');
  client
    .command('add')
    .description('register a client by hand; the only way to a client_credentials client')
    .requiredOption('--name <name>', 'client name shown to users')
    .requiredOption('--grant <grant>', `one of ${STATIC_GRANTS.join(', ')}`)
    .requiredOption('--jwks-file <file>', "a JSON file holding the client's public JWK Set")
    .option('--scope <scope>', 'space-separated scopes the client may obtain')
    .option('--redirect-uri <uri...>', 'with --grant authorization_code: redirect URIs')
    .option('--refresh', 'with --grant authorization_code: also allow refresh tokens')
    .option('--json', 'print the client as JSON (the default)', true)
    .action(async (options: ClientOptions, command: Command) => {
      if (!STATIC_GRANTS.includes(options.grant as StaticGrant)) {
        throw new CliError(`--grant must be one of ${STATIC_GRANTS.join(', ')}`);
      }
      const jwks = readJwks(options.jwksFile);
      const saved = await withKardia(command, (kardia) =>
        addStaticClient(kardia, {
          name: options.name,
          grant: options.grant as StaticGrant,
          jwks,
          scope: options.scope,
          redirectUris: options.redirectUri,
          refresh: options.refresh,
        }).catch(asCliError),
      );
      printData(describe(saved), true, () => '');
    });

  program
    .command('resource-server')
    .description('register protected resources')
    .command('add')
    .description('register a protected resource that may introspect tokens')
    .requiredOption('--name <name>', 'name of the protected resource')
    .requiredOption('--jwks-file <file>', 'a JSON file holding its public JWK Set')
    .option('--resource <url>', 'its identifier (base URL), added to the aud of access tokens')
    .option('--json', 'print the registration as JSON (the default)', true)
    .action(async (options: ResourceOptions, command: Command) => {
      const jwks = readJwks(options.jwksFile);
      const saved = await withKardia(command, (kardia) =>
        addResourceServer(kardia, { name: options.name, jwks, resource: options.resource }).catch(
          asCliError,
        ),
      );
      printData(describe(saved), true, () => '');
    });
}

interface ClientOptions {
  name: string;
  grant: string;
  jwksFile: string;
  scope?: string;
  redirectUri?: string[];
  refresh?: boolean;
  json?: boolean;
}

interface ResourceOptions {
  name: string;
  jwksFile: string;
  resource?: string;
  json?: boolean;
}

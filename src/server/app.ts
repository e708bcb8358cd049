import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { checkIssuer, type Settings } from '../config/settings.js';
import { registerAccountPages } from '../account/pages.js';
import { accessFor, registerAccess, registerLaunchContext } from '../access/feature.js';
import { fhirFeature } from '../fhir/feature.js';
import { KeyStore } from '../keys/keystore.js';
import { registerAuthorize } from '../oauth/endpoints/authorize.js';
import { registerClientConfiguration } from '../oauth/endpoints/client-configuration.js';
import { registerDiscovery } from '../oauth/endpoints/discovery.js';
import { registerIntrospection } from '../oauth/endpoints/introspect.js';
import { registerRegistration } from '../oauth/endpoints/register.js';
import { registerRevocation } from '../oauth/endpoints/revoke.js';
import { registerTokenEndpoint } from '../oauth/endpoints/token.js';
import { registerOpenIdProvider } from '../oidc/provider.js';
import { registerUma } from '../uma/feature.js';
import { registerPurge } from '../oauth/purge.js';
import { openStore, type Store } from '../store/database.js';
import { migrateToLatest } from '../store/migrate.js';
import { type Kardia, serverUrls } from './context.js';
import { installOAuthErrorHandling, rejectUnroutable } from './errors.js';
import { installFormParser } from './forms.js';
import { createLogger } from './logger.js';
import { installSecurityHeaders } from './security-headers.js';
import { tlsOptions } from './tls.js';

export interface CreateOptions {
  /** An already opened store (tests share one); otherwise `settings.databaseUrl` is opened. */
  store?: Store;
  logger?: Logger;
  /** Run migrations before serving (the default; `kardia migrate` does it on its own). */
  migrate?: boolean;
}

/** Opens storage, migrates and loads keys: everything a server or a CLI command starts from. */
export async function createKardia(
  settings: Settings,
  options: CreateOptions = {},
): Promise<Kardia> {
  const log = options.logger ?? createLogger(settings.logLevel);
  // Refuses a plain-http issuer outside localhost; `kardia serve` prints the warning for localhost.
  checkIssuer(settings.issuer);
  const store = options.store ?? openStore(settings.databaseUrl);
  if (options.migrate !== false) await migrateToLatest(store);
  const keys = new KeyStore(store);
  if (settings.roles.includes('as')) await keys.init();
  return { settings, store, keys, log, urls: serverUrls(settings.issuer) };
}

/** Assembles the HTTP server for the roles this process plays. */
export async function buildServer(kardia: Kardia): Promise<FastifyInstance> {
  const options = {
    loggerInstance: kardia.log as FastifyBaseLogger,
    trustProxy: false,
    bodyLimit: 1_048_576,
    routerOptions: { maxParamLength: 500 },
    genReqId: () => crypto.randomUUID(),
    frameworkErrors: rejectUnroutable,
  };
  const https = tlsOptions(kardia.settings);
  // An HTTPS fastify differs from an HTTP one only in its raw server type; routes see the same.
  const app = https
    ? (Fastify({ ...options, https }) as unknown as FastifyInstance)
    : Fastify(options);
  installFormParser(app);
  installSecurityHeaders(app);
  installOAuthErrorHandling(app);

  for (const feature of features) {
    if (feature.roles.some((role) => kardia.settings.roles.includes(role))) {
      await feature.register(app, kardia);
    }
  }
  return app;
}

interface Feature {
  name: string;
  roles: string[];
  register(app: FastifyInstance, kardia: Kardia): void | Promise<void>;
}

/** Each protocol area adds its routes here, in one visible list. */
const features: Feature[] = [
  { name: 'discovery', roles: ['as'], register: registerDiscovery },
  { name: 'registration', roles: ['as'], register: registerRegistration },
  { name: 'client-configuration', roles: ['as'], register: registerClientConfiguration },
  { name: 'token endpoint', roles: ['as'], register: registerTokenEndpoint },
  { name: 'introspection', roles: ['as'], register: registerIntrospection },
  { name: 'revocation', roles: ['as'], register: registerRevocation },
  { name: 'purge of expired rows', roles: ['as'], register: registerPurge },
  { name: 'account pages', roles: ['as'], register: registerAccountPages },
  { name: 'authorization endpoint', roles: ['as'], register: registerAuthorize },
  { name: 'OpenID provider', roles: ['as'], register: registerOpenIdProvider },
  { name: 'launch context', roles: ['as'], register: registerLaunchContext },
  { name: 'UMA authorization server', roles: ['as'], register: registerUma },
  { name: 'access enforcement', roles: ['rs'], register: registerAccess },
  {
    name: 'FHIR server',
    roles: ['rs'],
    register: fhirFeature({
      accessControl: async (kardia) => (await accessFor(kardia)).control,
      securityDescription: async (kardia) => (await accessFor(kardia)).uma?.description,
    }),
  },
];

import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { loadSettings, type SettingsInput } from '../../src/config/settings.js';
import { buildServer, createKardia } from '../../src/server/app.js';
import type { Kardia } from '../../src/server/context.js';
import { createLogger } from '../../src/server/logger.js';
import { openStore } from '../../src/store/database.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface TestServer {
  /** The issuer: http://localhost:<port>, a real socket. */
  url: string;
  kardia: Kardia;
  app: FastifyInstance;
  database: TestDatabase;
  /** Every log line the server wrote, for the tests that check what logs hold. */
  logs: string[];
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Starts a real Kardia on a free port with a database of its own. `options.database` lets two
 * servers share one database (the multi-node tests).
 */
export async function startKardia(
  overrides: Partial<SettingsInput> = {},
  options: { database?: TestDatabase } = {},
): Promise<TestServer> {
  const database = options.database ?? (await createTestDatabase());
  const port = await freePort();
  const scheme = overrides.tlsCertFile ? 'https' : 'http';
  const url = `${scheme}://localhost:${port}`;
  const settings = loadSettings(
    {
      issuer: url,
      port,
      databaseUrl: database.url,
      logLevel: 'info',
      allowLoopbackFetch: true,
      ...overrides,
    },
    {},
  );
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const kardia = await createKardia(settings, {
    store: openStore(database.url),
    logger: createLogger(settings.logLevel, sink),
  });
  const app = await buildServer(kardia);
  await app.listen({ port, host: '127.0.0.1' });
  return {
    url,
    kardia,
    app,
    database,
    logs,
    close: async () => {
      await app.close();
      await kardia.store.close();
      if (!options.database) await database.drop();
    },
  };
}

/**
 * The benchmark's "no authorization" peer: the same Kardia FHIR server on the same database,
 * with the router's access control removed, so a ratio shows what token enforcement costs.
 * Never a deployment mode: only this script opens the router.
 */
import { loadSettings } from '../src/config/settings.js';
import { fhirRouterOf } from '../src/fhir/feature.js';
import { buildServer, createKardia } from '../src/server/app.js';
import { createLogger } from '../src/server/logger.js';

const settings = loadSettings({ logLevel: 'warn' });
const kardia = await createKardia(settings, { logger: createLogger('warn', process.stderr) });
const app = await buildServer(kardia);
fhirRouterOf(kardia)?.setAccessControl(undefined);
await app.listen({ port: settings.port, host: '127.0.0.1' });
process.send?.('ready');

/**
 * Benchmark set-up for the FHIR paths, run once as its own process: imports generated demo
 * records for an owner through the import path (reporting the rate), picks an Observation, and
 * mints an owner-scoped access token with the AS's own key and token code, as /token would.
 * Prints one JSON line.
 */
import { loadSettings } from '../src/config/settings.js';
import { measureImportRate } from '../src/fhir/import/bench.js';
import { issueToken } from '../src/oauth/tokens.js';
import { createKardia } from '../src/server/app.js';
import { createLogger } from '../src/server/logger.js';

const [ownerSub, clientId, recordsText] = process.argv.slice(2);
const kardia = await createKardia(loadSettings(), { logger: createLogger('warn', process.stderr) });
const rate = await measureImportRate(kardia, {
  records: Number(recordsText ?? 2),
  ownerSub: ownerSub ?? '',
});
const observation = await kardia.store.db
  .selectFrom('fhir_resources')
  .select('id')
  .where('resource_type', '=', 'Observation')
  .limit(1)
  .executeTakeFirstOrThrow();
const patient = await kardia.store.db
  .selectFrom('fhir_resources')
  .select('id')
  .where('resource_type', '=', 'Patient')
  .limit(1)
  .executeTakeFirstOrThrow();
const token = await issueToken(kardia, {
  kind: 'access',
  clientId: clientId ?? '',
  sub: ownerSub ?? '',
  scope: 'user/*.read',
  ttl: 3600,
});
await kardia.store.close();
console.log(
  JSON.stringify({
    rate,
    observationId: observation.id,
    patientId: patient.id,
    token: token.token,
  }),
);

/**
 * Benchmark set-up for resident memory, run once as its own process on a SQLite database of its
 * own: imports one generated demo record through the import path, then copies it in SQL until the
 * database holds `resources` resources, each copy a person of its own (its own Patient, owner,
 * compartment and references), so reads and searches meet a database of that size. Mints one
 * owner-scoped token per sampled copy with the AS's own token code, as /token would. Prints one
 * JSON line.
 *
 * The copies get the tables a read or a patient search consults (current resources,
 * compartments, labels, owners, the reference index); version history and the other search
 * indexes stay with the imported original, which keeps the set-up to a minute.
 */
import SQLite from 'better-sqlite3';
import { loadSettings } from '../src/config/settings.js';
import { measureImportRate } from '../src/fhir/import/bench.js';
import { issueToken } from '../src/oauth/tokens.js';
import { createKardia } from '../src/server/app.js';
import { createLogger } from '../src/server/logger.js';

const [clientId, resourcesText, sampleText] = process.argv.slice(2);
const wanted = Number(resourcesText ?? 1_000_000);
const sampled = Number(sampleText ?? 50);

const settings = loadSettings();
const file = settings.databaseUrl.replace(/^sqlite:/, '');
const kardia = await createKardia(settings, { logger: createLogger('warn', process.stderr) });
await measureImportRate(kardia, { records: 1, ownerSub: 'memory-owner-0' });
const seed = await kardia.store.db
  .selectFrom('fhir_resources')
  .select(['resource_type', 'id'])
  .execute();
const patient = seed.find((r) => r.resource_type === 'Patient')?.id ?? '';
const copies = Math.max(1, Math.ceil(wanted / seed.length) - 1);

const db = new SQLite(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = OFF');
const started = Date.now();
db.transaction(() => {
  db.exec(`create temp table copies (n integer primary key)`);
  db.prepare(
    `insert into copies (n) with recursive k(n) as (select 1 union all select n + 1 from k
     where n < ?) select n from k`,
  ).run(copies);
  // A copy's ids are the original's with '-c<n>'; its JSON carries its own id. Each statement
  // reads only the originals of its table: SQLite reads the whole source before inserting into
  // the same table.
  db.exec(`insert into fhir_resources (resource_type, id, version, last_updated, deleted, content)
    select r.resource_type, r.id || '-c' || k.n, r.version, r.last_updated, r.deleted,
      json_set(r.content, '$.id', r.id || '-c' || k.n)
    from fhir_resources r, copies k`);
  db.exec(`insert into fhir_compartments (resource_type, id, patient_id)
    select c.resource_type, c.id || '-c' || k.n, c.patient_id || '-c' || k.n
    from fhir_compartments c, copies k`);
  db.exec(`insert into fhir_security_labels (resource_type, id, label)
    select l.resource_type, l.id || '-c' || k.n, l.label
    from fhir_security_labels l, copies k`);
  db.exec(`insert into fhir_reference_index (resource_type, id, param, target_type, target_id, url)
    select x.resource_type, x.id || '-c' || k.n, x.param, x.target_type,
      case when x.target_id is null then null else x.target_id || '-c' || k.n end, x.url
    from fhir_reference_index x, copies k`);
  db.prepare(
    `insert into fhir_patient_owners (patient_id, owner_sub, created_at)
     select ? || '-c' || k.n, 'memory-owner-' || k.n, 0 from copies k`,
  ).run(patient);
})();
const total = (db.prepare('select count(*) as n from fhir_resources').get() as { n: number }).n;
const buildSeconds = (Date.now() - started) / 1000;
db.close();

// Sampled copies spread over the whole database, each read by its own owner's token.
const observation = seed.find((r) => r.resource_type === 'Observation')?.id ?? '';
const readers = [];
for (let i = 0; i < sampled; i++) {
  const n = 1 + Math.floor((i * copies) / sampled);
  const { token } = await issueToken(kardia, {
    kind: 'access',
    clientId: clientId ?? '',
    sub: `memory-owner-${n}`,
    scope: 'user/*.read',
    ttl: 3600,
  });
  readers.push({ token, patient: `${patient}-c${n}`, observation: `${observation}-c${n}` });
}
await kardia.store.close();
console.log(JSON.stringify({ total, buildSeconds, readers }));

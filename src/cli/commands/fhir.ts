import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { findUserByUsername } from '../../account/users.js';
import { bundleToNdjson } from '../../fhir/demo/ndjson.js';
import { DemoOptionsError, generateDemoRecord } from '../../fhir/demo/generate.js';
import { ImportError } from '../../fhir/import/errors.js';
import { importFile } from '../../fhir/import/run.js';
import { progressBar, progressCounter } from '../../fhir/import/progress.js';
import { CliError, printData, withKardia } from '../output.js';

export function registerFhirCommands(program: Command): void {
  const fhir = program.command('fhir').description('load FHIR data into records');
  fhir
    .command('import <file>')
    .description('load a FHIR Bundle (transaction, batch, collection) or NDJSON file into a record')
    .requiredOption('--owner <username>', 'the account that owns the imported Patient records')
    .option('--batch-size <n>', 'resources per database transaction', '500')
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, options: ImportOptions, command: Command) => {
      const batchSize = Number(options.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
        throw new CliError('--batch-size must be a whole number from 1 to 10000');
      }
      const summary = await withKardia(command, async (kardia) => {
        const owner = await findUserByUsername(kardia, options.owner);
        if (!owner) throw new CliError(`no account named ${options.owner}`);
        return importFile(kardia, file, {
          ownerSub: owner.sub,
          batchSize,
          reading: () => progressCounter(process.stderr, 'checking'),
          progress: (total) => progressBar(process.stderr, total),
        }).catch((error: unknown) => {
          throw error instanceof ImportError
            ? new CliError(`import failed: ${error.message}`)
            : error;
        });
      });
      printData(summary, Boolean(options.json), () => {
        const types = Object.entries(summary.byType)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([type, count]) => `  ${type.padEnd(22)} ${count}`);
        return [
          `imported ${summary.resources} resources for ${options.owner} ` +
            `in ${summary.seconds.toFixed(1)} s (${Math.round(summary.rate)} resources/s, ` +
            `${summary.batches} batches)`,
          ...types,
          `patients: ${summary.patients.map((id) => `Patient/${id}`).join(', ') || 'none'}`,
        ].join('\n');
      });
    });

  fhir
    .command('demo')
    .description('write the synthetic demo record (a transaction Bundle, or NDJSON)')
    .option('--out <file>', 'write to this file instead of standard output')
    .option('--ndjson', 'one resource per line instead of a transaction Bundle')
    .option('--seed <seed>', 'the same seed gives the same record', 'kardia-demo')
    .option('--as-of <date>', "the record's last day, YYYY-MM-DD (default: today)")
    .option('--years <n>', 'years of history', '6')
    .option('--given <name>', "the patient's given name")
    .option('--family <name>', "the patient's family name")
    .action((options: DemoCommandOptions) => {
      let bundle;
      try {
        bundle = generateDemoRecord({
          seed: options.seed,
          asOf: options.asOf,
          years: Number(options.years),
          given: options.given,
          family: options.family,
        });
      } catch (error) {
        if (error instanceof DemoOptionsError) throw new CliError(error.message);
        throw error;
      }
      const text = options.ndjson ? bundleToNdjson(bundle) : `${JSON.stringify(bundle, null, 2)}\n`;
      if (!options.out) {
        process.stdout.write(text);
        return;
      }
      try {
        writeFileSync(options.out, text);
      } catch (error) {
        throw new CliError(`cannot write ${options.out}: ${(error as Error).message}`);
      }
      console.error(`wrote ${bundle.entry?.length ?? 0} resources to ${options.out}`);
    });
}

interface ImportOptions {
  owner: string;
  batchSize: string;
  json?: boolean;
}

interface DemoCommandOptions {
  out?: string;
  ndjson?: boolean;
  seed: string;
  asOf?: string;
  years: string;
  given?: string;
  family?: string;
}

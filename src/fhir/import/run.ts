import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { Kardia } from '../../server/context.js';
import { FhirError } from '../outcome.js';
import { FhirRepository } from '../repository/repository.js';
import { ImportError } from './errors.js';
import {
  type BatchWriter,
  type ImportBatch,
  type ImportOptions,
  type ImportSummary,
  importRecords,
} from './import.js';
import { bundleSource, fileSource, type ImportSource } from './source.js';

/**
 * Writes each batch through the FHIR repository in one database transaction. Every resource is
 * created with the id the import gave it, and `owner` claims the Patient compartments it lands
 * in for the account; a compartment that belongs to another account fails the batch (422).
 */
export function repositoryWriter(repo: FhirRepository): BatchWriter {
  return {
    async writeBatch(batch: ImportBatch) {
      await repo.atomically(async (trx) => {
        for (const [index, resource] of batch.resources.entries()) {
          await createOne(trx, resource, batch.ownerSub, batch.positions[index]);
        }
      });
    },
  };
}

async function createOne(
  repo: FhirRepository,
  resource: Resource,
  owner: string,
  position: string | undefined,
): Promise<void> {
  try {
    await repo.create(resource, { owner, assignedId: resource.id });
  } catch (error) {
    if (!(error instanceof FhirError)) throw error;
    const issue = error.outcome.issue[0];
    const where = issue?.expression?.[0];
    const text = issue?.diagnostics ?? 'refused';
    throw new ImportError(`${where ? `${where}: ` : ''}${text}`, position);
  }
}

function run(kardia: Kardia, source: ImportSource, options: ImportOptions) {
  const repo = new FhirRepository(kardia.store, kardia.urls.fhir);
  return importRecords(source, repositoryWriter(repo), options);
}

/** `kardia fhir import <file>`: a Bundle or NDJSON file into one account's record. */
export async function importFile(
  kardia: Kardia,
  path: string,
  options: ImportOptions,
): Promise<ImportSummary> {
  return run(kardia, await fileSource(path), options);
}

/** A Bundle in memory (the demo seeding, the benchmark) into one account's record. */
export function importBundle(
  kardia: Kardia,
  bundle: Bundle,
  options: ImportOptions,
): Promise<ImportSummary> {
  return run(kardia, bundleSource(bundle), options);
}

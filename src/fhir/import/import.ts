import type { Resource } from '@medplum/fhirtypes';
import { FhirError } from '../outcome.js';
import { validateFhirResource } from '../validate.js';
import { ImportError } from './errors.js';
import type { Progress } from './progress.js';
import { IdentityMap, type Placement } from './references.js';
import type { ImportSource, InputItem } from './source.js';

/**
 * Writes one batch of resources atomically: all of them, with every Patient among them owned by
 * `ownerSub`, or none of them.
 */
export interface BatchWriter {
  writeBatch(batch: ImportBatch): Promise<void>;
}

export interface ImportBatch {
  resources: Resource[];
  /** Where each resource came from, in the same order, for error messages. */
  positions: string[];
  ownerSub: string;
  /** Ids (new) of every Patient in the whole input, so a batch may refer to earlier ones. */
  inputPatients: ReadonlySet<string>;
}

export interface ImportOptions {
  ownerSub: string;
  /** Resources per database transaction. */
  batchSize?: number;
  /** Progress of pass two, writing `total` resources. */
  progress?: (total: number) => Progress;
  /** Progress of pass one, reading and checking the input. */
  reading?: () => Progress;
}

export interface ImportSummary {
  format: 'bundle' | 'ndjson';
  resources: number;
  byType: Record<string, number>;
  /** The new ids of the imported Patients, now owned by the account. */
  patients: string[];
  batches: number;
  seconds: number;
  /** Resources per second, over the whole import (both passes). */
  rate: number;
}

export const DEFAULT_BATCH_SIZE = 500;

/**
 * Loads a Bundle or NDJSON input into one account's record, in two passes over the input.
 *
 * Pass one reads everything, checks each resource against the R4 definitions, gives it a new id
 * and learns every name it is referred to by. Nothing is written in pass one, so a malformed or
 * invalid input anywhere writes nothing at all.
 * Pass two rewrites the references and writes batches of `batchSize` resources, one database
 * transaction each. Should a batch still fail (a storage error, or data that points into someone
 * else's record), that batch leaves no trace, the batches before it stay, and the error names
 * the entry or line at fault.
 * The price of that guarantee: each resource is validated twice, here and again by the
 * repository as it stores it (about a third of the import's time).
 */
export async function importRecords(
  source: ImportSource,
  writer: BatchWriter,
  options: ImportOptions,
): Promise<ImportSummary> {
  const started = performance.now();
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new ImportError('batch size must be 1 or more');

  const identities = new IdentityMap();
  const placements: Placement[] = [];
  const byType: Record<string, number> = {};
  const reading = options.reading?.();
  try {
    for await (const item of source.items()) {
      const placement = identities.place(item);
      check(item);
      placements.push(placement);
      byType[placement.type] = (byType[placement.type] ?? 0) + 1;
      reading?.update(placements.length);
    }
  } finally {
    reading?.finish();
  }
  if (placements.length === 0) throw new ImportError('the input holds no resources');
  const inputPatients = new Set(placements.filter((p) => p.type === 'Patient').map((p) => p.id));

  const progress = options.progress?.(placements.length);
  let written = 0;
  let batches = 0;
  let batch: ImportBatch = emptyBatch(options.ownerSub, inputPatients);
  const flush = async () => {
    if (batch.resources.length === 0) return;
    await writer.writeBatch(batch);
    written += batch.resources.length;
    batches += 1;
    progress?.update(written);
    batch = emptyBatch(options.ownerSub, inputPatients);
  };
  try {
    let index = 0;
    for await (const item of source.items()) {
      const placement = placements[index];
      index += 1;
      if (!placement || placement.type !== item.resource.resourceType) {
        throw new ImportError('the input changed while it was imported', item.position);
      }
      batch.resources.push(identities.rewrite(item, placement) as unknown as Resource);
      batch.positions.push(item.position);
      if (batch.resources.length >= batchSize) await flush();
    }
    await flush();
  } catch (error) {
    throw written > 0 && error instanceof ImportError
      ? new ImportError(`${error.message} (${written} resources of earlier batches were imported)`)
      : error;
  } finally {
    progress?.finish();
  }

  const seconds = (performance.now() - started) / 1000;
  return {
    format: source.format,
    resources: written,
    byType,
    patients: [...inputPatients],
    batches,
    seconds,
    rate: written / Math.max(seconds, 0.001),
  };
}

const emptyBatch = (ownerSub: string, inputPatients: ReadonlySet<string>): ImportBatch => ({
  resources: [],
  positions: [],
  ownerSub,
  inputPatients,
});

/** The core's R4 validation (FHIR-7), reported against the entry or line. */
function check(item: InputItem): void {
  try {
    validateFhirResource(item.resource);
  } catch (error) {
    if (!(error instanceof FhirError)) throw error;
    const issue = error.outcome.issue[0];
    const where = issue?.expression?.[0];
    const text = issue?.diagnostics ?? 'invalid resource';
    throw new ImportError(`${where ? `${where}: ` : ''}${text}`, item.position);
  }
}

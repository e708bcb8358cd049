import type { Kardia } from '../../server/context.js';
import { generateDemoRecord } from '../demo/generate.js';
import { importBundle } from './run.js';

export interface ImportRate {
  records: number;
  resources: number;
  /** Import time only: generating the records is not counted. */
  seconds: number;
  resourcesPerSecond: number;
}

/**
 * For `npm run bench`: imports `records` generated demo records (a different person each,
 * seeds `bench-0`, `bench-1`, ...) through the same path as `kardia fhir import`, and reports
 * the rate. `ownerSub` need not be an account: ownership rows are the FHIR server's own.
 */
export async function measureImportRate(
  kardia: Kardia,
  options: { records?: number; ownerSub?: string; years?: number; batchSize?: number } = {},
): Promise<ImportRate> {
  const records = options.records ?? 1;
  let resources = 0;
  let seconds = 0;
  for (let i = 0; i < records; i += 1) {
    const bundle = generateDemoRecord({ seed: `bench-${i}`, years: options.years ?? 6 });
    const summary = await importBundle(kardia, bundle, {
      ownerSub: options.ownerSub ?? `bench-owner-${i}`,
      batchSize: options.batchSize,
    });
    resources += summary.resources;
    seconds += summary.seconds;
  }
  return { records, resources, seconds, resourcesPerSecond: resources / Math.max(seconds, 0.001) };
}

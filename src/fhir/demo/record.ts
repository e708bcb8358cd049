import type {
  Bundle,
  BundleEntry,
  Encounter,
  Organization,
  Patient,
  Practitioner,
  Reference,
  Resource,
} from '@medplum/fhirtypes';
import { SeededRandom } from './random.js';

/** One visit on the demo timeline; every clinical module hangs its findings on visits. */
export interface Visit {
  kind: 'check-up' | 'follow-up' | 'acute' | 'psychotherapy' | 'emergency';
  start: Date;
  end: Date;
  encounter: Reference<Encounter>;
}

/**
 * The record being built: a seeded random source, the anchor references, and the entries in
 * the order they are added. Every entry gets a `urn:uuid:` full URL drawn from the seed.
 */
export class DemoRecord {
  readonly rng: SeededRandom;
  readonly entries: BundleEntry[] = [];
  patient: Reference<Patient> = { reference: '' };
  practitioner: Reference<Practitioner> = { reference: '' };
  organization: Reference<Organization> = { reference: '' };
  visits: Visit[] = [];

  constructor(
    seed: string,
    /** The last day of the record: nothing is dated after it. */
    readonly asOf: Date,
    /** The first day of the generated history. */
    readonly since: Date,
  ) {
    this.rng = new SeededRandom(seed);
  }

  /** Adds a resource as a transaction `POST` entry and answers a reference to it. */
  add<T extends Resource>(resource: T, display?: string): Reference<T> {
    const fullUrl = `urn:uuid:${this.rng.uuid()}`;
    this.entries.push({
      fullUrl,
      resource,
      request: { method: 'POST', url: resource.resourceType },
    });
    return display ? { reference: fullUrl, display } : { reference: fullUrl };
  }

  bundle(): Bundle {
    return { resourceType: 'Bundle', type: 'transaction', entry: this.entries };
  }
}

const DAY = 86_400_000;

export const addDays = (date: Date, days: number): Date => new Date(date.getTime() + days * DAY);

/** Whole-second UTC instants, as FHIR `dateTime` and `instant` values. */
export const dateTime = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

export const day = (date: Date): string => date.toISOString().slice(0, 10);

/** A time of day during office hours, so visits look like visits. */
export function atOfficeHours(record: DemoRecord, date: Date): Date {
  const midnight = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  const minutes = record.rng.int(8 * 4, 16 * 4) * 15;
  return new Date(midnight + minutes * 60_000);
}

export const round = (value: number, decimals: number): number => {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
};

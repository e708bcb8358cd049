import type { AllergyIntolerance } from '@medplum/fhirtypes';
import { addDays, dateTime, type DemoRecord } from './record.js';
import { ALLERGENS, code, concept, SYSTEM } from './terminology.js';

const ACTIVE = code(SYSTEM.allergyClinical, 'active', 'Active');
const CONFIRMED = code(SYSTEM.allergyVerification, 'confirmed', 'Confirmed');

/** A drug allergy found in childhood and a food allergy: both safety-critical. */
export function addAllergies(record: DemoRecord): void {
  const frame = {
    resourceType: 'AllergyIntolerance',
    clinicalStatus: concept(ACTIVE, undefined),
    verificationStatus: concept(CONFIRMED, undefined),
    type: 'allergy',
    patient: record.patient,
    recorder: record.practitioner,
    recordedDate: dateTime(addDays(record.since, record.rng.int(5, 40))),
  } as const;
  const penicillin: AllergyIntolerance = {
    ...frame,
    category: ['medication'],
    criticality: 'high',
    code: concept(ALLERGENS.penicillin),
    onsetString: 'childhood',
    reaction: [
      { manifestation: [concept(ALLERGENS.hives)], severity: 'moderate', description: 'Hives' },
    ],
  };
  const peanut: AllergyIntolerance = {
    ...frame,
    category: ['food'],
    criticality: 'high',
    code: concept(ALLERGENS.peanut),
    reaction: [
      {
        substance: concept(ALLERGENS.peanut),
        manifestation: [concept(ALLERGENS.anaphylaxis)],
        severity: 'severe',
        exposureRoute: concept(code(SYSTEM.snomed, '26643006', 'Oral route'), undefined),
      },
    ],
    note: [{ text: 'Carries an epinephrine auto-injector.' }],
  };
  record.add(penicillin, 'Penicillin allergy');
  record.add(peanut, 'Peanut allergy');
}

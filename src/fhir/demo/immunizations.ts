import type { Coding, Immunization } from '@medplum/fhirtypes';
import { addDays, dateTime, type DemoRecord, type Visit } from './record.js';
import type { Story } from './timeline.js';
import { concept, VACCINES } from './terminology.js';

/** The three doses of the first COVID-19 vaccination campaign, kept where they fit the record. */
const COVID_DOSES = ['2021-04-12', '2021-05-10', '2021-11-22'];

/** A flu shot every autumn, Tdap and shingles at check-ups, COVID-19 in 2021. */
export function addImmunizations(record: DemoRecord, story: Story): void {
  const given = (coding: Coding, at: Date, visit?: Visit, lot = true) => {
    const immunization: Immunization = {
      resourceType: 'Immunization',
      status: 'completed',
      vaccineCode: concept(coding),
      patient: record.patient,
      ...(visit ? { encounter: visit.encounter } : {}),
      occurrenceDateTime: dateTime(at),
      primarySource: Boolean(visit),
      ...(lot ? { lotNumber: `L${record.rng.int(100000, 999999)}` } : {}),
      site: concept({
        system: 'http://terminology.hl7.org/CodeSystem/v3-ActSite',
        code: 'LA',
        display: 'left arm',
      }),
      doseQuantity: { value: 0.5, unit: 'mL', system: 'http://unitsofmeasure.org', code: 'mL' },
      ...(visit ? { performer: [{ actor: record.practitioner }] } : {}),
    };
    record.add(immunization);
  };

  for (let year = record.since.getUTCFullYear(); year <= record.asOf.getUTCFullYear(); year += 1) {
    const october = new Date(Date.UTC(year, 9, record.rng.int(1, 28), 10));
    if (october >= record.since && october <= record.asOf) given(VACCINES.influenza, october);
  }
  for (const dose of COVID_DOSES) {
    const at = new Date(`${dose}T11:00:00Z`);
    if (at >= record.since && at <= record.asOf) given(VACCINES.covid, at);
  }
  const [first, second, third] = story.checkUps;
  if (first) given(VACCINES.tdap, first.end, first);
  if (second) given(VACCINES.pneumococcal, second.end, second);
  if (third) {
    given(VACCINES.zoster, third.end, third);
    const booster = addDays(third.end, 70);
    if (booster <= record.asOf) given(VACCINES.zoster, booster);
  }
}

import type { Bundle, Coding, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { generateDemoRecord } from '../../src/fhir/demo/generate.js';
import { bundleToNdjson } from '../../src/fhir/demo/ndjson.js';
import { validateFhirResource } from '../../src/fhir/validate.js';

const AS_OF = '2025-06-30';
const record = generateDemoRecord({ seed: 'test-seed', asOf: AS_OF });
const resources = (record.entry ?? []).map((e) => e.resource as Resource);
const ofType = <T extends Resource>(type: T['resourceType']) =>
  resources.filter((r): r is T => r.resourceType === type);
const codes = (type: Resource['resourceType'], pick: (r: never) => Coding[] | undefined) =>
  new Set(
    ofType(type).flatMap((r) => (pick(r as never) ?? []).map((c) => `${c.system}|${c.code}`)),
  );

describe('the demo record generator', () => {
  it('is deterministic: one seed and date give the same record, another seed another', () => {
    const again = generateDemoRecord({ seed: 'test-seed', asOf: AS_OF });
    expect(JSON.stringify(again)).toBe(JSON.stringify(record));
    const other = generateDemoRecord({ seed: 'other-seed', asOf: AS_OF });
    expect(JSON.stringify(other)).not.toBe(JSON.stringify(record));
    expect(resources.length).toBeGreaterThan(300);
  });

  it('FHIR-32 is a transaction Bundle of POSTs whose urn:uuid references all resolve inside it', () => {
    expect(record.type).toBe('transaction');
    const fullUrls = new Set(record.entry?.map((e) => e.fullUrl));
    for (const entry of record.entry ?? []) {
      expect(entry.fullUrl).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
      expect(entry.request).toEqual({ method: 'POST', url: entry.resource?.resourceType });
    }
    expect(fullUrls.size).toBe(record.entry?.length);
    const references: string[] = [];
    JSON.stringify(record, (key, value: unknown) => {
      if (key === 'reference') references.push(value as string);
      return value;
    });
    expect(references.length).toBeGreaterThan(resources.length);
    for (const reference of references) expect(fullUrls.has(reference)).toBe(true);
  });

  it('FHIR-7 every resource passes the R4 validation the FHIR core applies on write', () => {
    const lines = bundleToNdjson(record).trimEnd().split('\n');
    expect(lines).toHaveLength(resources.length);
    for (const line of lines) {
      const resource = JSON.parse(line) as Resource;
      expect(() => validateFhirResource(resource), resource.resourceType).not.toThrow();
      JSON.stringify(resource, (key, value: unknown) => {
        if (key === 'reference') expect(value).toMatch(/^[A-Z][A-Za-z]+\/[0-9a-f-]{36}$/);
        return value;
      });
    }
  });

  it('tells years of history: vitals and labs in LOINC with UCUM units, within the dates', () => {
    const observations = ofType<Extract<Resource, { resourceType: 'Observation' }>>('Observation');
    const loinc = codes('Observation', (o: { code: { coding?: Coding[] } }) => o.code.coding);
    for (const code of ['85354-9', '8867-4', '29463-7', '8302-2', '39156-5', '8310-5']) {
      expect(loinc.has(`http://loinc.org|${code}`), code).toBe(true);
    }
    for (const code of ['4548-4', '2093-3', '2085-9', '18262-6', '2571-8', '2160-0', '2345-7']) {
      expect(loinc.has(`http://loinc.org|${code}`), code).toBe(true);
    }
    const years = new Set(observations.map((o) => o.effectiveDateTime?.slice(0, 4)));
    expect(years.size).toBeGreaterThanOrEqual(6);
    for (const o of observations) {
      expect(o.effectiveDateTime && o.effectiveDateTime <= `${AS_OF}T23:59:59Z`).toBe(true);
      if (o.valueQuantity) expect(o.valueQuantity.system).toBe('http://unitsofmeasure.org');
    }
    const panels = observations.filter((o) => o.code.coding?.[0]?.code === '85354-9');
    expect(panels.length).toBeGreaterThan(20);
    for (const panel of panels) {
      expect(panel.component?.map((c) => c.code.coding?.[0]?.code)).toEqual(['8480-6', '8462-4']);
      expect(panel.component?.[0]?.valueQuantity?.code).toBe('mm[Hg]');
    }
  });

  it('holds conditions (SNOMED CT), medicines (RxNorm), immunizations (CVX) and more', () => {
    const count = (type: Resource['resourceType']) => ofType(type).length;
    for (const type of [
      'Patient',
      'Encounter',
      'Condition',
      'AllergyIntolerance',
      'MedicationRequest',
      'MedicationStatement',
      'Immunization',
      'Procedure',
      'DiagnosticReport',
      'DocumentReference',
    ] as const) {
      expect(count(type), type).toBeGreaterThan(0);
    }
    expect(count('Patient')).toBe(1);
    const systems = (type: Resource['resourceType'], pick: (r: never) => Coding[] | undefined) =>
      new Set([...codes(type, pick)].map((c) => c.split('|')[0]));
    expect(systems('Condition', (c: { code: { coding: Coding[] } }) => c.code.coding)).toEqual(
      new Set(['http://snomed.info/sct']),
    );
    expect(
      systems(
        'MedicationRequest',
        (m: { medicationCodeableConcept: { coding: Coding[] } }) =>
          m.medicationCodeableConcept.coding,
      ),
    ).toEqual(new Set(['http://www.nlm.nih.gov/research/umls/rxnorm']));
    expect(
      systems('Immunization', (i: { vaccineCode: { coding: Coding[] } }) => i.vaccineCode.coding),
    ).toEqual(new Set(['http://hl7.org/fhir/sid/cvx']));
    const patientUrl = record.entry?.find((e) => e.resource?.resourceType === 'Patient')?.fullUrl;
    for (const encounter of ofType<Extract<Resource, { resourceType: 'Encounter' }>>('Encounter')) {
      expect(encounter.subject?.reference).toBe(patientUrl);
    }
  });

  it('HFO-13 labels some resources with v3 Confidentiality and v3 ActCode sensitivity codes', () => {
    const labelled = resources.filter((r) => r.meta?.security?.length);
    expect(labelled.length).toBeGreaterThanOrEqual(8);
    expect(labelled.length).toBeLessThan(resources.length / 4);
    const labels = new Set(
      labelled.flatMap((r) => r.meta?.security?.map((c) => `${c.system}|${c.code}`) ?? []),
    );
    const conf = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
    const act = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
    for (const code of ['R', 'V']) expect(labels.has(`${conf}|${code}`), code).toBe(true);
    for (const code of ['PSY', 'HIV', 'ETH', 'SDV'])
      expect(labels.has(`${act}|${code}`), code).toBe(true);
    const heartCodes = new Set(['U', 'L', 'M', 'N', 'R', 'V', 'ETH', 'GDIS', 'HIV', 'PSY', 'SCA']);
    for (const code of ['SDV', 'SEX', 'STD', 'TBOO']) heartCodes.add(code);
    for (const label of labels) {
      const [system, code] = label.split('|');
      expect([conf, act]).toContain(system);
      expect(heartCodes.has(code ?? '')).toBe(true);
    }
    // Every labelled resource carries exactly one confidentiality code.
    for (const r of labelled) {
      expect(r.meta?.security?.filter((c) => c.system === conf)).toHaveLength(1);
    }
  });

  it('refuses options it cannot honour and names the option', () => {
    expect(() => generateDemoRecord({ years: 0 })).toThrow(/years/);
    expect(() => generateDemoRecord({ asOf: 'yesterday' })).toThrow(/asOf/);
    const short = generateDemoRecord({ seed: 's', asOf: AS_OF, years: 1 }) as Bundle;
    expect(short.entry?.length).toBeGreaterThan(40);
  });
});

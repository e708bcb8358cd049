import type { CodeableConcept, Coding } from '@medplum/fhirtypes';

/** Code systems of the demo record, by their FHIR R4 canonical URIs. */
export const SYSTEM = {
  loinc: 'http://loinc.org',
  snomed: 'http://snomed.info/sct',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  cvx: 'http://hl7.org/fhir/sid/cvx',
  ucum: 'http://unitsofmeasure.org',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  conditionCategory: 'http://terminology.hl7.org/CodeSystem/condition-category',
  conditionClinical: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
  conditionVerification: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
  allergyClinical: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical',
  allergyVerification: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
  diagnosticService: 'http://terminology.hl7.org/CodeSystem/v2-0074',
  interpretation: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
  medicationStatementCategory:
    'http://terminology.hl7.org/CodeSystem/medication-statement-category',
  medicationRequestCategory: 'http://terminology.hl7.org/CodeSystem/medicationrequest-category',
  identifierType: 'http://terminology.hl7.org/CodeSystem/v2-0203',
} as const;

export const code = (system: string, value: string, display: string): Coding => ({
  system,
  code: value,
  display,
});

export const concept = (coding: Coding, text = coding.display): CodeableConcept => ({
  coding: [coding],
  ...(text ? { text } : {}),
});

const loinc = (value: string, display: string) => code(SYSTEM.loinc, value, display);
const snomed = (value: string, display: string) => code(SYSTEM.snomed, value, display);
const rxnorm = (value: string, display: string) => code(SYSTEM.rxnorm, value, display);
const cvx = (value: string, display: string) => code(SYSTEM.cvx, value, display);

/** A measured quantity: LOINC code, UCUM unit, and what the unit reads as. */
export interface Measure {
  coding: Coding;
  unit: string;
  ucum: string;
  decimals: number;
}

const measure = (coding: Coding, ucum: string, unit: string, decimals = 0): Measure => ({
  coding,
  ucum,
  unit,
  decimals,
});

/** Vital signs, as the FHIR R4 vital signs profile names them. */
export const VITALS = {
  panel: loinc('85354-9', 'Blood pressure panel with all children optional'),
  systolic: measure(loinc('8480-6', 'Systolic blood pressure'), 'mm[Hg]', 'mmHg'),
  diastolic: measure(loinc('8462-4', 'Diastolic blood pressure'), 'mm[Hg]', 'mmHg'),
  heartRate: measure(loinc('8867-4', 'Heart rate'), '/min', 'beats/minute'),
  respiratoryRate: measure(loinc('9279-1', 'Respiratory rate'), '/min', 'breaths/minute'),
  oxygenSaturation: measure(
    loinc('59408-5', 'Oxygen saturation in Arterial blood by Pulse oximetry'),
    '%',
    '%',
  ),
  weight: measure(loinc('29463-7', 'Body weight'), 'kg', 'kg', 1),
  height: measure(loinc('8302-2', 'Body height'), 'cm', 'cm', 1),
  bmi: measure(loinc('39156-5', 'Body mass index (BMI) [Ratio]'), 'kg/m2', 'kg/m2', 1),
  temperature: measure(loinc('8310-5', 'Body temperature'), 'Cel', 'C', 1),
};

/** Laboratory results with a reference range, in the units US and EU labs report. */
export interface Lab extends Measure {
  low?: number;
  high?: number;
}

const lab = (coding: Coding, ucum: string, decimals: number, low?: number, high?: number): Lab => ({
  ...measure(coding, ucum, ucum, decimals),
  ...(low === undefined ? {} : { low }),
  ...(high === undefined ? {} : { high }),
});

export const LABS = {
  hba1c: lab(loinc('4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood'), '%', 1, 4, 5.6),
  glucose: lab(loinc('2345-7', 'Glucose [Mass/volume] in Serum or Plasma'), 'mg/dL', 0, 70, 99),
  sodium: lab(loinc('2951-2', 'Sodium [Moles/volume] in Serum or Plasma'), 'mmol/L', 0, 136, 145),
  potassium: lab(
    loinc('2823-3', 'Potassium [Moles/volume] in Serum or Plasma'),
    'mmol/L',
    1,
    3.5,
    5.1,
  ),
  creatinine: lab(
    loinc('2160-0', 'Creatinine [Mass/volume] in Serum or Plasma'),
    'mg/dL',
    2,
    0.57,
    1.0,
  ),
  egfr: lab(
    loinc(
      '33914-3',
      'Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum or Plasma by Creatinine-based formula (MDRD)',
    ),
    'mL/min/{1.73_m2}',
    0,
    60,
  ),
  cholesterol: lab(
    loinc('2093-3', 'Cholesterol [Mass/volume] in Serum or Plasma'),
    'mg/dL',
    0,
    undefined,
    200,
  ),
  triglycerides: lab(
    loinc('2571-8', 'Triglyceride [Mass/volume] in Serum or Plasma'),
    'mg/dL',
    0,
    undefined,
    150,
  ),
  hdl: lab(loinc('2085-9', 'Cholesterol in HDL [Mass/volume] in Serum or Plasma'), 'mg/dL', 0, 40),
  ldl: lab(
    loinc('18262-6', 'Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay'),
    'mg/dL',
    0,
    undefined,
    100,
  ),
  albuminRatio: lab(
    loinc('14959-1', 'Microalbumin/Creatinine [Mass Ratio] in Urine'),
    'mg/g',
    0,
    undefined,
    30,
  ),
};

/** Panels, used as DiagnosticReport codes that group the results above. */
export const PANELS = {
  lipid: loinc('57698-3', 'Lipid panel with direct LDL - Serum or Plasma'),
  metabolic: loinc('51990-0', 'Basic metabolic panel - Blood'),
  hba1c: LABS.hba1c.coding,
};

export const SCREENING = {
  hiv: loinc('56888-1', 'HIV 1+2 Ab+HIV1 p24 Ag [Presence] in Serum or Plasma by Immunoassay'),
  negative: snomed('260385009', 'Negative'),
  smoking: loinc('72166-2', 'Tobacco smoking status'),
  exSmoker: snomed('8517006', 'Ex-smoker'),
  phq9: loinc('44261-6', 'Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]'),
};

export const CONDITIONS = {
  hypertension: snomed('59621000', 'Essential hypertension'),
  diabetes: snomed('44054006', 'Diabetes mellitus type 2'),
  hyperlipidemia: snomed('55822004', 'Hyperlipidemia'),
  obesity: snomed('162864005', 'Body mass index 30+ - obesity'),
  depression: snomed('35489007', 'Depressive disorder'),
  alcoholAbuse: snomed('15167005', 'Alcohol abuse'),
  sinusitis: snomed('444814009', 'Viral sinusitis'),
  bronchitis: snomed('10509002', 'Acute bronchitis'),
  sprain: snomed('44465007', 'Sprain of ankle'),
};

export const MEDICATIONS = {
  lisinopril: rxnorm('314076', 'lisinopril 10 MG Oral Tablet'),
  metformin: rxnorm('860975', '24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet'),
  atorvastatin: rxnorm('617310', 'atorvastatin 20 MG Oral Tablet'),
  sertraline: rxnorm('312940', 'sertraline 50 MG Oral Tablet'),
  amoxicillin: rxnorm('308182', 'amoxicillin 250 MG Oral Capsule'),
  acetaminophen: rxnorm('313782', 'acetaminophen 325 MG Oral Tablet'),
};

export const ALLERGENS = {
  penicillin: rxnorm('7980', 'penicillin G'),
  peanut: snomed('256349002', 'Peanut - dietary (substance)'),
  hives: snomed('247472004', 'Wheal'),
  anaphylaxis: snomed('39579001', 'Anaphylaxis'),
};

export const VACCINES = {
  influenza: cvx('140', 'Influenza, seasonal, injectable, preservative free'),
  tdap: cvx('115', 'Tdap'),
  covid: cvx('208', 'COVID-19, mRNA, LNP-S, PF, 30 mcg/0.3 mL dose'),
  pneumococcal: cvx('33', 'pneumococcal polysaccharide vaccine, 23 valent'),
  zoster: cvx('187', 'zoster vaccine recombinant'),
};

export const ENCOUNTER_TYPES = {
  checkUp: snomed('185349003', 'Encounter for check up'),
  followUp: snomed('390906007', 'Follow-up encounter'),
  symptom: snomed('185345009', 'Encounter for symptom'),
  psychotherapy: snomed('75516001', 'Psychotherapy'),
  emergency: snomed('50849002', 'Emergency room admission'),
};

export const ENCOUNTER_CLASSES = {
  ambulatory: code(SYSTEM.actCode, 'AMB', 'ambulatory'),
  emergency: code(SYSTEM.actCode, 'EMER', 'emergency'),
};

export const PROCEDURES = {
  colonoscopy: snomed('73761001', 'Colonoscopy'),
  ecg: snomed('29303009', 'Electrocardiographic procedure'),
  depressionScreening: snomed('171207006', 'Depression screening'),
};

export const DOCUMENTS = {
  progressNote: loinc('11506-3', 'Progress note'),
  historyAndPhysical: loinc('34117-2', 'History and physical note'),
};

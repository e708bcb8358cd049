/**
 * Scopes in plain words for the consent page (HEART OAuth §3.1.4: the user sees what access is
 * asked for). Fixed scopes come from one table; FHIR resource scopes (HEART FHIR OAuth §2,
 * SMART v1 and v2 forms) and the `conf/` and `sens/` labels are read from their grammar.
 */
export interface ScopeDescription {
  scope: string;
  text: string;
}

const FIXED: Record<string, string> = {
  openid: 'Confirm who you are when you sign in to it',
  profile: 'See your name and basic profile',
  email: 'See your email address',
  offline_access: 'Keep its access while you are not using it',
  fhirUser: 'Know which person in the health record you are',
  launch: 'Open with the record you have chosen',
  'launch/patient': 'Know which patient record you have chosen',
  uma_protection: 'Register records it holds for you, so that you decide who may see them',
  uma_authorization: 'Ask for access to records that others share',
  uma_policy: 'See and change who may use your records, and answer requests for access',
  btg: 'Use emergency access ("break the glass") when a policy allows it; every use is recorded',
};

/** HL7 v3 Confidentiality codes. */
const CONFIDENTIALITY: Record<string, string> = {
  U: 'unrestricted',
  L: 'low',
  M: 'moderate',
  N: 'normal',
  R: 'restricted',
  V: 'very restricted',
};

/** HL7 v3 ActInformationSensitivityPolicy codes the HEART FHIR profile names most often. */
const SENSITIVITY: Record<string, string> = {
  ETH: 'substance use',
  ETHUD: 'alcohol or drug use',
  PSY: 'psychiatric care',
  PSYTHPN: 'psychotherapy notes',
  MH: 'mental health',
  BH: 'behavioral health',
  HIV: 'HIV and AIDS',
  STD: 'sexually transmitted disease',
  SDV: 'sexual assault, abuse or domestic violence',
  SEX: 'sexuality and reproductive health',
  GDIS: 'genetic conditions',
  TBOO: 'topics marked as taboo',
  SOC: 'social services',
  SCA: 'sickle cell anemia',
  DEMO: 'demographic details',
};

const FHIR_SCOPE =
  /^(?:https?:\/\/smarthealthit\.org\/fhir\/scopes\/)?(patient|user|system)\/([A-Za-z]+|\*)\.([a-z*]+)$/;

export function describeScope(scope: string): ScopeDescription {
  const fixed = FIXED[scope];
  if (fixed) return { scope, text: fixed };
  const fhir = FHIR_SCOPE.exec(scope);
  if (fhir) {
    const text = describeFhirScope(fhir[1] ?? '', fhir[2] ?? '', fhir[3] ?? '');
    if (text) return { scope, text };
  }
  if (scope.startsWith('conf/')) {
    const level = CONFIDENTIALITY[scope.slice(5)];
    if (level) return { scope, text: `Include information marked as ${level} confidentiality` };
  }
  if (scope.startsWith('sens/')) {
    const topic = SENSITIVITY[scope.slice(5)];
    if (topic) return { scope, text: `Include sensitive information about ${topic}` };
    return { scope, text: `Include sensitive information labelled ${scope.slice(5)}` };
  }
  return { scope, text: 'Access this server describes no further' };
}

export const describeScopes = (scopes: string[]): ScopeDescription[] => scopes.map(describeScope);

function describeFhirScope(context: string, type: string, access: string): string | undefined {
  const verb = ACCESS[access];
  if (!verb) return undefined;
  const what = type === '*' ? 'all information' : resourceWords(type);
  const where =
    context === 'patient'
      ? 'in your health record'
      : context === 'user'
        ? 'in every health record you can reach'
        : 'on its own, without you';
  return `${verb} ${what} ${where}`;
}

/** SMART v1 words and v2 letters (c r u d s, in that order) as a verb phrase. */
const ACCESS: Record<string, string> = {
  read: 'See',
  write: 'Add, change or delete',
  '*': 'See, add, change and delete',
  r: 'See',
  s: 'Search',
  rs: 'See and search',
  c: 'Add',
  u: 'Change',
  d: 'Delete',
  cu: 'Add and change',
  cud: 'Add, change or delete',
  cr: 'See and add',
  crs: 'See, search and add',
  cruds: 'See, add, change and delete',
};

/** `MedicationStatement` as "medication statements". */
function resourceWords(type: string): string {
  if (type === 'Patient') return 'personal details';
  const words = type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  const plural = words.endsWith('s')
    ? words
    : /[^aeiou]y$/.test(words)
      ? `${words.slice(0, -1)}ies`
      : `${words}s`;
  return plural;
}

import type { ConfidentialityCode, ParsedScopes } from './grammar.js';

/**
 * The security-label table (HEART FHIR §3, heart-fhir.md 1.3 and 1.4 step 6, Kardia's reading):
 * which `meta.security` codings exist, and which `conf/` or `sens/` scope clears each. Labels
 * are compared as `system|code`, the form RecordScope.deniedLabels carries.
 */
export const CONFIDENTIALITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
export const SENSITIVITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

/**
 * Levels above the baseline and the scopes that clear each. Unlabelled data counts as `N`, and
 * `U` to `N` are open to every token, so they never appear here.
 */
const RESTRICTED_LEVELS: Readonly<Record<string, readonly ConfidentialityCode[]>> = {
  R: ['R', 'V'],
  V: ['V'],
};

/**
 * Sensitivity categories (HL7 v3 ActCode, information sensitivity policies) Kardia enforces.
 * Each needs its own `sens/` scope; a `sens/` code not listed here clears nothing (HFO-13).
 */
export const SENSITIVITY_CODES = [
  'ETH',
  'GDIS',
  'HIV',
  'PSY',
  'SCA',
  'SDV',
  'SEX',
  'STD',
  'TBOO',
] as const;

/** The special scopes this RS enforces, for discovery (HFO-10) and UMA registrations (HFU-4). */
export const SPECIAL_SCOPES: readonly string[] = [
  ...['U', 'L', 'M', 'N', 'R', 'V'].map((code) => `conf/${code}`),
  ...SENSITIVITY_CODES.map((code) => `sens/${code}`),
  'btg',
];

export const label = (system: string, code: string): string => `${system}|${code}`;

/**
 * The labels a token may not see. `btg` lifts the filter for that token (step 7); the caller
 * audits every such request.
 */
export function deniedLabels(scopes: ParsedScopes): string[] {
  if (scopes.btg) return [];
  const denied: string[] = [];
  for (const [level, clearedBy] of Object.entries(RESTRICTED_LEVELS)) {
    if (!clearedBy.some((code) => scopes.confidentiality.has(code))) {
      denied.push(label(CONFIDENTIALITY_SYSTEM, level));
    }
  }
  for (const code of SENSITIVITY_CODES) {
    if (!scopes.sensitivity.has(code)) denied.push(label(SENSITIVITY_SYSTEM, code));
  }
  return denied;
}

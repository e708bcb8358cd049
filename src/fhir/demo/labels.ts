import type { Coding, Resource } from '@medplum/fhirtypes';

/**
 * The security labels the demo record carries, in the systems HEART FHIR §3 uses (heart-fhir.md
 * 1.3, Kardia's reading): confidentiality in v3 Confidentiality, sensitivity in v3 ActCode.
 */
export const CONFIDENTIALITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
export const SENSITIVITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

const CONFIDENTIALITY = { R: 'restricted', V: 'very restricted' } as const;

const SENSITIVITY = {
  PSY: 'psychiatry disorder information sensitivity',
  ETH: 'substance abuse information sensitivity',
  HIV: 'HIV/AIDS information sensitivity',
  SDV: 'sexual assault, abuse, or domestic violence information sensitivity',
} as const;

export type ConfidentialityCode = keyof typeof CONFIDENTIALITY;
export type SensitivityCode = keyof typeof SENSITIVITY;

export function securityLabels(
  confidentiality: ConfidentialityCode,
  ...sensitivities: SensitivityCode[]
): Coding[] {
  return [
    {
      system: CONFIDENTIALITY_SYSTEM,
      code: confidentiality,
      display: CONFIDENTIALITY[confidentiality],
    },
    ...sensitivities.map((s) => ({ system: SENSITIVITY_SYSTEM, code: s, display: SENSITIVITY[s] })),
  ];
}

/** Puts the labels in `meta.security`, where the RS label filter reads them. */
export function labelled<T extends Resource>(
  resource: T,
  confidentiality: ConfidentialityCode,
  ...sensitivities: SensitivityCode[]
): T {
  return {
    ...resource,
    meta: { ...resource.meta, security: securityLabels(confidentiality, ...sensitivities) },
  };
}

import { typeWords } from '../record/categories.js';
import type { UmaOwnerResource } from './owner-api.js';

/**
 * The owner's UMA resources as the share form offers them (heart-fhir.md 2.3, Kardia's mapping):
 * the whole record (type `…/StructureDefinition/Patient`) and one resource per record and FHIR
 * type (`…/StructureDefinition/Observation`). Special scopes (`conf/`, `sens/`) registered with
 * them are the sensitive categories, kept out of a share unless the owner ticks them.
 */
export const FHIR_SD = 'http://hl7.org/fhir/StructureDefinition/';

export interface SharablePart {
  id: string;
  /** The FHIR type, or `*` for the whole record. */
  fhirType: string;
  label: string;
  scopes: string[];
}

export interface SensitiveCategory {
  scope: string;
  label: string;
}

const SENSITIVE_WORDS: Readonly<Record<string, string>> = {
  'conf/R': 'restricted information',
  'conf/V': 'very restricted information',
  'sens/ETH': 'substance use',
  'sens/GDIS': 'genetic conditions',
  'sens/HIV': 'HIV and AIDS',
  'sens/PSY': 'mental health',
  'sens/SCA': 'sickle cell anemia',
  'sens/SDV': 'sexual assault, abuse or domestic violence',
  'sens/SEX': 'sexual and reproductive health',
  'sens/STD': 'sexually transmitted diseases',
  'sens/TBOO': 'taboo topics',
};

export const sensitiveWords = (scope: string): string => SENSITIVE_WORDS[scope] ?? scope;

export function sharableParts(resources: UmaOwnerResource[]): SharablePart[] {
  const parts = resources.map((resource): SharablePart => {
    const type = resource.type?.startsWith(FHIR_SD) ? resource.type.slice(FHIR_SD.length) : '';
    const whole = type === 'Patient';
    return {
      id: resource._id,
      fhirType: whole ? '*' : type || '?',
      label: whole
        ? 'Everything in my record'
        : type
          ? capital(typeWords(type))
          : (resource.name ?? 'A registered resource'),
      scopes: resource.resource_scopes,
    };
  });
  return parts.sort((a, b) =>
    a.fhirType === '*' ? -1 : b.fhirType === '*' ? 1 : a.label.localeCompare(b.label),
  );
}

/** The sensitive categories any part can carry, in a stable order. */
export function sensitiveCategories(parts: SharablePart[]): SensitiveCategory[] {
  const scopes = new Set(parts.flatMap((part) => part.scopes).filter((s) => s in SENSITIVE_WORDS));
  return Object.keys(SENSITIVE_WORDS)
    .filter((scope) => scopes.has(scope))
    .map((scope) => ({ scope, label: sensitiveWords(scope) }));
}

const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

import type { Kardia } from '../../server/context.js';
import type { UmaPolicy } from './owner-api.js';
import { type SharablePart, type SensitiveCategory, sensitiveWords } from './record-resources.js';

/** What the owner chose on the share form. */
export interface ShareChoice {
  email: string;
  partIds: string[];
  sensitive: string[];
  access: 'read' | 'write';
  /** Last day of the share, `YYYY-MM-DD`. */
  until: string;
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{2,63}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** The longest a share may run, in days: a share is a decision to look at again. */
export const MAX_SHARE_DAYS = 5 * 366;

/** The form's field names: one checkbox per part and per sensitive category. */
export const partField = (id: string) => `part_${id}`;
export const sensitiveField = (scope: string) => `sens_${scope.replace('/', '_')}`;

/**
 * Reads the share form against the parts the owner really has. Answers the choice, or the
 * problems to show with the form; nothing is trusted that the form did not offer.
 */
export function readShareForm(
  form: Record<string, string>,
  parts: SharablePart[],
  categories: SensitiveCategory[],
  now = new Date(),
): { choice: ShareChoice; problems: string[] } {
  const problems: string[] = [];
  const email = (form.email ?? '').trim().toLowerCase();
  if (!EMAIL.test(email) || email.length > 254) {
    problems.push('Please give the email address of the person, like name@example.org.');
  }
  const partIds = parts.filter((part) => form[partField(part.id)] === 'on').map((p) => p.id);
  if (partIds.length === 0) problems.push('Please choose at least one part of your record.');
  const sensitive = categories
    .filter((category) => form[sensitiveField(category.scope)] === 'on')
    .map((category) => category.scope);
  const access = form.access === 'write' ? 'write' : 'read';
  if (form.access !== 'read' && form.access !== 'write') {
    problems.push('Please choose whether they may only read, or read and change.');
  }
  const until = form.until ?? '';
  const last = DAY.test(until) ? Date.parse(`${until}T23:59:59Z`) : Number.NaN;
  if (Number.isNaN(last)) {
    problems.push('Please give the last day of the share, like 2026-12-31.');
  } else if (last <= now.getTime()) {
    problems.push('The last day of the share must be today or later.');
  } else if (last - now.getTime() > MAX_SHARE_DAYS * 86_400_000) {
    problems.push('A share can last at most five years.');
  }
  return { choice: { email, partIds, sensitive, access, until }, problems };
}

/** The end of the share's last day, in seconds since the epoch (the policy's `exp`). */
export const shareExp = (until: string): number =>
  Math.floor(Date.parse(`${until}T23:59:59Z`) / 1000);

/** The share as a UMA policy (heart-uma2.md Part 3.7): `grant` to a verified email address. */
export function shareToPolicy(
  kardia: Kardia,
  choice: ShareChoice,
  parts: SharablePart[],
): Omit<UmaPolicy, 'id' | 'created_at' | 'updated_at'> {
  return {
    resource_ids: choice.partIds,
    resource_scopes: [
      ...(choice.access === 'write' ? ['read', 'write'] : ['read']),
      ...choice.sensitive,
    ],
    // Part 3.2: `email` counts only when verified; Kardia's own issuer vouches for it, so the
    // person proves the address by signing in to (or creating) an account here.
    required_claims: [{ name: 'email', value: choice.email, issuer: [kardia.urls.issuer] }],
    mode: 'grant',
    exp: shareExp(choice.until),
    description: describeShare(choice, parts),
  };
}

export function describeShare(choice: ShareChoice, parts: SharablePart[]): string {
  const what = parts
    .filter((part) => choice.partIds.includes(part.id))
    .map((part) => part.label.toLowerCase())
    .join(', ');
  const extra = choice.sensitive.length
    ? `, including ${choice.sensitive.map(sensitiveWords).join(', ')}`
    : '';
  const verb = choice.access === 'write' ? 'may read and change' : 'may read';
  return `${choice.email} ${verb} ${what}${extra}`.slice(0, 1000);
}

/** The choice as hidden fields, carried from the preview to the save. */
export function choiceFields(choice: ShareChoice): Record<string, string> {
  const fields: Record<string, string> = {
    email: choice.email,
    access: choice.access,
    until: choice.until,
  };
  for (const id of choice.partIds) fields[partField(id)] = 'on';
  for (const scope of choice.sensitive) fields[sensitiveField(scope)] = 'on';
  return fields;
}

/** A date `days` from now, `YYYY-MM-DD`, as the form's default end. */
export const dayFromNow = (days: number, now = new Date()): string =>
  new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);

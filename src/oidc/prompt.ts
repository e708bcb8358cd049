import { OAuthError } from '../oauth/errors.js';

/** The `prompt` values Kardia honours (OIDC Core §3.1.2.1); `select_account` is not one. */
export const PROMPT_VALUES = ['none', 'login', 'consent'] as const;
export type PromptValue = (typeof PROMPT_VALUES)[number];

/**
 * Parses `prompt`: space-separated values Kardia supports, `none` only alone (OIDC Core
 * §3.1.2.1). An unsupported value is `invalid_request`, as Discovery's errata advise.
 */
export function parsePrompt(raw: string | undefined): Set<PromptValue> {
  const values = new Set((raw ?? '').split(' ').filter(Boolean));
  for (const value of values) {
    if (!(PROMPT_VALUES as readonly string[]).includes(value)) {
      throw new OAuthError('invalid_request', 'prompt holds a value this server does not support');
    }
  }
  if (values.has('none') && values.size > 1) {
    throw new OAuthError('invalid_request', 'prompt=none cannot be combined with other values');
  }
  return values as Set<PromptValue>;
}

/** `max_age` (OIDC Core §3.1.2.1): a whole number of seconds, or undefined. */
export function parseMaxAge(raw: string | undefined, fallback: unknown): number | undefined {
  if (raw === undefined) return typeof fallback === 'number' ? fallback : undefined;
  if (!/^\d{1,9}$/.test(raw)) {
    throw new OAuthError('invalid_request', 'max_age must be a whole number of seconds');
  }
  return Number(raw);
}

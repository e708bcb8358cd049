/**
 * Scopes this server knows by name. Scopes are otherwise free strings (HEART OAuth §3.4): a client
 * may register any value, and the resource server decides what each one means.
 */
export const WELL_KNOWN_SCOPES = [
  'openid',
  'profile',
  'email',
  'offline_access',
  'launch/patient',
  'fhirUser',
  'uma_protection',
  'uma_authorization',
  'patient/*.read',
  'patient/*.write',
  'patient/*.*',
  'user/*.read',
  'user/*.write',
  'user/*.*',
] as const;

export const parseScope = (scope: string | undefined | null): string[] =>
  scope ? [...new Set(scope.split(' ').filter(Boolean))] : [];

export const joinScope = (scopes: Iterable<string>): string => [...new Set(scopes)].join(' ');

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
export const isValidScopeString = (scope: string): boolean =>
  /^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/.test(scope);

import type { UserTable } from '../store/tables.js';

/**
 * Standard claims released for each scope (OIDC Core §5.4). Kardia holds a name, a username and
 * an email address, and releases nothing it does not hold.
 */
export const SCOPE_CLAIMS: Record<string, string[]> = {
  profile: ['name', 'preferred_username'],
  email: ['email', 'email_verified'],
};

/** Every claim Kardia may put in an ID token or a UserInfo answer, for discovery. */
export const SUPPORTED_CLAIMS = [
  'sub',
  'iss',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'auth_time',
  'nonce',
  'acr',
  'amr',
  'azp',
  'at_hash',
  'c_hash',
  'vot',
  'vtm',
  ...Object.values(SCOPE_CLAIMS).flat(),
];

/**
 * The user's claims the granted scopes allow. `email_verified` is true only once the address
 * was proved (an administrator's word, or the verification link), never by default.
 */
export function userClaims(user: UserTable, scopes: string[]): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  if (scopes.includes('profile')) {
    if (user.name) claims.name = user.name;
    claims.preferred_username = user.username;
  }
  if (scopes.includes('email') && user.email) {
    claims.email = user.email;
    claims.email_verified = user.email_verified === 1;
  }
  return claims;
}

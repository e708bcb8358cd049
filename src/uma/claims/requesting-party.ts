import type { UserTable } from '../../store/tables.js';
import type { Kardia } from '../../server/context.js';
import { sha256 } from '../../util/random.js';

/** Part 3.2: the claim token format Kardia accepts, with its `https` spelling as an alias. */
export const ID_TOKEN_FORMAT = 'http://openid.net/specs/openid-connect-core-1_0.html#IDToken';
export const ID_TOKEN_FORMATS = [
  ID_TOKEN_FORMAT,
  'https://openid.net/specs/openid-connect-core-1_0.html#IDToken',
];

/**
 * The requesting party as Kardia knows them for one token request: an identity (`sub` at `iss`)
 * and the claims a policy may test, all from one source (a pushed ID token, claims gathered at
 * Kardia's login, or a PCT), so claims of two people are never mixed.
 */
export interface RequestingParty {
  iss: string;
  sub: string;
  /** Part 3.2: `sub`, `email` only when verified, `name`, other string claims. */
  claims: Record<string, string>;
}

/** Claims of an ID token that describe the protocol, not the person. */
const PROTOCOL_CLAIMS = new Set([
  'iss',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'azp',
  'nonce',
  'at_hash',
  'c_hash',
  'auth_time',
  'acr',
  'amr',
  'vot',
  'vtm',
  'sid',
  'email',
  'email_verified',
]);

/** Part 3.2: the usable claims of a validated ID token. */
export function claimsOfIdToken(payload: Record<string, unknown>): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) {
    if (!PROTOCOL_CLAIMS.has(name) && typeof value === 'string' && value.length <= 500) {
      claims[name] = value;
    }
  }
  // Part 3.2: an email counts only when its issuer says it was verified.
  if (typeof payload.email === 'string' && payload.email_verified === true) {
    claims.email = payload.email;
  }
  return claims;
}

/**
 * A Kardia account as a requesting party (claims gathering, or an ID token Kardia issued): its
 * `sub`, its email once verified, its name.
 */
export function partyOfUser(kardia: Kardia, user: UserTable): RequestingParty {
  const claims: Record<string, string> = { sub: user.sub, preferred_username: user.username };
  if (user.email && user.email_verified === 1) claims.email = user.email;
  if (user.name) claims.name = user.name;
  return { iss: kardia.urls.issuer, sub: user.sub, claims };
}

/**
 * Part 3.4: the RPT's `sub`, Kardia's identifier for the requesting party: the account id for
 * Kardia's own users, else a digest of issuer and subject (stable, and not the raw foreign id).
 */
export function partySubject(kardia: Kardia, party: RequestingParty): string {
  if (party.iss === kardia.urls.issuer) return party.sub;
  return `rqp-${sha256(`${party.iss}\n${party.sub}`)}`;
}

/** What the owner sees of a requesting party on a pending request: no more than this. */
export function displayClaims(party: RequestingParty): Record<string, string> {
  const shown: Record<string, string> = { iss: party.iss, sub: party.sub };
  for (const name of ['name', 'email', 'preferred_username']) {
    const value = party.claims[name];
    if (value) shown[name] = value;
  }
  return shown;
}

export function parseParty(text: string | null): RequestingParty | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<RequestingParty>;
    if (typeof value.iss !== 'string' || typeof value.sub !== 'string') return undefined;
    const claims = value.claims && typeof value.claims === 'object' ? value.claims : {};
    return { iss: value.iss, sub: value.sub, claims };
  } catch {
    return undefined;
  }
}

import type { FastifyInstance } from 'fastify';
import { OAuthError } from '../oauth/errors.js';
import { DISCOVERY_CACHE } from '../oauth/endpoints/discovery.js';
import type { Kardia } from '../server/context.js';

/**
 * Vectors of Trust (RFC 8485) as HEART OIDC §3.4 uses them: the client asks with `vtr`, the ID
 * token reports `vot` and `vtm`. Kardia's trustmark, below, says which component values a login
 * at Kardia can achieve; the mapping is Kardia's reading (OIDC-VT-6) and lives only here.
 */
export const TRUSTMARK: Record<Component, { value: string; meaning: string }[]> = {
  P: [
    { value: 'P0', meaning: 'no identity proofing' },
    { value: 'P1', meaning: 'attributes are self-asserted or set by the operator, stable' },
  ],
  C: [
    { value: 'Ca', meaning: 'an existing login session (a session cookie)' },
    { value: 'Cc', meaning: 'the password was entered within the last five minutes' },
  ],
  M: [{ value: 'Ma', meaning: 'the person holds a password they chose or were given' }],
  A: [
    { value: 'Ab', meaning: 'signed assertion delivered through the back channel (code flow)' },
    { value: 'Ac', meaning: 'signed assertion delivered through the front channel' },
    { value: 'Ad', meaning: 'signed assertion encrypted to the client' },
  ],
};

/** A password login counts as `Cc` for this long; after that the session only proves `Ca`. */
export const FRESH_CREDENTIAL_SECONDS = 300;

type Component = 'P' | 'C' | 'M' | 'A';
const VECTOR = /^[PCMA][A-Za-z0-9]+(\.[PCMA][A-Za-z0-9]+)*$/;
const MAX_VECTORS = 10;

export const trustmarkUrl = (kardia: Kardia): string => `${kardia.urls.issuer}/trustmark`;

export const supportedVectorValues = (): string[] =>
  Object.values(TRUSTMARK).flatMap((values) => values.map((v) => v.value));

/** RFC 8485 §6.1: `vtr` is a JSON array of vector strings, in the client's preference order. */
export function parseVtr(raw: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidVtr('vtr must be a JSON array of vector strings');
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || parsed.length > MAX_VECTORS) {
    throw invalidVtr('vtr must be a JSON array of 1 to 10 vector strings');
  }
  for (const vector of parsed) {
    if (typeof vector !== 'string' || vector.length > 64 || !VECTOR.test(vector)) {
      throw invalidVtr('vtr holds a value that is not in vector syntax');
    }
    if (!componentsDistinct(vector)) throw invalidVtr('a vector repeats a component value');
  }
  return parsed as string[];
}

const invalidVtr = (description: string) => new OAuthError('invalid_request', description);

function componentsDistinct(vector: string): boolean {
  const parts = vector.split('.');
  return new Set(parts).size === parts.length;
}

/** What a login can show for this request: how it was authenticated and how it is delivered. */
export interface Achievement {
  /** Seconds since the password was entered, or undefined with no login at all. */
  credentialAge: number | undefined;
  /** `back` for the code flow, `front` when the ID token travels in the redirect. */
  delivery: 'back' | 'front';
  /** The ID token is encrypted to the client. */
  encrypted: boolean;
}

/** The component values a login achieves (RFC 8485 §3). */
export function achievedValues(a: Achievement): Set<string> {
  const values = new Set<string>(['P0', 'P1', 'Ma']);
  if (a.credentialAge === undefined) return new Set();
  values.add('Ca');
  if (a.credentialAge <= FRESH_CREDENTIAL_SECONDS) values.add('Cc');
  values.add(a.delivery === 'back' ? 'Ab' : 'Ac');
  if (a.encrypted) values.add('Ad');
  return values;
}

/** Whether every value of a vector was achieved. */
export function vectorMet(vector: string, achieved: Set<string>): boolean {
  return vector.split('.').every((value) => achieved.has(value));
}

/**
 * The first requested vector this login meets (RFC 8485 §6.1: preference order), `login` when
 * only a fresh password login could meet one (OIDC-VT-3), or `unmet` when none ever could.
 */
export function chooseVector(
  requested: string[],
  current: Achievement,
): { vector: string } | 'login' | 'unmet' {
  const now = achievedValues(current);
  const met = requested.find((vector) => vectorMet(vector, now));
  if (met) return { vector: met };
  const fresh = achievedValues({ ...current, credentialAge: 0 });
  return requested.some((vector) => vectorMet(vector, fresh)) ? 'login' : 'unmet';
}

/** RFC 8485 §5: the trustmark document, served at the `vtm` URL. */
export function registerTrustmark(app: FastifyInstance, kardia: Kardia): void {
  app.get('/trustmark', async (_request, reply) => {
    const document: Record<string, unknown> = {
      idp: kardia.urls.issuer,
      trustmark_provider: kardia.urls.issuer,
    };
    for (const [component, values] of Object.entries(TRUSTMARK)) {
      document[component] = values.map((v) => v.value);
    }
    document.definitions = Object.fromEntries(
      Object.values(TRUSTMARK).flatMap((values) => values.map((v) => [v.value, v.meaning])),
    );
    return reply.header('cache-control', DISCOVERY_CACHE).send(document);
  });
}

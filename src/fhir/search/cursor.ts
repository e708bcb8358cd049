import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Store } from '../../store/database.js';
import { sharedSecret } from '../../store/server-secrets.js';
import { badValue } from '../outcome.js';
import { CURSOR_TTL_MS } from './limits.js';

/**
 * Paging cursors (spec Part 3.5, FHIR-30): the `next`, `prev` and `first` links carry the search
 * sealed with AES-256-GCM under a key every node shares, so no health data sits in a URL that may
 * be logged, and a cursor works on any node. It is bound to the caller that started the search;
 * the caller's current grant is applied again on every page, so a cursor never widens access.
 */
export interface CursorState {
  /** The search path: `Observation` or `Patient/123/Observation`, or a history path. */
  path: string;
  params: [string, string][];
  offset: number;
  /** Digest of who started the search. */
  caller: string;
  expires: number;
}

const keys = new WeakMap<Store, Promise<Buffer>>();

function cursorKey(store: Store): Promise<Buffer> {
  let key = keys.get(store);
  if (!key) {
    key = sharedSecret(store, 'fhir-cursor-key').then((secret) =>
      createHash('sha256').update(`fhir-cursor:${secret}`).digest(),
    );
    keys.set(store, key);
  }
  return key;
}

export async function sealCursor(
  store: Store,
  state: Omit<CursorState, 'expires'>,
): Promise<string> {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', await cursorKey(store), iv);
  const body = JSON.stringify({ ...state, expires: Date.now() + CURSOR_TTL_MS });
  const sealed = Buffer.concat([cipher.update(body, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

/** Opens a cursor for `path` and `caller`; any mismatch, tampering or expiry is a 400. */
export async function openCursor(
  store: Store,
  token: string,
  expected: { path: string; caller: string },
): Promise<CursorState> {
  const state = await decrypt(store, token);
  if (!state || state.expires < Date.now())
    throw badValue('the paging cursor has expired or is invalid');
  if (state.path !== expected.path || state.caller !== expected.caller) {
    throw badValue('the paging cursor belongs to another search');
  }
  return state;
}

async function decrypt(store: Store, token: string): Promise<CursorState | undefined> {
  try {
    const raw = Buffer.from(token, 'base64url');
    if (raw.length < 29) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', await cursorKey(store), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    const body = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
    return JSON.parse(body.toString('utf8')) as CursorState;
  } catch {
    return undefined;
  }
}

/** Who a cursor belongs to: a digest of the caller's audit identity (or the open router). */
export function callerDigest(audit: Record<string, string | undefined> | undefined): string {
  if (!audit) return 'open';
  const sorted = Object.keys(audit)
    .sort()
    .map((k) => [k, audit[k] ?? null]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('base64url').slice(0, 22);
}

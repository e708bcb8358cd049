import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes, base64url: 256 bits, for codes, token ids, session ids and handles. */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/** Secrets (codes, session ids, registration tokens) are stored only as their SHA-256. */
export const sha256 = (value: string): string =>
  createHash('sha256').update(value).digest('base64url');

/** Compares two strings in constant time (for equal lengths; unequal lengths fail at once). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

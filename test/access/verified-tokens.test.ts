import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { VerifiedTokens } from '../../src/access/token/verified-tokens.js';

/**
 * The RS remembers which token texts it has verified (src/access/token/verified-tokens.ts); an
 * entry must never outlive the token, nor answer for another key or other bytes.
 */
const keyPair = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
const NOW = 1_800_000_000;
const SKEW = 60;

describe('verified tokens', () => {
  it('answers for the same text and the same key only', () => {
    const key = keyPair();
    const cache = new VerifiedTokens();
    cache.remember('a.b.c', key, { jti: 'j', exp: NOW + 600 });
    expect(cache.lookup('a.b.c', key, NOW, SKEW)).toMatchObject({ jti: 'j' });
    expect(cache.lookup('a.b.d', key, NOW, SKEW)).toBeUndefined();
    expect(cache.lookup('a.b.c', keyPair(), NOW, SKEW)).toBeUndefined();
    // Once another key was asked about, the entry is gone even for the first key.
    expect(cache.lookup('a.b.c', key, NOW, SKEW)).toBeUndefined();
  });

  it('OA-PR-4 forgets a token once it has expired, with the same clock skew as a fresh check', () => {
    const key = keyPair();
    const cache = new VerifiedTokens();
    cache.remember('t', key, { exp: NOW });
    expect(cache.lookup('t', key, NOW + SKEW, SKEW)).toBeDefined();
    expect(cache.lookup('t', key, NOW + SKEW + 1, SKEW)).toBeUndefined();
    expect(cache.lookup('t', key, NOW, SKEW)).toBeUndefined();
  });

  it('keeps no token without exp, and stays bounded', () => {
    const key = keyPair();
    const cache = new VerifiedTokens();
    cache.remember('no-exp', key, { jti: 'j' });
    expect(cache.lookup('no-exp', key, NOW, SKEW)).toBeUndefined();
    for (let i = 0; i <= 10_000; i++) cache.remember(`t${i}`, key, { exp: NOW + 600 });
    expect(cache.lookup('t0', key, NOW, SKEW)).toBeUndefined();
    expect(cache.lookup('t10000', key, NOW, SKEW)).toBeDefined();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fetchJson,
  isAllowedAddress,
  safeFetch,
  SafeFetchError,
  type SafeFetchFailure,
} from '../../src/util/safe-fetch.js';
import { startDocumentServer, type DocumentServer } from '../helpers/register.js';

let host: DocumentServer;
beforeAll(async () => {
  host = await startDocumentServer();
  host.serve('/jwks', { keys: [] });
  host.serve('/jwk-set', { keys: [] }, { headers: { 'content-type': 'application/jwk-set+json' } });
  host.serve('/html', '<html></html>', { headers: { 'content-type': 'text/html' } });
  host.serve('/broken', '{"keys": [', {});
  host.serve('/big', JSON.stringify({ pad: 'x'.repeat(70 * 1024) }));
  host.serve('/moved', '', { status: 302, headers: { location: '/jwks' } });
  host.serve('/missing', {}, { status: 404 });
  host.serve('/slow', {}, { hang: true });
});
afterAll(() => host.close());

const loopbackAllowed = { allowLoopback: true };

async function failure(promise: Promise<unknown>): Promise<SafeFetchFailure | 'none'> {
  try {
    await promise;
    return 'none';
  } catch (error) {
    expect(error).toBeInstanceOf(SafeFetchError);
    return (error as SafeFetchError).reason;
  }
}

describe('safe-fetch', () => {
  it('fetches JSON over http from loopback when loopback fetches are allowed', async () => {
    expect(await fetchJson(`${host.url}/jwks`, loopbackAllowed)).toEqual({ keys: [] });
    expect(await fetchJson(`${host.url}/jwk-set`, loopbackAllowed)).toEqual({ keys: [] });
    const localhost = host.url.replace('127.0.0.1', 'localhost');
    expect(await fetchJson(`${localhost}/jwks`, loopbackAllowed)).toEqual({ keys: [] });
  });

  it('refuses http, and loopback addresses, when loopback fetches are not allowed', async () => {
    const off = { allowLoopback: false };
    const before = host.hits('/jwks');
    expect(await failure(fetchJson(`${host.url}/jwks`, off))).toBe('scheme_not_allowed');
    const port = new URL(host.url).port;
    // A name is resolved and every address checked: localhost resolves to loopback only.
    expect(await failure(fetchJson(`https://localhost:${port}/jwks`, off))).toBe(
      'address_not_allowed',
    );
    expect(await failure(fetchJson(`https://127.0.0.1:${port}/jwks`, off))).toBe(
      'address_not_allowed',
    );
    // Refused before any connection: the host saw none of these requests.
    expect(host.hits('/jwks')).toBe(before);
  });

  it('refuses http to any host but loopback, even when loopback fetches are allowed', async () => {
    expect(await failure(fetchJson('http://jwks.example/keys', loopbackAllowed))).toBe(
      'scheme_not_allowed',
    );
    expect(await failure(fetchJson('ftp://jwks.example/keys', loopbackAllowed))).toBe(
      'scheme_not_allowed',
    );
    expect(await failure(fetchJson('not a url', loopbackAllowed))).toBe('bad_url');
    expect(await failure(fetchJson(`https://user:pw@jwks.example/`, loopbackAllowed))).toBe(
      'bad_url',
    );
  });

  it('refuses private, link-local and other special addresses written in the URL', async () => {
    for (const url of [
      'https://10.0.0.1/jwks',
      'https://172.16.5.4/jwks',
      'https://192.168.1.1/jwks',
      'https://169.254.169.254/latest/meta-data',
      'https://100.64.0.1/',
      'https://0.0.0.0/',
      'https://[fd00::1]/',
      'https://[fe80::1]/',
      'https://[::ffff:10.0.0.1]/',
      'https://[::ffff:127.0.0.1]/',
    ]) {
      expect(await failure(fetchJson(url, { allowLoopback: false })), url).toBe(
        'address_not_allowed',
      );
    }
  });

  it('judges resolved addresses: public ones pass, private and mapped ones do not', () => {
    expect(isAllowedAddress('93.184.216.34', false)).toBe(true);
    expect(isAllowedAddress('2606:2800:220:1::1', false)).toBe(true);
    expect(isAllowedAddress('10.1.2.3', false)).toBe(false);
    expect(isAllowedAddress('::ffff:a00:1', false)).toBe(false);
    expect(isAllowedAddress('127.0.0.1', false)).toBe(false);
    expect(isAllowedAddress('127.0.0.1', true)).toBe(true);
    expect(isAllowedAddress('::1', true)).toBe(true);
    expect(isAllowedAddress('10.1.2.3', true)).toBe(false);
  });

  it('does not follow redirects', async () => {
    expect(await failure(fetchJson(`${host.url}/moved`, loopbackAllowed))).toBe('redirect');
  });

  it('refuses a body over the size limit', async () => {
    expect(await failure(fetchJson(`${host.url}/big`, loopbackAllowed))).toBe('too_large');
    const small = safeFetch(`${host.url}/jwks`, { ...loopbackAllowed, maxBytes: 4 });
    expect(await failure(small)).toBe('too_large');
  });

  it('gives up after the timeout', async () => {
    const started = Date.now();
    const slow = fetchJson(`${host.url}/slow`, { ...loopbackAllowed, timeoutMs: 300 });
    expect(await failure(slow)).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('expects JSON: other content types, broken JSON and error statuses are refused', async () => {
    expect(await failure(fetchJson(`${host.url}/html`, loopbackAllowed))).toBe('bad_content_type');
    expect(await failure(fetchJson(`${host.url}/broken`, loopbackAllowed))).toBe('bad_json');
    expect(await failure(fetchJson(`${host.url}/missing`, loopbackAllowed))).toBe('bad_status');
  });

  it('reports a refused connection as a network failure', async () => {
    const closed = await startDocumentServer();
    const url = closed.url;
    await closed.close();
    expect(await failure(fetchJson(`${url}/jwks`, loopbackAllowed))).toBe('network');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKardia, type TestServer } from '../helpers/server.js';

/**
 * DESIGN.md: "No request, however malformed, produces a 5xx or a stack trace in a response."
 * A sweep over every endpoint with wrong methods and content types, broken JSON and forms,
 * repeated, missing and oversized parameters, and odd unicode.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startKardia();
});
afterAll(() => server.close());

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
const big = 'x'.repeat(200_000);
/** Lone surrogates cannot be percent-encoded; they travel as invalid UTF-8 bytes instead. */
const enc = (value: string) => {
  try {
    return enc(value);
  } catch {
    return '%ED%A0%80';
  }
};
const odd = ['\u0000', '\u202e', '\ud800', '💊', '\u00a0', '%', '%zz', '\\', '"', "'", '<script>'];

const oauthPosts = ['/token', '/introspect', '/revoke'];
const jsonPosts = ['/register'];
const getPaths = [
  '/authorize',
  '/.well-known/openid-configuration',
  '/.well-known/oauth-authorization-server',
  '/jwks',
  '/userinfo',
  '/register/unknown-client',
  '/login',
  '/account',
  '/fhir/metadata',
  '/fhir/Patient',
  '/fhir/Patient/x',
  '/fhir/Patient/x/_history/1',
  '/nowhere',
];

interface Probe {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

function probes(): Probe[] {
  const list: Probe[] = [];
  for (const path of [...oauthPosts, ...jsonPosts]) {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) list.push({ method, path });
    list.push({ method: 'POST', path });
    list.push({ method: 'POST', path, headers: { 'content-type': 'text/plain' }, body: 'hello' });
    list.push({
      method: 'POST',
      path,
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      body: '--x--',
    });
    list.push({ method: 'POST', path, headers: { 'content-type': JSON_TYPE }, body: '{"broken":' });
    list.push({ method: 'POST', path, headers: { 'content-type': JSON_TYPE }, body: '[1,2,3]' });
    list.push({ method: 'POST', path, headers: { 'content-type': JSON_TYPE }, body: 'null' });
    list.push({ method: 'POST', path, headers: { 'content-type': JSON_TYPE }, body: '"string"' });
    list.push({
      method: 'POST',
      path,
      headers: { 'content-type': JSON_TYPE },
      body: '{"redirect_uris":{"a":1},"grant_types":7,"jwks":"x"}',
    });
    list.push({ method: 'POST', path, headers: { 'content-type': FORM }, body: '' });
    list.push({ method: 'POST', path, headers: { 'content-type': FORM }, body: '%zz=%%&&=&a' });
    list.push({
      method: 'POST',
      path,
      headers: { 'content-type': FORM },
      body: 'grant_type=client_credentials&grant_type=client_credentials',
    });
    list.push({
      method: 'POST',
      path,
      headers: { 'content-type': FORM },
      body: `grant_type=${big}`,
    });
    list.push({
      method: 'POST',
      path,
      headers: { 'content-type': FORM },
      body: `token=${big}&client_assertion=${big}`,
    });
    list.push({
      method: 'POST',
      path,
      headers: { 'content-type': FORM },
      body: 'client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=a.b.c&grant_type=client_credentials',
    });
    list.push({
      method: 'POST',
      path,
      headers: { 'content-type': FORM, authorization: 'Basic !!!' },
      body: 'grant_type=client_credentials',
    });
    list.push({
      method: 'POST',
      path,
      headers: { 'content-type': FORM, authorization: 'Bearer' },
      body: 'token=x',
    });
    list.push({
      method: 'POST',
      path,
      headers: { 'content-type': FORM },
      body: 'x'.repeat(3_000_000),
    });
    for (const value of odd) {
      list.push({
        method: 'POST',
        path,
        headers: { 'content-type': FORM },
        body: `grant_type=${enc(value)}&token=${enc(value)}&client_id=${enc(value)}`,
      });
      list.push({
        method: 'POST',
        path,
        headers: { 'content-type': JSON_TYPE },
        body: JSON.stringify({ client_name: value, redirect_uris: [value] }),
      });
    }
  }
  for (const path of getPaths) {
    list.push({ method: 'GET', path });
    list.push({
      method: 'GET',
      path: `${path}?client_id=%zz&redirect_uri=%%&state=${'s'.repeat(5000)}`,
    });
    list.push({
      method: 'GET',
      path: `${path}?client_id=a&client_id=b&response_type=code&response_type=token`,
    });
    list.push({ method: 'GET', path, headers: { authorization: 'Bearer not.a.jwt' } });
    list.push({ method: 'GET', path, headers: { authorization: 'Bearer ' + 'a'.repeat(10_000) } });
    list.push({ method: 'GET', path, headers: { cookie: 'kardia_session=%zz; x=' } });
    for (const value of odd)
      list.push({
        method: 'GET',
        path: `${path}?client_id=${enc(value)}&scope=${enc(value)}`,
      });
    list.push({ method: 'POST', path, headers: { 'content-type': JSON_TYPE }, body: '{' });
    list.push({ method: 'DELETE', path });
  }
  list.push({ method: 'GET', path: '/fhir/Patient?birthdate=notadate&_count=-1&_sort=%zz' });
  list.push({ method: 'GET', path: '/fhir/Observation?date=ge2020-13-45&value-quantity=abc' });
  list.push({
    method: 'POST',
    path: '/fhir/Patient',
    headers: { 'content-type': 'application/fhir+json' },
    body: '{"resourceType":',
  });
  list.push({
    method: 'POST',
    path: '/fhir',
    headers: { 'content-type': 'application/fhir+json' },
    body: '{"resourceType":"Bundle","type":"transaction","entry":[{}]}',
  });
  list.push({
    method: 'PATCH',
    path: '/fhir/Patient/x',
    headers: { 'content-type': 'application/json-patch+json' },
    body: '[{"op":"explode"}]',
  });
  return list;
}

describe('malformed requests', () => {
  it('never answer 5xx or leak a stack trace, on every endpoint', async () => {
    const failures: string[] = [];
    for (const probe of probes()) {
      const init: RequestInit = {
        method: probe.method,
        headers: probe.headers ?? {},
        redirect: 'manual',
      };
      if (probe.body !== undefined && probe.method !== 'GET') init.body = probe.body;
      let response: Response;
      try {
        response = await fetch(`${server.url}${probe.path}`, init);
      } catch (error) {
        failures.push(
          `${probe.method} ${probe.path.slice(0, 60)}: connection failed (${String(error)})`,
        );
        continue;
      }
      const text = await response.text();
      const label = `${probe.method} ${probe.path.slice(0, 60)} ${probe.body ? String(probe.body).slice(0, 40) : ''}`;
      if (response.status >= 500)
        failures.push(`${label} → ${response.status} ${text.slice(0, 120)}`);
      if (/\bat .+\.(ts|js):\d+/.test(text)) failures.push(`${label} → stack trace in body`);
    }
    expect(failures).toEqual([]);
  });

  it('OAuth endpoints answer a JSON error object for malformed input', async () => {
    for (const path of oauthPosts) {
      const response = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': JSON_TYPE },
        body: '{"broken":',
      });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.headers.get('cache-control')).toContain('no-store');
      const body = (await response.json()) as { error?: string };
      expect(typeof body.error).toBe('string');
    }
  });
});

describe('unroutable URLs', () => {
  it('FHIR-23 a FHIR path that is not valid percent-encoding gets an OperationOutcome', async () => {
    const response = await fetch(`${server.url}/fhir/Patient/%E0%A4%A`);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/fhir+json');
    const body = (await response.json()) as { resourceType?: string };
    expect(body.resourceType).toBe('OperationOutcome');
  });

  it('an OAuth path that is not valid percent-encoding gets an OAuth error', async () => {
    const response = await fetch(`${server.url}/token%E0%A4%A`, { method: 'POST' });
    expect(response.status).toBeLessThan(500);
    expect(((await response.json()) as { error?: string }).error).toBeTypeOf('string');
  });
});

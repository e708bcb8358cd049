import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoStore } from '../helpers/back-channel.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { createTestUser } from '../helpers/users.js';
import {
  call,
  endpoints,
  linkOwner,
  registerResource,
  registerResourceServerClient,
} from './fixtures.js';

/** The permission endpoint (federated authorization §4), called by the RS under an owner's PAT. */
let server: TestServer;
let alicePat: string;
let bobPat: string;
let otherRsPat: string;
let url: string;

beforeAll(async () => {
  server = await startKardia();
  const alice = await createTestUser(server);
  const bob = await createTestUser(server);
  const rs = await registerResourceServerClient(server);
  const otherRs = await registerResourceServerClient(server, 'Other RS');
  ({ pat: alicePat } = await linkOwner(server, rs, alice));
  ({ pat: bobPat } = await linkOwner(server, rs, bob));
  ({ pat: otherRsPat } = await linkOwner(server, otherRs, alice));
  url = endpoints(server).permission;
});
afterAll(() => server.close());

describe('the permission endpoint', () => {
  it('UMA-PERM-1 a registered resource with an empty scope list → 201', async () => {
    const id = await registerResource(server, alicePat);
    const answer = await call(url, 'POST', alicePat, { resource_id: id, resource_scopes: [] });
    expect(answer.status).toBe(201);
    expectNoStore(answer.headers);
  });

  it('UMA-PERM-3 three permissions → 201 with exactly one string ticket', async () => {
    const ids = [
      await registerResource(server, alicePat),
      await registerResource(server, alicePat),
      await registerResource(server, alicePat),
    ];
    const answer = await call(
      url,
      'POST',
      alicePat,
      ids.map((id) => ({ resource_id: id, resource_scopes: ['read'] })),
    );
    expect(answer.status).toBe(201);
    expect(Object.keys(answer.json)).toEqual(['ticket']);
    expect(typeof answer.json.ticket).toBe('string');
  });

  it("UMA-PERM-4 HU-31 another owner's or another RS's resource, or an unknown id → 400 invalid_resource_id", async () => {
    const alices = await registerResource(server, alicePat);
    for (const [pat, id] of [
      [bobPat, alices],
      [otherRsPat, alices],
      [alicePat, 'no-such-resource'],
    ] as const) {
      const answer = await call(url, 'POST', pat, { resource_id: id, resource_scopes: ['read'] });
      expect(answer.status).toBe(400);
      expect(answer.json.error).toBe('invalid_resource_id');
    }
  });

  it('UMA-PERM-5 a scope not registered for the resource → 400 invalid_scope', async () => {
    const id = await registerResource(server, alicePat, { resource_scopes: ['read'] });
    const answer = await call(url, 'POST', alicePat, {
      resource_id: id,
      resource_scopes: ['delete'],
    });
    expect(answer.status).toBe(400);
    expect(answer.json.error).toBe('invalid_scope');
  });

  it('UMA-PERM-6 malformed JSON, an empty array or a wrong member type → 400 invalid_request', async () => {
    const id = await registerResource(server, alicePat);
    for (const body of [
      '[',
      [],
      { resource_id: id, resource_scopes: 'read' },
      { resource_id: 7, resource_scopes: ['read'] },
      { resource_id: id },
      ['x'],
    ]) {
      const answer = await call(url, 'POST', alicePat, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.json.error).toBe('invalid_request');
    }
  });

  it('UMA-PAT-6 the permission endpoint needs a PAT', async () => {
    const answer = await call(url, 'POST', undefined, { resource_id: 'x', resource_scopes: [] });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="kardia"');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeToken } from '../helpers/back-channel.js';
import { registerImplicitClient, type RegisteredClient } from '../helpers/register.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { responseParams, UserAgent } from '../helpers/user-agent.js';
import { createTestUser, type TestUser } from '../helpers/users.js';

const SPA_CB = 'https://spa.example/callback';

let server: TestServer;
let user: TestUser;
let spa: RegisteredClient;

beforeAll(async () => {
  server = await startKardia();
  user = await createTestUser(server);
  spa = await registerImplicitClient(server, { scope: 'patient/*.read user/*.read' });
});
afterAll(() => server.close());

const tokenRequest = (extra: Record<string, string> = {}) => ({
  client_id: spa.clientId,
  redirect_uri: SPA_CB,
  response_type: 'token',
  state: 'a-b._~9',
  ...extra,
});

describe('the implicit flow', () => {
  it('OA-BE-1 OA-BE-2 OA-BE-3 OA-BE-4 OA-LT-3 returns a short-lived token in the fragment, never a refresh token', async () => {
    const agent = new UserAgent(server);
    const result = await agent.authorize(tokenRequest({ scope: 'patient/*.read' }), {
      username: user.username,
      password: user.password,
    });
    expect(result.sawLogin).toBe(true);
    const url = new URL(result.location);
    expect(`${url.origin}${url.pathname}`).toBe(SPA_CB);
    expect(url.search).toBe('');
    expect(result.location).toMatch(/#.*state=a-b\._~9(&|$)/);

    const params = responseParams(result.location);
    expect(params.token_type).toBe('Bearer');
    expect(params.scope).toBe('patient/*.read');
    expect(params.refresh_token).toBeUndefined();
    expect(params.code).toBeUndefined();
    expect(Number(params.expires_in)).toBeLessThanOrEqual(900);
    expect(Number(params.expires_in)).toBeGreaterThan(0);

    const { header, payload } = decodeToken(params.access_token ?? '');
    expect(header.typ).toBe('at+jwt');
    expect(payload.azp).toBe(spa.clientId);
    expect(payload.sub).toBe(user.sub);
    expect(Number(payload.exp) - Number(payload.iat)).toBeLessThanOrEqual(900);

    const rows = await server.kardia.store.db
      .selectFrom('tokens')
      .selectAll()
      .where('client_id', '=', spa.clientId)
      .execute();
    expect(rows.map((r) => r.kind)).toEqual(['access']);
    const grant = await server.kardia.store.db
      .selectFrom('consent_grants')
      .selectAll()
      .where('client_id', '=', spa.clientId)
      .executeTakeFirstOrThrow();
    expect(rows[0]?.grant_id).toBe(grant.id);
    expect(grant.last_used_at).not.toBeNull();
  });

  it('OA-BE-4 OA-LT-3 follows the configured implicit lifetime', async () => {
    const short = await startKardia({ implicitAccessTokenTtl: 300 });
    try {
      const client = await registerImplicitClient(short, { scope: 'patient/*.read' });
      const owner = await createTestUser(short);
      const result = await new UserAgent(short).authorize(
        { ...tokenRequest(), client_id: client.clientId },
        { username: owner.username, password: owner.password },
      );
      const params = responseParams(result.location);
      expect(params.expires_in).toBe('300');
      const { payload } = decodeToken(params.access_token ?? '');
      expect(Number(payload.exp) - Number(payload.iat)).toBe(300);
    } finally {
      await short.close();
    }
  }, 60_000);

  it('OA-AZ-3 sends errors for implicit clients in the fragment, with state', async () => {
    const agent = new UserAgent(server);
    await agent.signIn(user.username, user.password);
    const response = await agent.get(
      `/authorize?${new URLSearchParams(tokenRequest({ scope: 'user/*.*' })).toString()}`,
    );
    expect(response.status).toBe(302);
    const location = response.headers.get('location') ?? '';
    expect(location.startsWith(`${SPA_CB}#error=invalid_scope`)).toBe(true);
    expect(responseParams(location).state).toBe('a-b._~9');
  });
});

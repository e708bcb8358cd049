import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_APP, demoHistory } from '../../src/demo/history.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';
import { createTestUser, type TestUser } from '../helpers/users.js';
import { giveRecord } from './dashboard-helpers.js';

/** The demo's history at `npm start`: real accesses by a demo app, shown on Alice's dashboard. */
let server: TestServer;
let alice: TestUser;

beforeAll(async () => {
  server = await startKardia();
  alice = await createTestUser(server, { username: 'alice', name: 'Alice Martin' });
  await giveRecord(server, alice.sub, 'Martin');
});
afterAll(() => server.close());

describe('the demo history', () => {
  it('HFO-14 a demo app allowed by Alice reads through the RS; the dashboard shows it all', async () => {
    await demoHistory(server.kardia);
    const agent = new UserAgent(server);
    expect((await agent.signIn(alice.username, alice.password)).status).toBe(303);
    const history = await (await agent.get('/account/history')).text();
    expect(history).toContain(DEMO_APP);
    expect(history.match(/data-outcome="allowed"/g)).toHaveLength(2);
    expect(history.match(/data-outcome="refused"/g)).toHaveLength(1);
    const apps = await (await agent.get('/account/apps')).text();
    expect(apps).toContain(DEMO_APP);
    expect(apps).toContain('data-registration="static"');
  });
});

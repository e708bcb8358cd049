import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_APP, demoHistory } from '../../src/demo/history.js';
import { DEMO_DOCTOR_APP, DEMO_FAMILY_APP, demoSharing } from '../../src/demo/sharing.js';
import { startKardia, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';
import { createTestUser, type TestUser } from '../helpers/users.js';
import { giveRecord } from './dashboard-helpers.js';

/**
 * What `npm start` makes after it listens (src/demo/steps.ts): real accesses by a demo app, a
 * share with Bob used by his app, and Carol's request waiting, all on Alice's dashboard.
 */
let server: TestServer;
let alice: TestUser;

beforeAll(async () => {
  server = await startKardia();
  alice = await createTestUser(server, { username: 'alice', name: 'Alice Martin' });
  for (const [username, name] of [
    ['bob', 'Bob Okafor'],
    ['carol', 'Carol Reyes'],
  ] as const) {
    await createTestUser(server, { username, name, email: `${username}@example.org` });
  }
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

  it('UMA-RS-1 the demo connects Alice’s record, shares labs with Bob (used by his app) and leaves Carol’s request pending', async () => {
    await demoSharing(server.kardia);
    const agent = new UserAgent(server);
    expect((await agent.signIn(alice.username, alice.password)).status).toBe(303);

    const shares = await (await agent.get('/account/shares')).text();
    expect(shares.match(/data-share=/g)).toHaveLength(2);
    expect(shares).toContain('Shared with bob@example.org');
    // Bob's app used the share: the shares page says when.
    const bobShare = /data-mode="grant">([\s\S]*?)<\/li>/.exec(shares)?.[1] ?? '';
    expect(bobShare).toMatch(/Last used <time datetime=/);
    // Its first use bound it to Bob's account (src/uma/policy/binding.ts).
    expect(bobShare).toContain("First used by Bob Okafor's account here");
    expect(shares).toContain('data-mode="grant"');
    expect(shares).toContain('data-mode="ask"');

    const requests = await (await agent.get('/account/requests')).text();
    expect(requests.match(/data-request=/g)).toHaveLength(1);
    expect(requests).toContain('Carol Reyes');
    expect(requests).toContain(DEMO_FAMILY_APP);

    const history = await (await agent.get('/account/history')).text();
    expect(history).toContain(DEMO_DOCTOR_APP);
    expect(history).toMatch(/share: [^<]*bob@example.org/);
  });
});

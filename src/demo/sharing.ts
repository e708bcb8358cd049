import { importJWK, type CryptoKey } from 'jose';
import type { RsCredentials } from '../access/rs-credentials.js';
import { postToAs } from '../access/token/as-client.js';
import { findUserByUsername } from '../account/users.js';
import { dayFromNow, shareToPolicy } from '../account/sharing/share-form.js';
import type { SharablePart } from '../account/sharing/record-resources.js';
import { typeWords } from '../account/record/categories.js';
import { patientsOwnedBy } from '../fhir/repository/owners.js';
import { newClientKeyPair } from '../keys/client-key-pair.js';
import { saveNewClient } from '../oauth/client-registry.js';
import type { Client } from '../oauth/clients.js';
import { UMA_TICKET_GRANT } from '../oauth/registration/grant-set.js';
import { issueIdToken } from '../oidc/id-token.js';
import type { Kardia } from '../server/context.js';
import { ID_TOKEN_FORMAT } from '../uma/claims/requesting-party.js';
import { createPolicy } from '../uma/policy/policy-store.js';
import type { UserTable } from '../store/tables.js';
import { DEMO_OWNER } from './accounts.js';
import { connectRecordWithoutBrowser } from './connect-record.js';

/** Bob's app, which reads Alice's labs through her share. */
export const DEMO_DOCTOR_APP = 'Clinic Viewer';
/** Carol's app, whose request to see Alice's conditions waits for Alice. */
export const DEMO_FAMILY_APP = 'Family Health';

/**
 * The sharing half of the demo, made by the same code paths as a real visit (issue 6: "one
 * share, one pending request"): Alice's record is connected to UMA, Alice shares her lab
 * results with Bob for 90 days exactly as the share form would, and keeps an "ask me first"
 * policy for Carol. Bob's app then meets the FHIR server's UMA challenge, pushes Bob's ID token
 * at /token, receives an RPT and reads the labs; Carol's app does the same for Alice's
 * conditions and is told `request_submitted`, which leaves the request pending on Alice's
 * dashboard. Runs once the server listens, on the start that seeded the demo.
 */
export async function demoSharing(kardia: Kardia): Promise<void> {
  const [alice, bob, carol] = await Promise.all(
    [DEMO_OWNER, 'bob', 'carol'].map((name) => findUserByUsername(kardia, name)),
  );
  if (!alice || !bob || !carol) return;
  const [patient] = await patientsOwnedBy(kardia.store.db, alice.sub);
  if (!patient) return;
  const parts = await connectRecordWithoutBrowser(kardia, alice.sub);
  const labs = parts.get('Observation');
  const conditions = parts.get('Condition');
  if (!labs || !conditions) return;

  const part = (id: string, type: string): SharablePart => ({
    id,
    fhirType: type,
    label: typeWords(type),
    scopes: ['read'],
  });
  const share = shareToPolicy(
    kardia,
    { email: emailOf(bob), partIds: [labs], sensitive: [], access: 'read', until: dayFromNow(90) },
    [part(labs, 'Observation')],
  );
  await createPolicy(kardia, alice.sub, share);
  await createPolicy(kardia, alice.sub, {
    resource_ids: [labs, conditions],
    resource_scopes: ['read'],
    required_claims: [{ name: 'email', value: emailOf(carol), issuer: [kardia.urls.issuer] }],
    mode: 'ask',
    description: `Ask me first when ${emailOf(carol)} wants to look`,
  });

  const doctor = await DemoUmaApp.register(kardia, DEMO_DOCTOR_APP);
  const labsPath = `Observation?patient=${patient}&category=laboratory&_count=5`;
  const rpt = await doctor.obtainRpt(labsPath, bob);
  if (rpt) await doctor.read(labsPath, rpt);

  const family = await DemoUmaApp.register(kardia, DEMO_FAMILY_APP);
  await family.obtainRpt(`Condition?patient=${patient}&_count=5`, carol);
}

const emailOf = (user: UserTable): string => user.email ?? `${user.username}@example.org`;

/**
 * A requesting party's app as UMA 2.0 has it (G§3.3): registered for the uma-ticket grant with
 * its own key, it meets the RS's 401 + ticket, and asks /token for an RPT with its user's ID
 * token pushed as the claim token.
 */
class DemoUmaApp {
  private constructor(
    private readonly kardia: Kardia,
    private readonly client: Client,
    private readonly credentials: RsCredentials,
  ) {}

  static async register(kardia: Kardia, name: string): Promise<DemoUmaApp> {
    const { jwks, privateJwk } = await newClientKeyPair();
    const client = await saveNewClient(kardia, {
      kind: 'client',
      registration: 'static',
      clientName: name,
      metadata: { client_name: name, grant_types: [UMA_TICKET_GRANT], jwks },
      grantTypes: [UMA_TICKET_GRANT],
      responseTypes: [],
      redirectUris: [],
      authMethod: 'private_key_jwt',
      jwks,
      jwksUri: null,
      scope: '',
    });
    const credentials: RsCredentials = {
      asIssuer: kardia.urls.issuer,
      clientId: client.clientId,
      privateKey: (await importJWK(privateJwk, privateJwk.alg)) as CryptoKey,
      alg: privateJwk.alg,
      kid: privateJwk.kid,
    };
    return new DemoUmaApp(kardia, client, credentials);
  }

  /** The RPT for `path`, or undefined when the AS did not give one (e.g. request_submitted). */
  async obtainRpt(path: string, user: UserTable): Promise<string | undefined> {
    const challenge = await this.fetchFhir(path);
    const ticket = /ticket="([^"]+)"/.exec(challenge.headers.get('www-authenticate') ?? '')?.[1];
    await challenge.body?.cancel();
    if (challenge.status !== 401 || !ticket) return undefined;
    const idToken = await issueIdToken(this.kardia, { client: this.client, sub: user.sub });
    const response = await postToAs(this.credentials, this.kardia.urls.token, {
      grant_type: UMA_TICKET_GRANT,
      ticket,
      claim_token: idToken,
      claim_token_format: ID_TOKEN_FORMAT,
    });
    const body = (await response.json()) as { access_token?: unknown };
    return response.status === 200 && typeof body.access_token === 'string'
      ? body.access_token
      : undefined;
  }

  async read(path: string, rpt: string): Promise<void> {
    const response = await this.fetchFhir(path, rpt);
    await response.body?.cancel();
  }

  private fetchFhir(path: string, token?: string): Promise<Response> {
    return fetch(`${this.kardia.urls.fhir}/${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(15_000),
    });
  }
}

import { AS_TIMEOUT_MS, AsUnavailable } from '../token/trusted-as.js';

/** F§1.3: the scope that makes an access token a PAT. */
export const PROTECTION_SCOPE = 'uma_protection';

/** How long the UMA discovery document is trusted before it is read again, milliseconds. */
const DISCOVERY_MAX_AGE_MS = 3_600_000;

/** The members of the AS's UMA discovery document the RS relies on (G§2, F§2). */
export interface UmaAsMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  revocation_endpoint: string | undefined;
  resource_registration_endpoint: string;
  permission_endpoint: string;
}

/** The AS refused the PAT itself (401): it expired or was revoked, so it must be refreshed. */
export class PatRejected extends Error {}

/** The AS answered a protection-API call with a UMA error (F§6), e.g. `not_found`. */
export class ProtectionError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
  ) {
    super(`the AS answered ${status} ${error}`);
  }
}

/**
 * The protection API of the owner's AS (F§3, F§4), reached over HTTP only with the owner's PAT,
 * whatever host the AS runs on. Every failure to reach it or to understand it is AsUnavailable.
 */
export class AsProtection {
  private cached: { at: number; value: UmaAsMetadata } | undefined;

  constructor(readonly issuer: string) {}

  /** UMA-DISC-1, UMA-DISC-2: `<issuer>/.well-known/uma2-configuration`, issuer matching exactly. */
  async metadata(): Promise<UmaAsMetadata> {
    if (this.cached && Date.now() - this.cached.at < DISCOVERY_MAX_AGE_MS) return this.cached.value;
    const body = await this.json('GET', `${this.issuer}/.well-known/uma2-configuration`);
    const text = (name: string) => (typeof body[name] === 'string' ? body[name] : undefined);
    const value = {
      issuer: text('issuer') ?? '',
      authorization_endpoint: text('authorization_endpoint') ?? '',
      token_endpoint: text('token_endpoint') ?? '',
      revocation_endpoint: text('revocation_endpoint'),
      resource_registration_endpoint: text('resource_registration_endpoint') ?? '',
      permission_endpoint: text('permission_endpoint') ?? '',
    };
    if (value.issuer !== this.issuer) throw new AsUnavailable('UMA discovery issuer mismatch');
    const required = [
      value.authorization_endpoint,
      value.token_endpoint,
      value.resource_registration_endpoint,
      value.permission_endpoint,
    ];
    if (required.some((url) => !URL.canParse(url))) {
      throw new AsUnavailable('UMA discovery lacks a protection API endpoint');
    }
    this.cached = { at: Date.now(), value };
    return value;
  }

  /** F§3.2.1: registers a resource; answers its `_id` and `user_access_policy_uri`. */
  async createResource(pat: string, description: object) {
    const { resource_registration_endpoint: base } = await this.metadata();
    const body = await this.call(pat, 'POST', base, description, 201);
    if (typeof body._id !== 'string') throw new AsUnavailable('resource created without _id');
    const policyUri =
      typeof body.user_access_policy_uri === 'string' ? body.user_access_policy_uri : undefined;
    return { id: body._id, policyUri };
  }

  /** F§3.2.3: replaces a description whole. */
  async updateResource(pat: string, id: string, description: object): Promise<void> {
    const { resource_registration_endpoint: base } = await this.metadata();
    await this.call(pat, 'PUT', `${base}/${encodeURIComponent(id)}`, description, 200);
  }

  /** F§3.2.4: protection ends; an id the AS no longer knows counts as deleted. */
  async deleteResource(pat: string, id: string): Promise<void> {
    const { resource_registration_endpoint: base } = await this.metadata();
    try {
      await this.call(pat, 'DELETE', `${base}/${encodeURIComponent(id)}`, undefined, 204);
    } catch (error) {
      if (!(error instanceof ProtectionError && error.status === 404)) throw error;
    }
  }

  /** F§4: one ticket for exactly the permissions a request lacked. */
  async ticket(
    pat: string,
    permissions: { resource_id: string; resource_scopes: string[] }[],
  ): Promise<string> {
    const { permission_endpoint: endpoint } = await this.metadata();
    const body = await this.call(pat, 'POST', endpoint, permissions, 201);
    if (typeof body.ticket !== 'string' || body.ticket === '') {
      throw new AsUnavailable('the permission endpoint answered no ticket');
    }
    return body.ticket;
  }

  private async call(
    pat: string,
    method: string,
    url: string,
    payload: unknown,
    expected: number,
  ): Promise<Record<string, unknown>> {
    const response = await this.send(url, {
      method,
      headers: {
        authorization: `Bearer ${pat}`,
        accept: 'application/json',
        ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(payload !== undefined ? { body: JSON.stringify(payload) } : {}),
    });
    if (response.status === 401) throw new PatRejected('the AS refused the PAT');
    const body = await readJson(response);
    if (response.status === expected || (expected === 204 && response.status === 200)) return body;
    if (response.status >= 400 && response.status < 500) {
      throw new ProtectionError(response.status, String(body.error ?? 'unknown'));
    }
    throw new AsUnavailable(`the protection API answered ${response.status}`);
  }

  private async json(method: string, url: string): Promise<Record<string, unknown>> {
    const response = await this.send(url, { method, headers: { accept: 'application/json' } });
    if (!response.ok) throw new AsUnavailable(`UMA discovery answered ${response.status}`);
    return readJson(response);
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(AS_TIMEOUT_MS) });
    } catch (error) {
      throw new AsUnavailable(`the AS could not be reached: ${(error as Error).message}`);
    }
  }
}

/** A JSON object body, or `{}` (204, or a body that is not JSON). */
async function readJson(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  if (!text) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

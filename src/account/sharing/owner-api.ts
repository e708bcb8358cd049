import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kardia } from '../../server/context.js';
import type { Dashboard } from '../dashboard-context.js';
import { PageError } from '../page-error.js';

/**
 * The dashboard's client of the UMA owner-facing API (heart-uma2.md Part 3.7, 3.8): policies
 * ("shares"), access requests and the owner's registered resources. DESIGN.md: the dashboard
 * itself uses that API, so sharing has one implementation, in src/uma. The calls go through the
 * server's own router (fastify `inject`, no network), as the signed-in owner: the browser's
 * session cookie and the session's CSRF token travel with each call, exactly as a script on the
 * page would send them. The endpoints are found in the UMA discovery document.
 */
export interface UmaPolicy {
  id: string;
  resource_ids: string[];
  resource_scopes: string[];
  required_claims: { name: string; value?: string; issuer?: string[] }[];
  mode: 'grant' | 'ask' | 'deny';
  exp?: number;
  description?: string;
  /** The identity a share by email was bound to at its first use. */
  bound_to?: { iss: string; sub: string };
  created_at: number;
  updated_at: number;
}

export interface UmaOwnerResource {
  _id: string;
  name?: string;
  type?: string;
  resource_scopes: string[];
  resource_server: string;
  resource_server_name?: string | null;
}

export interface UmaAccessRequest {
  id: string;
  status: 'pending' | 'allowed' | 'denied';
  permissions: { resource_id: string; resource_scopes: string[] }[];
  requesting_party?: { iss?: string; sub?: string; claims?: Record<string, string> };
  client: { client_id: string; client_name: string | null; registration: string | null };
  created_at?: number;
  [member: string]: unknown;
}

/** A refusal from the API, with its OAuth error code, for the page to explain. */
export class OwnerApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly description: string,
  ) {
    super(`${status} ${code}`);
  }
}

interface Endpoints {
  policy: string;
  accessRequest: string;
  ownerResources: string;
}

export class OwnerApi {
  private endpoints: Promise<Endpoints> | undefined;

  constructor(
    private readonly app: FastifyInstance,
    private readonly kardia: Kardia,
    private readonly request: FastifyRequest,
    private readonly dashboard: Dashboard,
  ) {}

  policies = async () => this.call<UmaPolicy[]>('GET', (e) => e.policy);
  resources = async () => this.call<UmaOwnerResource[]>('GET', (e) => e.ownerResources);
  requests = async (status?: 'pending' | 'allowed' | 'denied') =>
    this.call<UmaAccessRequest[]>('GET', (e) =>
      status ? `${e.accessRequest}?status=${status}` : e.accessRequest,
    );

  createPolicy = async (policy: Omit<UmaPolicy, 'id' | 'created_at' | 'updated_at'>) =>
    this.call<UmaPolicy>('POST', (e) => e.policy, policy);
  replacePolicy = async (id: string, policy: Omit<UmaPolicy, 'id' | 'created_at' | 'updated_at'>) =>
    this.call<UmaPolicy>('PUT', (e) => `${e.policy}/${encodeURIComponent(id)}`, policy);
  deletePolicy = async (id: string) =>
    this.call<undefined>('DELETE', (e) => `${e.policy}/${encodeURIComponent(id)}`);
  settleRequest = async (id: string, decision: Record<string, unknown>) =>
    this.call<UmaAccessRequest>(
      'POST',
      (e) => `${e.accessRequest}/${encodeURIComponent(id)}`,
      decision,
    );

  private async call<T>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: (endpoints: Endpoints) => string,
    body?: unknown,
  ): Promise<T> {
    const url = path(await this.discover());
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.request.headers.cookie) headers.cookie = this.request.headers.cookie;
    if (method !== 'GET') headers['x-csrf-token'] = this.dashboard.csrfToken;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await this.app.inject({
      method,
      url,
      headers,
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
    if (response.statusCode >= 200 && response.statusCode < 300) {
      return (response.body ? JSON.parse(response.body) : undefined) as T;
    }
    const error = safeJson(response.body);
    throw new OwnerApiError(
      response.statusCode,
      typeof error.error === 'string' ? error.error : 'server_error',
      typeof error.error_description === 'string' ? error.error_description : '',
    );
  }

  /** The endpoints' paths under this server, from `/.well-known/uma2-configuration`. */
  private discover(): Promise<Endpoints> {
    this.endpoints ??= (async () => {
      const response = await this.app.inject({
        method: 'GET',
        url: '/.well-known/uma2-configuration',
      });
      const doc = response.statusCode === 200 ? safeJson(response.body) : {};
      const origin = new URL(this.kardia.urls.issuer).origin;
      const local = (value: unknown): string | undefined => {
        if (typeof value !== 'string' || !value.startsWith(`${this.kardia.urls.issuer}/`)) {
          return undefined;
        }
        const issuerPath = new URL(this.kardia.urls.issuer).pathname.replace(/\/+$/, '');
        return new URL(value, origin).pathname.slice(issuerPath.length);
      };
      const policy = local(doc.policy_endpoint);
      const accessRequest = local(doc.access_request_endpoint);
      const ownerResources = local(doc.owner_resources_endpoint);
      if (!policy || !accessRequest || !ownerResources) throw sharingUnavailable();
      return { policy, accessRequest, ownerResources };
    })();
    return this.endpoints;
  }
}

function safeJson(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export const sharingUnavailable = () =>
  new PageError(
    503,
    'Sharing is not available here',
    'This server does not offer sharing with other people yet.',
    { detail: 'no UMA owner API in the discovery document' },
  );

/** The root fastify instance, kept by pages.ts, so the dashboard can reach the owner API. */
const roots = new WeakMap<Kardia, FastifyInstance>();

export const rememberRoot = (kardia: Kardia, app: FastifyInstance) => roots.set(kardia, app);

export function ownerApi(kardia: Kardia, request: FastifyRequest, dashboard: Dashboard): OwnerApi {
  const app = roots.get(kardia);
  if (!app) throw sharingUnavailable();
  return new OwnerApi(app, kardia, request, dashboard);
}

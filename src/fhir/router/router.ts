import type { Logger } from 'pino';
import type { Store } from '../../store/database.js';
import type {
  FhirAccessControl,
  FhirAuditEvent,
  FhirCaller,
  FhirInteraction,
} from '../access-port.js';
import { bundle } from '../interactions/bundle.js';
import { type CapabilityOptions, capabilities } from '../interactions/capabilities.js';
import type {
  InteractionContext,
  InteractionHandler,
  InteractionResult,
} from '../interactions/context.js';
import { history } from '../interactions/history.js';
import { read, vread } from '../interactions/read.js';
import { search } from '../interactions/search.js';
import { create, patch, remove, update } from '../interactions/write.js';
import { FhirError } from '../outcome.js';
import { FhirRepository } from '../repository/repository.js';
import type { FhirRequest, FhirResponse } from './http-types.js';
import { checkAcceptable, preferences, readBody } from './negotiate.js';
import { errorResponse, successResponse } from './respond.js';
import { parseRoute, type Route } from './route.js';

const handlers: Record<FhirInteraction['kind'], InteractionHandler> = {
  capabilities,
  read,
  vread,
  create,
  update,
  patch,
  delete: remove,
  'history-instance': history,
  'history-type': history,
  'search-type': search,
  'search-compartment': search,
  transaction: bundle,
  batch: bundle,
};

export interface FhirRouterOptions {
  store: Store;
  /** `<issuer>/fhir`. */
  base: string;
  capability: Omit<CapabilityOptions, 'base'>;
  log: Logger;
  /** Token enforcement; without it every caller gets OPEN_SCOPE (tests, bench baseline). */
  accessControl?: FhirAccessControl;
}

/**
 * The FHIR router, free of any web framework: parse the request into a FhirInteraction,
 * authorize it, run its handler, and turn the outcome into HTTP at the edge (respond.ts).
 * Every interaction is audited, allowed or refused, when an access control is present.
 */
export class FhirRouter {
  readonly repo: FhirRepository;
  private accessControl: FhirAccessControl | undefined;

  constructor(private readonly options: FhirRouterOptions) {
    this.repo = new FhirRepository(options.store, options.base);
    this.accessControl = options.accessControl;
  }

  /** The server assembly passes the access control in (or takes it away, for the open router). */
  setAccessControl(accessControl: FhirAccessControl | undefined): void {
    this.accessControl = accessControl;
  }

  async handle(request: FhirRequest): Promise<FhirResponse> {
    const prefer = preferences(request);
    let interaction: FhirInteraction | undefined;
    let caller: FhirCaller | undefined;
    try {
      checkAcceptable(request);
      const route = parseRoute(request);
      interaction = route.interaction;
      const parsedBody = route.bundle ? bundleBody(request, route) : undefined;
      caller = await this.authorize(request, route.interaction);
      const context = this.context(request, route, caller, prefer, parsedBody);
      const result = await handlers[route.interaction.kind](context);
      const response = successResponse(result, prefer, request, this.options.base);
      await this.audit(interaction, caller, response.status, result);
      return response;
    } catch (cause) {
      const error = this.toFhirError(cause);
      if (interaction) await this.audit(interaction, caller, error.status, undefined);
      return errorResponse(error, request);
    }
  }

  private context(
    request: FhirRequest,
    route: Route,
    caller: FhirCaller | undefined,
    prefer: InteractionContext['prefer'],
    parsedBody: unknown,
  ): InteractionContext {
    const access = this.accessControl;
    return {
      request,
      route,
      caller,
      prefer,
      parsedBody,
      repo: this.repo,
      store: this.options.store,
      base: this.options.base,
      capability: { ...this.options.capability, base: this.options.base },
      authorizeEntry: access
        ? async (entry) => (await this.authorize(request, entry)) as FhirCaller
        : undefined,
      auditEntry: access
        ? (entry, entryCaller, status) => this.audit(entry, entryCaller, status, undefined)
        : undefined,
    };
  }

  private async authorize(
    request: FhirRequest,
    interaction: FhirInteraction,
  ): Promise<FhirCaller | undefined> {
    if (!this.accessControl) return undefined;
    return this.accessControl.authorize(
      {
        authorization: request.headers.authorization,
        accessTokenParameter: accessTokenParameter(request),
        method: request.method,
        path: request.fullPath,
        query: request.query,
        body: request.body,
      },
      interaction,
    );
  }

  private async audit(
    interaction: FhirInteraction,
    caller: FhirCaller | undefined,
    status: number,
    result: InteractionResult | undefined,
  ): Promise<void> {
    if (!this.accessControl) return;
    const event: FhirAuditEvent = {
      interaction,
      caller,
      outcome: status < 400 ? 'allowed' : status === 401 || status === 403 ? 'refused' : 'failed',
      status,
      resources: result?.touched ?? [],
    };
    await this.accessControl.audit(event);
  }

  /** Anything that is not a FhirError is a server fault: a fixed text, the cause in the log. */
  private toFhirError(cause: unknown): FhirError {
    if (cause instanceof FhirError) return cause;
    this.options.log.error(
      { err: cause instanceof Error ? cause : undefined },
      'FHIR request failed',
    );
    return new FhirError('server-error', 'exception', 'the server could not complete the request');
  }
}

/** Batch or transaction is decided by the body (R4 http.html §3.1.0.11). */
function bundleBody(request: FhirRequest, route: Route): unknown {
  const body = readBody(request, 'resource');
  const type = (body as { type?: unknown } | null)?.type;
  route.interaction.kind = type === 'transaction' ? 'transaction' : 'batch';
  return body;
}

/** RFC 6750 §2.2 and §2.3: the token as a form field (POST _search) or a query parameter. */
function accessTokenParameter(request: FhirRequest): string | undefined {
  const fromQuery = request.query.filter(([name]) => name === 'access_token');
  let fromForm: [string, string][] = [];
  const type = request.headers['content-type'] ?? '';
  if (request.method === 'POST' && type.startsWith('application/x-www-form-urlencoded')) {
    fromForm = [...new URLSearchParams(request.body ?? '')].filter(([n]) => n === 'access_token');
  }
  const all = [...fromQuery, ...fromForm];
  if (all.length > 1) throw new FhirError('bad-request', 'invalid', 'access_token sent twice');
  return all[0]?.[1];
}

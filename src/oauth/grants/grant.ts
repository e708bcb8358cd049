import type { FastifyRequest } from 'fastify';
import type { Kardia } from '../../server/context.js';
import type { Client } from '../clients.js';

/** What a grant handler gets once the token endpoint has authenticated the client. */
export interface GrantContext {
  kardia: Kardia;
  request: FastifyRequest;
  /** The form parameters, each a single string (repeats were refused). */
  params: Record<string, string>;
  client: Client;
}

/** A token response body (RFC 6749 §5.1); the endpoint adds `Cache-Control: no-store`. */
export type TokenResponse = Record<string, unknown> & {
  access_token: string;
  token_type: string;
  expires_in: number;
};

/** One grant type, one file (src/oauth/grants/<grant>.ts), listed in grants/index.ts. */
export type GrantHandler = (context: GrantContext) => Promise<TokenResponse>;

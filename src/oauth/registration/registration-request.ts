import type { Kardia } from '../../server/context.js';
import type { Client } from '../clients.js';
import { type ClientDraft, validateClientMetadata } from './metadata-validators.js';
import { verifySoftwareStatement } from './software-statement.js';
import type { TrustedIssuers } from './trusted-issuers.js';

export interface ValidRegistration {
  draft: ClientDraft;
  /** The `iss` of the software statement, shown on the consent page (HEART OAuth §3.1.4). */
  statementIssuer: string | null;
}

/**
 * Turns a registration or update request into a validated client: the software statement first
 * (RFC 7591 §2.3: its values win over the same fields sent in the clear), then every metadata
 * validator. Shared by POST /register and PUT on the client configuration endpoint.
 */
export async function readRegistration(
  kardia: Kardia,
  trusted: TrustedIssuers,
  body: Record<string, unknown>,
  previous?: Client,
): Promise<ValidRegistration> {
  let input: Record<string, unknown> = body;
  let statementIssuer: string | null = null;
  if (body.software_statement !== undefined) {
    const statement = await verifySoftwareStatement(kardia, trusted, body.software_statement);
    input = { ...body, ...statement.claims };
    statementIssuer = statement.issuer;
  }

  const draft = await validateClientMetadata(input, {
    kardia,
    registration: 'dynamic',
    ...(previous ? { previous } : {}),
  });
  // RFC 7591 §3.2.1: a software statement is returned as it was sent.
  if (statementIssuer) draft.metadata.software_statement = body.software_statement;
  return { draft, statementIssuer };
}

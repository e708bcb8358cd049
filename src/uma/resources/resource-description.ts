import { invalidRequest, isObject, stringArray } from '../protection/json-body.js';

/** A resource description as stored and answered (F§3.1); language-tagged members included. */
export type ResourceDescription = Record<string, string | string[]> & { resource_scopes: string[] };

const TEXT_MEMBERS = ['name', 'description', 'type'] as const;
/** F§3.1: `name` and `description` may come in language-tagged variants, `name#fr`. */
const TAGGED = /^(name|description)#[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/;
const MAX_TEXT = 2_000;

/**
 * Checks a resource description (F§3.1) and keeps the members Kardia understands. UMA-GEN-1:
 * other members are ignored, and names are case-sensitive, so `Resource_Scopes` does not stand
 * in for `resource_scopes`. UMA-RES-2: `resource_scopes` is a required array of strings.
 * UMA-RES-10: scope URIs are kept as strings and never fetched.
 */
export function parseResourceDescription(body: unknown): ResourceDescription {
  if (!isObject(body)) throw invalidRequest('the resource description must be a JSON object');
  const scopes = stringArray(body.resource_scopes);
  if (!scopes) {
    throw invalidRequest('resource_scopes must be an array of at most 100 non-empty strings');
  }
  const description: ResourceDescription = { resource_scopes: scopes };
  for (const [member, value] of Object.entries(body)) {
    const known = (TEXT_MEMBERS as readonly string[]).includes(member) || TAGGED.test(member);
    if (known) description[member] = text(member, value);
  }
  if (body.icon_uri !== undefined) {
    const icon = text('icon_uri', body.icon_uri);
    if (!URL.canParse(icon)) throw invalidRequest('icon_uri must be an absolute URI');
    description.icon_uri = icon;
  }
  return description;
}

function text(member: string, value: unknown): string {
  if (typeof value !== 'string' || value.length > MAX_TEXT) {
    throw invalidRequest(`${member.replace(/[^\w#-]/g, '')} must be a string`);
  }
  return value;
}

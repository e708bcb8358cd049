import type { Kardia } from '../server/context.js';

/** The UMA endpoints under the issuer, in one place (DESIGN.md "URLs"). */
export interface UmaUrls {
  configuration: string;
  resourceRegistration: string;
  permission: string;
  claimsInteraction: string;
  policy: string;
  accessRequest: string;
  ownerResources: string;
}

/** Paths relative to the issuer, as the routes are registered. */
export const UMA_PATHS = {
  configuration: '/.well-known/uma2-configuration',
  resourceRegistration: '/uma/resources',
  permission: '/uma/permission',
  claimsInteraction: '/uma/claims',
  policy: '/uma/policies',
  accessRequest: '/uma/access-requests',
  ownerResources: '/uma/owner-resources',
} as const;

export function umaUrls(kardia: Kardia): UmaUrls {
  const base = kardia.urls.issuer;
  return {
    configuration: `${base}${UMA_PATHS.configuration}`,
    resourceRegistration: `${base}${UMA_PATHS.resourceRegistration}`,
    permission: `${base}${UMA_PATHS.permission}`,
    claimsInteraction: `${base}${UMA_PATHS.claimsInteraction}`,
    policy: `${base}${UMA_PATHS.policy}`,
    accessRequest: `${base}${UMA_PATHS.accessRequest}`,
    ownerResources: `${base}${UMA_PATHS.ownerResources}`,
  };
}

/**
 * HU-33, UMA-RES-9: where the RS sends the owner to set policy for one resource: its sharing
 * page on the dashboard.
 */
export const userAccessPolicyUri = (kardia: Kardia, resourceId: string): string =>
  `${kardia.urls.account}/resources/${encodeURIComponent(resourceId)}`;

import {
  tokenClaimsExtensions,
  tokenResponseExtensions,
  type CodeRedemption,
  type TokenClaimsExtension,
  type TokenResponseExtension,
} from '../../oauth/grants/authorization-code.js';
import { parseScope } from '../../oauth/scopes.js';
import { findLaunchPatient } from './launch-patients.js';

/** SMART launch context claims (SMART App Launch 2.x "Launch context arrives with your token"). */
interface LaunchContext {
  patient?: string;
  fhirUser?: string;
}

/** The context computed for one redeemed code, so the token and its response always agree. */
const contexts = new WeakMap<CodeRedemption['code'], LaunchContext>();

/**
 * `launch/patient` puts the owner's Patient id in the access token (`patient`, carried into
 * refreshed tokens) and in the token response; `fhirUser` likewise names the Patient resource
 * the user is, as an absolute URL at the RS. Without a known Patient, nothing is added and the
 * token's `patient/` scopes grant nothing (HFO-3).
 */
const launchClaims: TokenClaimsExtension = async (kardia, code) => {
  const scopes = parseScope(code.scope);
  const wantsPatient = scopes.includes('launch/patient');
  const wantsUser = scopes.includes('fhirUser');
  if (!wantsPatient && !wantsUser) return {};
  const found = await findLaunchPatient(kardia, code.sub);
  if (!found) return {};
  const context: LaunchContext = {
    ...(wantsPatient ? { patient: found.patientId } : {}),
    ...(wantsUser ? { fhirUser: `${found.resource}/Patient/${found.patientId}` } : {}),
  };
  contexts.set(code, context);
  return { ...context };
};

const launchResponse: TokenResponseExtension = (redemption, response) => {
  const context = contexts.get(redemption.code);
  if (context) Object.assign(response, context);
};

/** Adds the launch context to the code grant, once per process. */
export function installLaunchContext(): void {
  if (!tokenClaimsExtensions.includes(launchClaims)) tokenClaimsExtensions.push(launchClaims);
  // First, so that the ID token (added by the OpenID provider's hook) can carry fhirUser.
  if (!tokenResponseExtensions.includes(launchResponse)) {
    tokenResponseExtensions.unshift(launchResponse);
  }
}

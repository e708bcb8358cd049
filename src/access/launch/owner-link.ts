import type { RsCredentials } from '../rs-credentials.js';
import { postToAs } from '../token/as-client.js';
import { AsUnavailable, type TrustedAs } from '../token/trusted-as.js';
import { LAUNCH_PATIENT_METADATA } from './launch-patient-endpoint.js';

/**
 * RS side: tells the AS that account `sub` owns Patient `patientId` here, over the AS's HTTP
 * interface with the RS's own key, so that `launch/patient` can name it (launch-patients.ts).
 * An AS that does not publish the endpoint (not a Kardia AS) is simply not told.
 */
export async function announceOwner(
  as: TrustedAs,
  credentials: RsCredentials,
  sub: string,
  patientId: string,
): Promise<boolean> {
  const endpoint = (await as.metadata())[LAUNCH_PATIENT_METADATA];
  if (typeof endpoint !== 'string') return false;
  const response = await postToAs(credentials, endpoint, { sub, patient: patientId });
  if (response.status !== 204) {
    throw new AsUnavailable(`the AS refused the owner link: ${response.status}`);
  }
  return true;
}

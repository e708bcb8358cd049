import type { FastifyInstance } from 'fastify';
import { authenticateClient } from '../../oauth/client-auth.js';
import { backChannelParams, noStore, postOnly } from '../../oauth/endpoints/back-channel.js';
import { extendMetadata } from '../../oauth/endpoints/discovery.js';
import { OAuthError } from '../../oauth/errors.js';
import type { Kardia } from '../../server/context.js';
import { setLaunchPatient } from './launch-patients.js';

export const LAUNCH_PATIENT_PATH = '/resource-server/launch-patient';
/** The discovery member naming the endpoint, Kardia's own (not an RFC 8414 name). */
export const LAUNCH_PATIENT_METADATA = 'kardia_launch_patient_endpoint';

let advertised = false;

/**
 * AS side: a protected resource tells the AS "account `sub` owns Patient `patient` here", so the
 * code grant can answer `launch/patient` without the AS reading FHIR tables. Only a protected-
 * resource registration authenticated by private_key_jwt may call it (as at /introspect), and
 * each writes only under its own registered `resource` identifier.
 */
export function registerLaunchPatientEndpoint(app: FastifyInstance, kardia: Kardia): void {
  if (!advertised) {
    advertised = true;
    extendMetadata((k) => ({
      [LAUNCH_PATIENT_METADATA]: `${k.urls.issuer}${LAUNCH_PATIENT_PATH}`,
    }));
  }
  const endpoint = `${kardia.urls.issuer}${LAUNCH_PATIENT_PATH}`;
  postOnly(app, LAUNCH_PATIENT_PATH, async (request, reply) => {
    const params = backChannelParams(request);

    const resourceServer = await authenticateClient(kardia, request, params, {
      audiences: [endpoint, kardia.urls.issuer],
      allowPublic: false,
      kinds: ['resource_server'],
    });

    const resource = resourceServer.metadata.resource;
    if (typeof resource !== 'string') {
      throw new OAuthError('invalid_request', 'the protected resource has no resource identifier');
    }
    const { sub, patient } = params;
    if (!sub || sub.length > 200) throw new OAuthError('invalid_request', 'sub is required');
    if (!patient || !/^[A-Za-z0-9\-.]{1,64}$/.test(patient)) {
      throw new OAuthError('invalid_request', 'patient must be a FHIR logical id');
    }
    await setLaunchPatient(kardia, { sub, resource, patientId: patient });
    return noStore(reply).code(204).send();
  });
}

import type {
  AuditEvent,
  AuditEventAgent,
  AuditEventEntity,
  Bundle,
  ResourceType,
} from '@medplum/fhirtypes';
import type { AuditRecord } from './audit-log.js';

/** FHIR R4 code systems of an AuditEvent (hl7.org/fhir/R4/auditevent.html). */
const AUDIT_EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
const RESTFUL_INTERACTION = 'http://hl7.org/fhir/restful-interaction';
const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
const SECURITY_SOURCE_TYPE = 'http://terminology.hl7.org/CodeSystem/security-source-type';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const PARTICIPATION_TYPE = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';

/**
 * AuditEvent.agent.policy of the requestor: the share (UMA policy) and the token that allowed
 * the access, as URNs, so the owner's dashboard can tell through which share or grant it came.
 * Identifiers only; never a token itself.
 */
export const SHARE_POLICY_PREFIX = 'urn:kardia:share:';
export const TOKEN_POLICY_PREFIX = 'urn:kardia:token:';

/** AuditEvent.action: C create, R read (and search), U update, D delete, E execute. */
const ACTIONS: Record<string, AuditEvent['action']> = {
  create: 'C',
  update: 'U',
  patch: 'U',
  delete: 'D',
  transaction: 'E',
  batch: 'E',
};

/** AuditEvent.outcome: 0 success, 4 minor failure (refused), 8 serious failure. */
const OUTCOMES: Record<AuditRecord['outcome'], AuditEvent['outcome']> = {
  allowed: '0',
  refused: '4',
  failed: '8',
};

/**
 * One audit record as an R4 AuditEvent: who (the user `sub`), which app (`client_id`), which
 * records and resources, when, the outcome, and `purposeOfEvent` BTG when the glass was broken
 * (heart-fhir.md 1.4 step 7). `issuer` qualifies the sub and client_id identifiers.
 */
export function toAuditEvent(record: AuditRecord, issuer: string): AuditEvent {
  const agent: AuditEventAgent[] = [];
  if (record.sub) {
    agent.push({
      type: {
        coding: [{ system: PARTICIPATION_TYPE, code: 'IRCP', display: 'information recipient' }],
      },
      who: { identifier: { system: issuer, value: record.sub } },
      requestor: true,
    });
  }
  if (record.clientId) {
    agent.push({
      type: {
        coding: [{ system: SECURITY_SOURCE_TYPE, code: '4', display: 'Application Server' }],
      },
      who: { identifier: { system: `${issuer}/clients`, value: record.clientId } },
      name: record.clientId,
      requestor: !record.sub,
    });
  }
  if (agent.length === 0) agent.push({ who: { display: 'unidentified caller' }, requestor: true });
  const policy = [
    ...(record.shareId ? [`${SHARE_POLICY_PREFIX}${record.shareId}`] : []),
    ...(record.tokenId ? [`${TOKEN_POLICY_PREFIX}${record.tokenId}`] : []),
  ];
  const requestor = agent.find((a) => a.requestor);
  if (requestor && policy.length > 0) requestor.policy = policy;

  // The type (and id) the interaction asked for, even when nothing was returned or it was refused.
  const asked: AuditEventEntity[] = record.resourceType
    ? [
        {
          what: {
            type: record.resourceType as ResourceType,
            ...(record.resourceId
              ? { reference: `${record.resourceType}/${record.resourceId}` }
              : {}),
          },
          role: { system: OBJECT_ROLE, code: '24', display: 'Query' },
        },
      ]
    : [];
  const entity: AuditEventEntity[] = [
    ...asked,
    ...record.patients.map((id) => ({
      what: { reference: `Patient/${id}` },
      type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
    })),
    ...record.resources.map((reference) => ({
      what: { reference },
      type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
    })),
  ];

  const event: AuditEvent = {
    resourceType: 'AuditEvent',
    id: record.id,
    type: { system: AUDIT_EVENT_TYPE, code: 'rest', display: 'RESTful Operation' },
    subtype: [{ system: RESTFUL_INTERACTION, code: record.interaction }],
    action: ACTIONS[record.interaction] ?? 'R',
    recorded: record.recorded.toISOString(),
    outcome: OUTCOMES[record.outcome],
    outcomeDesc: `HTTP ${record.status}${record.via ? ` via ${record.via}` : ''}`,
    agent,
    source: {
      observer: { display: 'Kardia FHIR server' },
      type: [{ system: SECURITY_SOURCE_TYPE, code: '4', display: 'Application Server' }],
    },
  };
  if (record.btg) {
    event.purposeOfEvent = [
      { coding: [{ system: ACT_REASON, code: 'BTG', display: 'break the glass' }] },
    ];
  }
  if (entity.length > 0) event.entity = entity;
  return event;
}

/** A searchset Bundle of AuditEvents, newest first, as `GET [base]/AuditEvent?patient=` answers. */
export function auditBundle(records: AuditRecord[], issuer: string, fhirBase: string): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: records.length,
    entry: records.map((record) => ({
      fullUrl: `${fhirBase}/AuditEvent/${record.id}`,
      resource: toAuditEvent(record, issuer),
      search: { mode: 'match' },
    })),
  };
}

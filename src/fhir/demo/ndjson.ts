import type { Bundle, Resource } from '@medplum/fhirtypes';

/**
 * The demo record as NDJSON (one resource per line, FHIR Bulk Data style): each resource takes
 * the UUID of its `urn:uuid:` full URL as its id, and references become relative `Type/id`.
 */
export function bundleToNdjson(bundle: Bundle): string {
  const targets = new Map<string, string>();
  const resources: Resource[] = [];
  for (const entry of bundle.entry ?? []) {
    if (!entry.resource || !entry.fullUrl?.startsWith('urn:uuid:')) continue;
    const id = entry.fullUrl.slice('urn:uuid:'.length);
    targets.set(entry.fullUrl, `${entry.resource.resourceType}/${id}`);
    resources.push({ ...entry.resource, id });
  }
  const relative = (key: string, value: unknown) =>
    key === 'reference' && typeof value === 'string' ? (targets.get(value) ?? value) : value;
  return resources.map((resource) => `${JSON.stringify(resource, relative)}\n`).join('');
}

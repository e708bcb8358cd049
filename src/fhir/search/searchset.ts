import type { Bundle, BundleEntry, BundleLink, OperationOutcome } from '@medplum/fhirtypes';
import type { SearchResult } from './run.js';

/**
 * A `searchset` Bundle (spec Part 3.5): absolute full URLs, `search.mode` `match` or `include`,
 * `total` unless the caller asked for none, and an `outcome` entry naming what was ignored.
 */
export function searchsetBundle(
  base: string,
  result: SearchResult,
  links: BundleLink[] = [],
  warnings: string[] = [],
): Bundle {
  const entry: BundleEntry[] = [
    ...result.matches.map((resource) => ({
      fullUrl: `${base}/${resource.resourceType}/${resource.id}`,
      resource,
      search: { mode: 'match' as const },
    })),
    ...result.includes.map((resource) => ({
      fullUrl: `${base}/${resource.resourceType}/${resource.id}`,
      resource,
      search: { mode: 'include' as const },
    })),
  ];
  if (warnings.length)
    entry.push({ resource: ignoredOutcome(warnings), search: { mode: 'outcome' } });
  const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset' };
  if (result.total !== undefined) bundle.total = result.total;
  if (links.length) bundle.link = links;
  if (entry.length) bundle.entry = entry;
  return bundle;
}

function ignoredOutcome(names: string[]): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: names.map((name) => ({
      severity: 'warning',
      code: 'not-supported',
      diagnostics: `parameter ${name} was ignored`,
    })),
  };
}

import type { HistoryEntry } from './history-entries.js';

/** The history page's filters, as the GET form sends them. */
export interface HistoryFilter {
  person: string | undefined;
  app: string | undefined;
  type: string | undefined;
  outcome: 'allowed' | 'refused' | undefined;
  /** Inclusive day bounds, `YYYY-MM-DD` (UTC). */
  from: string | undefined;
  to: string | undefined;
  /** Whether the owner's own views through this dashboard are listed too. */
  includeOwnViews: boolean;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const ID = /^[\w.\-|:/]{1,200}$/;

/**
 * Reads the filter from the query. A value that cannot be a filter (too long, a malformed date)
 * is dropped and named in `problems`, so the page says what it ignored instead of failing.
 */
export function parseHistoryFilter(query: unknown): { filter: HistoryFilter; problems: string[] } {
  const q = (query ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  const one = (name: string): string | undefined => {
    const value = q[name];
    if (Array.isArray(value)) {
      problems.push(`${name} was given more than once`);
      return undefined;
    }
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const id = (name: string) => {
    const value = one(name);
    if (value !== undefined && !ID.test(value)) {
      problems.push(`the ${name} filter is not one this page offers`);
      return undefined;
    }
    return value;
  };
  const day = (name: string) => {
    const value = one(name);
    if (value !== undefined && (!DAY.test(value) || Number.isNaN(Date.parse(value)))) {
      problems.push(`the ${name} date must look like 2024-03-31`);
      return undefined;
    }
    return value;
  };
  const outcome = one('outcome');
  if (outcome !== undefined && outcome !== 'allowed' && outcome !== 'refused') {
    problems.push('the outcome filter must be allowed or refused');
  }
  const filter: HistoryFilter = {
    person: id('person'),
    app: id('app'),
    type: id('type'),
    outcome: outcome === 'allowed' || outcome === 'refused' ? outcome : undefined,
    from: day('from'),
    to: day('to'),
    includeOwnViews: one('views') === 'all',
  };
  return { filter, problems };
}

/** The RS-side part of a filter: the date range, as `date` search values. */
export function dateParams(filter: HistoryFilter): string[] {
  const out: string[] = [];
  if (filter.from) out.push(`ge${filter.from}T00:00:00Z`);
  if (filter.to) out.push(`le${filter.to}T23:59:59.999Z`);
  return out;
}

export function applyHistoryFilter(
  entries: HistoryEntry[],
  filter: HistoryFilter,
  dashboardClient: string,
): HistoryEntry[] {
  return entries.filter(
    (entry) =>
      (filter.includeOwnViews || entry.clientId !== dashboardClient) &&
      (!filter.person || entry.sub === filter.person) &&
      (!filter.app || entry.clientId === filter.app) &&
      (!filter.type || entry.types.includes(filter.type)) &&
      (!filter.outcome || entry.outcome === filter.outcome),
  );
}

/** The filter as a query string (for the export link). */
export function filterQuery(filter: HistoryFilter): string {
  const params = new URLSearchParams();
  for (const name of ['person', 'app', 'type', 'outcome', 'from', 'to'] as const) {
    const value = filter[name];
    if (value) params.set(name, value);
  }
  if (filter.includeOwnViews) params.set('views', 'all');
  return params.toString();
}

import type { Dashboard } from '../dashboard-context.js';
import type { HistoryEntry } from '../history/history-entries.js';
import { filterQuery, type HistoryFilter } from '../history/history-filter.js';
import { typeWords } from '../record/categories.js';
import { DashboardFrame } from './dashboard-frame.js';
import { Moment } from './moment.js';

export interface HistoryPageProps {
  dashboard: Dashboard;
  filter: HistoryFilter;
  /** Every entry read (for the filter's choices). */
  all: HistoryEntry[];
  shown: HistoryEntry[];
  problems: string[];
}

const INTERACTIONS: Record<string, string> = {
  read: 'read',
  vread: 'read a version of',
  'search-type': 'searched',
  'search-compartment': 'searched',
  'history-instance': 'read the history of',
  'history-type': 'read the history of',
  create: 'added',
  update: 'changed',
  patch: 'changed',
  delete: 'deleted',
  transaction: 'sent a set of changes to',
  batch: 'sent a set of requests to',
};

function whatText(entry: HistoryEntry): string {
  const verb = INTERACTIONS[entry.interaction] ?? entry.interaction;
  const types = entry.types.map(typeWords);
  const what = types.length > 0 ? types.join(', ') : 'the record';
  const count = entry.references.length;
  return `${verb} ${what}${count > 1 ? ` (${count} entries)` : ''}`;
}

const choices = (pairs: [string | undefined, string | undefined][]) => {
  const map = new Map<string, string>();
  for (const [value, label] of pairs) if (value && label) map.set(value, label);
  return [...map].sort((a, b) => a[1].localeCompare(b[1]));
};

function Select(props: {
  id: string;
  label: string;
  value: string | undefined;
  options: [string, string][];
  any: string;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select id={props.id} name={props.id}>
        <option value="">{props.any}</option>
        {props.options.map(([value, label]) => (
          <option key={value} value={value} selected={value === props.value}>
            {label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** History: every access, who, which app, what, when, allowed or refused, and through what. */
export function HistoryPage({ dashboard, filter, all, shown, problems }: HistoryPageProps) {
  const people = choices(all.map((e) => [e.sub, e.who]));
  const apps = choices(all.map((e) => [e.clientId, e.app]));
  const types = choices(
    all.flatMap((e) => e.types.map((t): [string, string] => [t, typeWords(t)])),
  );
  const query = filterQuery(filter);
  const exportHref = `${dashboard.path('/account/history/export')}${query ? `?${query}` : ''}`;
  return (
    <DashboardFrame
      dashboard={dashboard}
      section="history"
      title="History"
      problem={
        problems.length > 0 ? `Some filters were ignored: ${problems.join('; ')}.` : undefined
      }
    >
      <form method="get" action={dashboard.path('/account/history')} class="card filters">
        <Select id="person" label="Person" value={filter.person} options={people} any="Anyone" />
        <Select id="app" label="App" value={filter.app} options={apps} any="Any app" />
        <Select
          id="type"
          label="Part of the record"
          value={filter.type}
          options={types}
          any="Any part"
        />
        <Select
          id="outcome"
          label="Outcome"
          value={filter.outcome}
          options={[
            ['allowed', 'Allowed'],
            ['refused', 'Refused'],
          ]}
          any="Allowed or refused"
        />
        <div class="field">
          <label for="from">From</label>
          <input id="from" name="from" type="date" value={filter.from ?? ''} />
        </div>
        <div class="field">
          <label for="to">To</label>
          <input id="to" name="to" type="date" value={filter.to ?? ''} />
        </div>
        <Select
          id="views"
          label="Your own views here"
          value={filter.includeOwnViews ? 'all' : undefined}
          options={[['all', 'Show them too']]}
          any="Hide them"
        />
        <div class="actions">
          <button type="submit" class="primary">
            Filter
          </button>
          <a class="button" href={exportHref} download hx-boost="false">
            Export as FHIR Bundle
          </a>
        </div>
      </form>
      <p class="muted" role="status">
        {shown.length} of {all.length} accesses shown, newest first.
      </p>
      {shown.length > 0 ? (
        <table class="history">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">App</th>
              <th scope="col">What</th>
              <th scope="col">Outcome</th>
              <th scope="col">Through</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((entry) => (
              <tr
                key={entry.id}
                data-event={entry.id}
                data-outcome={entry.outcome}
                class={entry.btg ? 'btg' : undefined}
              >
                <td data-label="When">
                  <Moment ms={entry.recordedMs} />
                </td>
                <td data-label="Who">{entry.who}</td>
                <td data-label="App">{entry.app}</td>
                <td data-label="What">
                  {whatText(entry)}
                  {entry.btg ? (
                    <strong class="badge btg-mark"> Break the glass (emergency access)</strong>
                  ) : null}
                </td>
                <td data-label="Outcome" class={`outcome ${entry.outcome}`}>
                  {entry.outcome === 'allowed'
                    ? 'Allowed'
                    : entry.outcome === 'refused'
                      ? 'Refused'
                      : 'Failed'}
                </td>
                <td data-label="Through">{entry.through || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="card">No access matches.</p>
      )}
    </DashboardFrame>
  );
}

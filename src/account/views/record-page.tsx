import type { Dashboard } from '../dashboard-context.js';
import { dayText, type RecordLine } from '../record/describe.js';
import type { CategorySummary, ChartData } from '../record/overview.js';
import { DashboardFrame } from './dashboard-frame.js';
import { LineChart } from './line-chart.js';

export interface RecordPageProps {
  dashboard: Dashboard;
  /** Undefined when no record is linked to the account. */
  summaries: CategorySummary[] | undefined;
  chartChoices: { code: string; title: string }[];
  chart: ChartData | undefined;
  notice?: string | undefined;
}

const Line = ({ line }: { line: RecordLine }) => (
  <li data-reference={line.reference}>
    <span class="what">{line.title}</span>
    {line.value ? <span class="value"> {line.value}</span> : null}
    {line.date ? <span class="when"> · {dayText(line.date)}</span> : null}
    {line.sensitive.map((label) => (
      <span key={label} class="badge" title="Sensitive: kept out of shares unless you choose it">
        {label}
      </span>
    ))}
  </li>
);

/** My record: each part with its count and latest entries, and one measure over time. */
export function RecordPage(props: RecordPageProps) {
  const { dashboard, summaries } = props;
  return (
    <DashboardFrame dashboard={dashboard} section="record" title="My record" notice={props.notice}>
      {summaries === undefined ? (
        <section class="card">
          <p>No health record is linked to your account yet.</p>
          <p class="muted">
            When a record is loaded for you (for instance with <code>kardia fhir import</code>), it
            appears here within a minute.
          </p>
        </section>
      ) : (
        <>
          <ul class="categories">
            {summaries.map((summary) => (
              <li key={summary.key} class="card category" data-category={summary.key}>
                <h2>
                  {summary.label} <span class="count">{summary.count}</span>
                </h2>
                <p class="muted">{summary.hint}</p>
                {summary.latest.length > 0 ? (
                  <ul class="latest">
                    {summary.latest.map((line) => (
                      <Line key={line.reference} line={line} />
                    ))}
                  </ul>
                ) : (
                  <p class="muted">Nothing recorded.</p>
                )}
              </li>
            ))}
          </ul>
          <section class="card" aria-labelledby="chart-heading">
            <h2 id="chart-heading">Over time</h2>
            {props.chartChoices.length > 0 ? (
              <form method="get" action={dashboard.path('/account')} class="row">
                <label for="chart">Measure</label>
                <select id="chart" name="chart">
                  {props.chartChoices.map((choice) => (
                    <option
                      key={choice.code}
                      value={choice.code}
                      selected={choice.code === props.chart?.code}
                    >
                      {choice.title}
                    </option>
                  ))}
                </select>
                <button type="submit">Show</button>
              </form>
            ) : null}
            {props.chart ? (
              <LineChart chart={props.chart} />
            ) : (
              <p class="muted">No measurements to chart.</p>
            )}
          </section>
        </>
      )}
    </DashboardFrame>
  );
}

import type { ChartData } from '../record/overview.js';

const WIDTH = 640;
const HEIGHT = 260;
const PAD = { left: 48, right: 16, top: 16, bottom: 32 };

/** Round tick values covering [low, high]: 1, 2 or 5 times a power of ten apart. */
function ticks(low: number, high: number, wanted = 5): number[] {
  const span = high - low || Math.abs(high) || 1;
  const raw = span / wanted;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => span / s <= wanted) ?? power * 10;
  const out: number[] = [];
  for (let value = Math.floor(low / step) * step; value <= high + step / 2; value += step) {
    out.push(Number(value.toFixed(6)));
  }
  return out;
}

const dayLabel = (at: Date) => at.toLocaleDateString('en-GB', { month: 'short', year: 'numeric' });

/**
 * A line chart drawn on the server as SVG: no script, no inline style (colours come from the
 * stylesheet through classes). Described for screen readers, with the values as a table too.
 */
export function LineChart({ chart }: { chart: ChartData }) {
  const all = chart.series.flatMap((line) => line.points);
  const times = all.map((p) => p.at.getTime());
  const values = all.map((p) => p.value);
  const [t0, t1] = [Math.min(...times), Math.max(...times)];
  const yTicks = ticks(Math.min(...values), Math.max(...values));
  const [y0, y1] = [yTicks[0] ?? 0, yTicks[yTicks.length - 1] ?? 1];
  const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0 || 1)) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) =>
    HEIGHT - PAD.bottom - ((v - y0) / (y1 - y0 || 1)) * (HEIGHT - PAD.top - PAD.bottom);
  const xTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => t0 + f * (t1 - t0));
  const unit = chart.series[0]?.unit ?? '';
  const first = new Date(t0);
  const last = new Date(t1);
  const summary =
    `${chart.title}: ${all.length} measurements from ${dayLabel(first)} to ${dayLabel(last)}` +
    chart.series
      .map((line) => {
        const latest = line.points[line.points.length - 1];
        return latest ? `; latest ${line.name} ${latest.value} ${line.unit}` : '';
      })
      .join('');

  return (
    <figure class="chart" data-chart-code={chart.code}>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby="chart-title chart-desc"
        class="chart-svg"
      >
        <title id="chart-title">{chart.title}</title>
        <desc id="chart-desc">{summary}</desc>
        {yTicks.map((value) => (
          <g key={`y${value}`} class="grid">
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(value)} y2={y(value)} />
            <text x={PAD.left - 6} y={y(value) + 4} text-anchor="end">
              {value}
            </text>
          </g>
        ))}
        {xTicks.map((t, i) => (
          <text
            key={`x${t}`}
            class="axis"
            x={x(t)}
            y={HEIGHT - 8}
            text-anchor={i === 0 ? 'start' : i === xTicks.length - 1 ? 'end' : 'middle'}
          >
            {dayLabel(new Date(t))}
          </text>
        ))}
        <text class="axis" x={4} y={12}>
          {unit}
        </text>
        {chart.series.map((line, index) => (
          <g key={line.name} class={`series series-${index % 4}`}>
            <polyline
              fill="none"
              points={line.points.map((p) => `${x(p.at.getTime())},${y(p.value)}`).join(' ')}
            />
            {line.points.map((p) => (
              <circle key={p.at.getTime()} cx={x(p.at.getTime())} cy={y(p.value)} r={2.5} />
            ))}
          </g>
        ))}
      </svg>
      <figcaption>
        <ul class="legend">
          {chart.series.map((line, index) => (
            <li key={line.name} class={`series-${index % 4}`}>
              {line.name} ({line.unit})
            </li>
          ))}
        </ul>
        <details>
          <summary>Show the values as a table</summary>
          <table>
            <thead>
              <tr>
                <th scope="col">Date</th>
                {chart.series.map((line) => (
                  <th key={line.name} scope="col">
                    {line.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {(chart.series[0]?.points ?? []).map((point, row) => (
                <tr key={point.at.getTime()}>
                  <td>{point.at.toISOString().slice(0, 10)}</td>
                  {chart.series.map((line) => (
                    <td key={line.name}>{line.points[row]?.value ?? ''}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      </figcaption>
    </figure>
  );
}

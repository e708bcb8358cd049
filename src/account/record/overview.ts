import type { Observation, Resource } from '@medplum/fhirtypes';
import { RECORD_CATEGORIES, type RecordCategory } from './categories.js';
import { conceptText, describeResource, type RecordLine } from './describe.js';
import type { OwnerRecord, RecordReader } from './record-reader.js';

/** One part of the record on the overview: how many entries, and the latest ones. */
export interface CategorySummary {
  key: string;
  label: string;
  hint: string;
  count: number;
  latest: RecordLine[];
}

const LATEST_SHOWN = 5;
/** How many recent entries are read to pick one per code (vital signs, labs). */
const RECENT_READ = 60;

export async function summarizeRecord(
  reader: RecordReader,
  records: OwnerRecord[],
): Promise<CategorySummary[]> {
  return Promise.all(RECORD_CATEGORIES.map((category) => summarize(reader, records, category)));
}

async function summarize(
  reader: RecordReader,
  records: OwnerRecord[],
  category: RecordCategory,
): Promise<CategorySummary> {
  let count = 0;
  const recent: RecordLine[] = [];
  for (const record of records) {
    for (const search of category.searches) {
      const params = { ...search.params, patient: record.patientId };
      const size = category.latest === 'per-code' ? RECENT_READ : LATEST_SHOWN;
      const [found, entries] = await Promise.all([
        reader.count(record.resource, search.type, params),
        reader.resources<Resource>(record.resource, search.type, {
          ...params,
          _sort: search.sort,
          _count: String(size),
        }),
      ]);
      count += found;
      recent.push(...entries.map(describeResource));
    }
  }
  recent.sort((a, b) => (b.date ?? '').localeCompare(a.date ?? ''));
  const latest = category.latest === 'per-code' ? onePerCode(recent) : recent;
  return {
    key: category.key,
    label: category.label,
    hint: category.hint,
    count,
    latest: latest.slice(0, LATEST_SHOWN),
  };
}

function onePerCode(lines: RecordLine[]): RecordLine[] {
  const seen = new Set<string>();
  return lines.filter((line) => {
    const key = line.code ?? line.title;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** One line on the chart: a name, its unit, and dated values oldest first. */
export interface ChartSeries {
  name: string;
  unit: string;
  points: { at: Date; value: number }[];
}

export interface ChartData {
  code: string;
  title: string;
  series: ChartSeries[];
}

/** How many measurements the chart shows at most: the most recent ones. */
const CHART_POINTS = 100;
const CODE_PARAM = /^[\x21-\x7e]{1,300}$/;

/**
 * The values of one vital sign or lab over time (`system|code`), read from every record. A
 * panel (blood pressure) gives one line per component.
 */
export async function chartData(
  reader: RecordReader,
  records: OwnerRecord[],
  code: string,
): Promise<ChartData | undefined> {
  if (!CODE_PARAM.test(code) || !code.includes('|')) return undefined;
  const found: Observation[] = [];
  for (const record of records) {
    found.push(
      ...(await reader.resources<Observation>(record.resource, 'Observation', {
        patient: record.patientId,
        code,
        _sort: '-date',
        _count: String(CHART_POINTS),
      })),
    );
  }
  if (found.length === 0) return undefined;
  const series = new Map<string, ChartSeries>();
  const add = (name: string, unit: string, at: Date, value: number) => {
    const line = series.get(name) ?? { name, unit, points: [] };
    line.points.push({ at, value });
    series.set(name, line);
  };
  for (const observation of found) {
    const when = observation.effectiveDateTime ?? observation.effectivePeriod?.start;
    const at = when ? new Date(when) : undefined;
    if (!at || Number.isNaN(at.getTime())) continue;
    const own = observation.valueQuantity;
    if (own?.value !== undefined) add(conceptText(observation.code), own.unit ?? '', at, own.value);
    for (const component of observation.component ?? []) {
      const quantity = component.valueQuantity;
      if (quantity?.value === undefined) continue;
      add(conceptText(component.code), quantity.unit ?? '', at, quantity.value);
    }
  }
  for (const line of series.values()) line.points.sort((a, b) => a.at.getTime() - b.at.getTime());
  const first = found[0];
  return {
    code,
    title: first ? conceptText(first.code) : code,
    series: [...series.values()].filter((line) => line.points.length > 0),
  };
}

/** The codes the overview can chart: vital signs and labs with a numeric value. */
export function chartChoices(summaries: CategorySummary[]): { code: string; title: string }[] {
  return summaries
    .filter((summary) => summary.key === 'vitals' || summary.key === 'labs')
    .flatMap((summary) => summary.latest)
    .filter((line) => line.code && line.value && /^\d/.test(line.value))
    .map((line) => ({ code: line.code ?? '', title: line.title }));
}

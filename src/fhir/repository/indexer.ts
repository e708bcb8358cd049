import { evalFhirPathTyped, toTypedValue, type TypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { OWNER_PARAMETER } from '../definitions/compartment.js';
import { type SearchParam, searchParamsOf } from '../definitions/search-parameters.js';
import { MAX_TIME, MIN_TIME, parseDateRange } from '../search/date-range.js';
import { normalizeText } from '../search/normalize.js';
import { parseReference } from '../search/reference.js';
import type {
  DateIndexTable,
  NumberIndexTable,
  QuantityIndexTable,
  ReferenceIndexTable,
  StringIndexTable,
  TokenIndexTable,
  UriIndexTable,
} from './tables.js';

type Row<T> = Omit<T, 'resource_type' | 'id'>;

/** Everything written beside a resource so that search never reads its JSON. */
export interface ResourceIndex {
  token: Row<TokenIndexTable>[];
  string: Row<StringIndexTable>[];
  date: Row<DateIndexTable>[];
  reference: Row<ReferenceIndexTable>[];
  quantity: Row<QuantityIndexTable>[];
  uri: Row<UriIndexTable>[];
  number: Row<NumberIndexTable>[];
  /** Ids of the Patients whose compartment holds the resource (by the owner parameter). */
  patients: string[];
  /** `meta.security` codings as `system|code`. */
  labels: string[];
}

/**
 * Evaluates every R4 search parameter of the resource's type on the resource (table-driven, spec
 * Part 3.5) and turns the values into index rows. `base` is Kardia's FHIR base URL, so absolute
 * references to this server index like relative ones.
 */
export function indexResource(resource: Resource, base: string): ResourceIndex {
  const index: ResourceIndex = {
    token: [],
    string: [],
    date: [],
    reference: [],
    quantity: [],
    uri: [],
    number: [],
    patients: [],
    labels: [],
  };
  const input = [toTypedValue(resource)];
  for (const param of searchParamsOf(resource.resourceType)?.values() ?? []) {
    if (!param.expression) continue;
    for (const value of evalFhirPathTyped(param.expression, input)) {
      addValue(index, param, value, base);
    }
  }
  index.patients = compartmentOf(resource, index);
  index.labels = unique(
    (resource.meta?.security ?? []).map((c) => `${c.system ?? ''}|${c.code ?? ''}`),
  );
  for (const kind of ['token', 'string', 'reference', 'uri'] as const) {
    index[kind] = uniqueRows(index[kind] as object[]) as never;
  }
  return index;
}

function compartmentOf(resource: Resource, index: ResourceIndex): string[] {
  if (resource.resourceType === 'Patient') return resource.id ? [resource.id] : [];
  const owner = OWNER_PARAMETER[resource.resourceType];
  if (!owner) return [];
  return unique(
    index.reference
      .filter((r) => r.param === owner && r.target_type === 'Patient' && r.target_id)
      .map((r) => r.target_id as string),
  );
}

function addValue(index: ResourceIndex, param: SearchParam, typed: TypedValue, base: string) {
  const param_ = param.name;
  const value: unknown = typed.value;
  switch (param.kind) {
    case 'token':
      for (const t of tokensOf(typed)) index.token.push({ param: param_, ...t });
      return;
    case 'string':
      for (const s of stringsOf(typed)) {
        index.string.push({ param: param_, value: normalizeText(s), raw: s });
      }
      return;
    case 'date': {
      const range = dateRangeOf(typed);
      if (range) index.date.push({ param: param_, start_ms: range.start, end_ms: range.end });
      return;
    }
    case 'reference': {
      const row = referenceOf(typed, base);
      if (row) index.reference.push({ param: param_, ...row });
      return;
    }
    case 'quantity': {
      const q = value as { value?: number; system?: string; code?: string; unit?: string };
      if (typeof q?.value === 'number') {
        index.quantity.push({
          param: param_,
          value: q.value,
          system: q.system ?? null,
          code: q.code ?? null,
          unit: q.unit ?? null,
        });
      }
      return;
    }
    case 'uri':
      if (typeof value === 'string') index.uri.push({ param: param_, value });
      return;
    case 'number':
      if (typeof value === 'number') index.number.push({ param: param_, value });
      return;
  }
}

interface Token {
  system: string | null;
  code: string | null;
  text: string | null;
}

function tokensOf({ type, value }: TypedValue): Token[] {
  const v = value as Record<string, unknown>;
  const text = (s: unknown) => (typeof s === 'string' ? normalizeText(s) : null);
  switch (type) {
    case 'CodeableConcept': {
      const codings = (v.coding as Record<string, unknown>[] | undefined) ?? [];
      const rows = codings.map((c) => codingToken(c, text(c.display) ?? text(v.text)));
      if (typeof v.text === 'string') rows.push({ system: null, code: null, text: text(v.text) });
      return rows;
    }
    case 'Coding':
      return [codingToken(v, text(v.display))];
    case 'Identifier':
      return typeof v.value === 'string'
        ? [
            {
              system: str(v.system),
              code: v.value,
              text: text((v.type as { text?: string })?.text),
            },
          ]
        : [];
    case 'ContactPoint':
      return typeof v.value === 'string' ? [{ system: null, code: v.value, text: null }] : [];
    case 'boolean':
      return [{ system: null, code: String(value), text: null }];
    default:
      return typeof value === 'string' || typeof value === 'number'
        ? [{ system: null, code: String(value), text: null }]
        : [];
  }
}

function codingToken(c: Record<string, unknown>, text: string | null): Token {
  return { system: str(c.system), code: str(c.code), text };
}

function stringsOf({ type, value }: TypedValue): string[] {
  const v = value as Record<string, unknown>;
  if (type === 'HumanName') {
    return strings([v.text, v.family, v.given, v.prefix, v.suffix]);
  }
  if (type === 'Address') {
    return strings([v.text, v.line, v.city, v.district, v.state, v.postalCode, v.country]);
  }
  return typeof value === 'string' ? [value] : [];
}

function dateRangeOf({ type, value }: TypedValue): { start: number; end: number } | undefined {
  if (typeof value === 'string') return parseDateRange(value);
  const v = value as Record<string, unknown>;
  if (type === 'Period') {
    const start = typeof v.start === 'string' ? parseDateRange(v.start)?.start : undefined;
    const end = typeof v.end === 'string' ? parseDateRange(v.end)?.end : undefined;
    if (start === undefined && end === undefined) return undefined;
    return { start: start ?? MIN_TIME, end: end ?? MAX_TIME };
  }
  if (type === 'Timing') {
    const ranges = ((v.event as string[] | undefined) ?? []).flatMap((e) => {
      const range = parseDateRange(e);
      return range ? [range] : [];
    });
    if (!ranges.length) return undefined;
    return {
      start: Math.min(...ranges.map((r) => r.start)),
      end: Math.max(...ranges.map((r) => r.end)),
    };
  }
  return undefined;
}

function referenceOf(
  { value }: TypedValue,
  base: string,
): Omit<Row<ReferenceIndexTable>, 'param'> | undefined {
  const raw = typeof value === 'string' ? value : (value as { reference?: unknown })?.reference;
  if (typeof raw !== 'string' || raw.startsWith('#')) return undefined;
  const parsed = parseReference(raw, base);
  if (parsed) return { target_type: parsed.type, target_id: parsed.id, url: null };
  return { target_type: null, target_id: null, url: raw };
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function strings(values: unknown[]): string[] {
  return values.flat().filter((s): s is string => typeof s === 'string' && s.length > 0);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function uniqueRows(rows: object[]): object[] {
  const seen = new Set<string>();
  return rows.filter((row) => {
    const key = JSON.stringify(row);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

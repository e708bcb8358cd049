/**
 * FHIR dates as time ranges fixed by their precision (R4 search.html §3.1.1.4.5.1): `2020` is
 * the whole year, `2020-01-15T10:00` the whole minute. Ranges are [start, end) in epoch
 * milliseconds. A date or dateTime without a zone is read as UTC (Kardia's choice, spec 3.5).
 */
export interface DateRange {
  start: number;
  end: number;
}

/** Open ends of a Period stand for "forever" in the index. */
export const MIN_TIME = -8_640_000_000_000_000;
export const MAX_TIME = 8_640_000_000_000_000;

const PATTERN =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** Parses a FHIR date, dateTime or instant (seconds optional, as search allows); else undefined. */
export function parseDateRange(value: string): DateRange | undefined {
  const match = PATTERN.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = match;
  const year = Number(y);
  const month = mo ? Number(mo) : 1;
  const day = d ? Number(d) : 1;
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59)) {
    return undefined;
  }
  const offset = zoneOffsetMs(zone);
  const base = utc(year, month - 1, day, Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0));
  const start = base + (frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0) - offset;
  if (frac) return { start, end: start + 1 };
  if (s !== undefined) return { start, end: start + 1_000 };
  if (h !== undefined) return { start, end: start + 60_000 };
  if (d !== undefined) return { start, end: start + 86_400_000 };
  if (mo !== undefined) return { start, end: utc(year, month, 1) };
  return { start, end: utc(year + 1, 0, 1) };
}

/**
 * Date.UTC without its reading of years 0 to 99 as 1900 to 1999: computed 400 years later
 * (one whole Gregorian cycle, 146097 days) and moved back.
 */
function utc(year: number, monthIndex: number, day: number, h = 0, m = 0, s = 0): number {
  return Date.UTC(year + 400, monthIndex, day, h, m, s) - 146_097 * 86_400_000;
}

function zoneOffsetMs(zone: string | undefined): number {
  if (!zone || zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const [hours, minutes] = zone.slice(1).split(':').map(Number);
  return sign * ((hours ?? 0) * 60 + (minutes ?? 0)) * 60_000;
}

function daysIn(year: number, month: number): number {
  return new Date(utc(year, month, 0)).getUTCDate();
}

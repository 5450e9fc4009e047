/**
 * Event timestamps as logs and series files write them, one rule for every reader: epoch numbers
 * in s, ms, µs or ns (told apart by size), a numeric string of the same, ISO 8601 text (a date,
 * or a date-time without a zone, is taken as UTC: a log's clock is UTC unless it says
 * otherwise), or a Date. Undefined when the value is missing, NaN when it is present but
 * unreadable.
 */
export function parseTimestamp(v: unknown): number | undefined {
  if (v === null || v === undefined || v === '') return undefined;
  if (typeof v === 'number') return fromEpoch(v);
  if (typeof v === 'bigint') return fromEpoch(Number(v));
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string') {
    if (/^-?\d+(\.\d+)?$/.test(v)) return fromEpoch(Number(v));
    return Date.parse(ZONELESS_ISO.test(v) ? `${v.replace(' ', 'T')}Z` : v);
  }
  return NaN;
}

/**
 * A timestamp cell of a series file (trimmed): epoch or ISO 8601 only, undefined when it is empty
 * or anything else. Stricter than parseTimestamp because a reader tells a header from data by
 * whether the first cell is a time, and Date.parse reads "value 1" as a date.
 */
export function parseTimestampText(text: string): number | undefined {
  const s = text.trim();
  if (!/^-?\d+(\.\d+)?$/.test(s) && !/^\d{4}-\d{2}-\d{2}/.test(s)) return undefined;
  const ms = parseTimestamp(s);
  return ms === undefined || Number.isNaN(ms) ? undefined : ms;
}

/** A date-time with no zone (Date.parse would take it as local time). */
const ZONELESS_ISO = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/** Seconds below 1e11 (year 5138), ms below 1e14, µs below 1e17, else ns. */
function fromEpoch(x: number): number {
  if (!Number.isFinite(x)) return NaN;
  const a = Math.abs(x);
  if (a < 1e11) return x * 1000;
  if (a < 1e14) return x;
  if (a < 1e17) return x / 1000;
  return x / 1e6;
}

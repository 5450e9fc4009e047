/**
 * Event timestamps as logs write them: epoch numbers in s, ms, µs or ns (told apart by size), a
 * numeric string of the same, ISO 8601 text, or a Date. Undefined when the value is missing,
 * NaN when it is present but unreadable.
 */
export function parseTimestamp(v: unknown): number | undefined {
  if (v === null || v === undefined || v === '') return undefined;
  if (typeof v === 'number') return fromEpoch(v);
  if (typeof v === 'bigint') return fromEpoch(Number(v));
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string') {
    if (/^-?\d+(\.\d+)?$/.test(v)) return fromEpoch(Number(v));
    return Date.parse(v);
  }
  return NaN;
}

/** Seconds below 1e11 (year 5138), ms below 1e14, µs below 1e17, else ns. */
function fromEpoch(x: number): number {
  if (!Number.isFinite(x)) return NaN;
  const a = Math.abs(x);
  if (a < 1e11) return x * 1000;
  if (a < 1e14) return x;
  if (a < 1e17) return x / 1000;
  return x / 1e6;
}

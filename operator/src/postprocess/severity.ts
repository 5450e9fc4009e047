/**
 * Severity of a scored point (docs/design.md §6): |observed - baseline| / |upper - lower|, the
 * deviation in band widths. A zero-width band gives Infinity for any deviation, 0 for none.
 */
export function severity(observed: number, baseline: number, lower: number, upper: number): number {
  const deviation = Math.abs(observed - baseline);
  const width = Math.abs(upper - lower);
  if (width === 0) return deviation === 0 ? 0 : Infinity;
  return deviation / width;
}

/** Whether a value lies outside its band [lower, upper]. */
export function isOutside(observed: number, lower: number, upper: number): boolean {
  return observed > upper || observed < lower;
}

export interface BandedPoints {
  observed: ArrayLike<number>;
  baseline: ArrayLike<number>;
  lower: ArrayLike<number>;
  upper: ArrayLike<number>;
}

export function severities(points: BandedPoints): Float64Array {
  const n = points.observed.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = severity(points.observed[i], points.baseline[i], points.lower[i], points.upper[i]);
  return out;
}

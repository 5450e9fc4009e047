/**
 * The two classical baselines the detector is measured against, causal like the detector (each
 * point is judged from the points before it only):
 * - rolling z-score: mean and std of the previous `window` present values, flag |z| > 3;
 * - same-weekday median: median and scaled MAD (1.4826 x MAD) of the values at the same
 *   weekday in the previous `window` points (t-7, t-14, ...), flag |x - median| > 4 MADs.
 * A zero spread flags any change (a constant series that moves is an anomaly to both).
 */
import { percentile } from '../features.js';

export interface BaselineOptions {
  window?: number;
  /** Points per season (7 for daily series, 24 for hourly). */
  season?: number;
}

function exceeds(x: number, center: number, spread: number, k: number): boolean {
  const d = Math.abs(x - center);
  return spread > 0 ? d > k * spread : d > 1e-12 * Math.max(1, Math.abs(center));
}

/** 1 where |x - mean| > 3 std over the previous `window` points; 0 elsewhere (and on missing points). */
export function rollingZScoreFlags(values: Float64Array, options: BaselineOptions = {}): Uint8Array {
  const window = options.window ?? 28;
  const out = new Uint8Array(values.length);
  for (let t = window; t < values.length; t++) {
    const x = values[t];
    if (Number.isNaN(x)) continue;
    let n = 0;
    let sum = 0;
    let ss = 0;
    for (let i = t - window; i < t; i++) {
      const v = values[i];
      if (Number.isNaN(v)) continue;
      n++;
      sum += v;
      ss += v * v;
    }
    if (n < 2) continue;
    const mean = sum / n;
    const std = Math.sqrt(Math.max(0, ss / n - mean * mean));
    out[t] = exceeds(x, mean, std, 3) ? 1 : 0;
  }
  return out;
}

function median(values: number[]): number {
  const sorted = Float64Array.from(values).sort();
  return percentile(sorted, 0.5);
}

/** 1 where x is more than 4 scaled MADs from the median of the same season slot in the window. */
export function weekdayMadFlags(values: Float64Array, options: BaselineOptions = {}): Uint8Array {
  const window = options.window ?? 28;
  const season = options.season ?? 7;
  const out = new Uint8Array(values.length);
  for (let t = window; t < values.length; t++) {
    const x = values[t];
    if (Number.isNaN(x)) continue;
    const same: number[] = [];
    for (let i = t - season; i >= t - window; i -= season) if (!Number.isNaN(values[i])) same.push(values[i]);
    if (same.length < 2) continue;
    const m = median(same);
    const mad = 1.4826 * median(same.map((v) => Math.abs(v - m)));
    out[t] = exceeds(x, m, mad, 4) ? 1 : 0;
  }
  return out;
}

/**
 * From user series (any order, duplicates, gaps) to the regular grid the features need.
 * Pure; the CLI reports what was fixed (sorted, duplicates dropped, gaps left missing).
 */
import type { Granularity } from '../api/types.js';
import { AlertigerError } from '../errors.js';
import { DAY_MS, HOUR_MS } from './spec.js';

/** One series as callers hand it to the detector. */
export interface SeriesInput {
  /** Epoch milliseconds, one per value; any order (sorted here). */
  timestamps: ArrayLike<number>;
  /** NaN = missing. */
  values: ArrayLike<number>;
  /** Inferred from the timestamps' spacing when absent. */
  granularity?: Granularity;
  /** Score only points at or after this time (epoch ms); default: every point with history. */
  from?: number;
}

export interface Regularized {
  /** Timestamp of values[0]. */
  start: number;
  stepMs: number;
  /** Grid values; NaN where the input had no point (a gap) or a missing value. */
  values: Float64Array;
  /** For each grid slot the input row it came from, or -1 for a gap. */
  source: Int32Array;
  /** Input rows dropped because a later row had the same grid slot. */
  duplicates: number;
  /** Whether the input was not in ascending time order. */
  unordered: boolean;
  /** Grid slots with no input row. */
  gaps: number;
  /** Input rows whose timestamp was more than 10% of a step off the grid (snapped). */
  offGrid: number;
}

/** Largest grid a series may span (guards against seconds read as milliseconds and the like). */
export const MAX_GRID = 2_000_000;

/** '1h' or '1d' when the median spacing is within 10% of it; undefined otherwise. */
export function inferGranularity(timestamps: ArrayLike<number>): Granularity | undefined {
  const sorted = Float64Array.from(timestamps).sort();
  const diffs: number[] = [];
  for (let i = 1; i < sorted.length; i++) if (sorted[i] > sorted[i - 1]) diffs.push(sorted[i] - sorted[i - 1]);
  if (diffs.length === 0) return undefined;
  diffs.sort((a, b) => a - b);
  const median = diffs[Math.floor(diffs.length / 2)];
  if (Math.abs(median - DAY_MS) <= 0.1 * DAY_MS) return '1d';
  if (Math.abs(median - HOUR_MS) <= 0.1 * HOUR_MS) return '1h';
  return undefined;
}

/** Places values on the grid start + i * stepMs (start = earliest timestamp); later duplicates win. */
export function regularize(timestamps: ArrayLike<number>, values: ArrayLike<number>, stepMs: number): Regularized {
  const n = timestamps.length;
  if (values.length !== n) {
    throw new AlertigerError('InvalidSeries', `${n} timestamps but ${values.length} values`);
  }
  if (n === 0) {
    return { start: 0, stepMs, values: new Float64Array(0), source: new Int32Array(0), duplicates: 0, unordered: false, gaps: 0, offGrid: 0 };
  }
  let unordered = false;
  let start = timestamps[0];
  let end = timestamps[0];
  for (let i = 0; i < n; i++) {
    const t = timestamps[i];
    if (!Number.isFinite(t)) throw new AlertigerError('InvalidSeries', `timestamp #${i + 1} is not a finite number`);
    if (i > 0 && t < timestamps[i - 1]) unordered = true;
    if (t < start) start = t;
    if (t > end) end = t;
  }
  const length = Math.round((end - start) / stepMs) + 1;
  if (length > MAX_GRID) {
    throw new AlertigerError('InvalidSeries', `the series spans ${length} steps of ${stepMs} ms; are the timestamps in milliseconds?`);
  }
  const out = new Float64Array(length).fill(NaN);
  const source = new Int32Array(length).fill(-1);
  // Stable order by time so that among duplicates the later input row wins (already-ordered
  // input, the common case, skips the sort).
  const order = Int32Array.from({ length: n }, (_, i) => i);
  if (unordered) order.sort((a, b) => timestamps[a] - timestamps[b] || a - b);
  let duplicates = 0;
  let offGrid = 0;
  for (const i of order) {
    const pos = (timestamps[i] - start) / stepMs;
    const slot = Math.round(pos);
    if (Math.abs(pos - slot) > 0.1) offGrid++;
    if (source[slot] !== -1) duplicates++;
    source[slot] = i;
    out[slot] = values[i];
  }
  let gaps = 0;
  for (let i = 0; i < length; i++) if (source[i] === -1) gaps++;
  return { start, stepMs, values: out, source, duplicates, unordered, gaps, offGrid };
}

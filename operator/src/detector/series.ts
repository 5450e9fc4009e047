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
  /**
   * The statistic's sampling standard deviation at each point, in the series' own units, aligned
   * with `timestamps`/`values` (same order as given; sorted with them). NaN, <= 0 or absent =
   * unknown. Per scored point the detector takes the median of the known values over the point's
   * window (the target's own value when the window has none) as its noise: the window std is
   * floored at it (instead of the absolute STD_FLOOR) and the band is never narrower than
   * baseline +- BAND_FLOOR_SDS noises (features.ts).
   */
  noise?: ArrayLike<number>;
  /**
   * The values the statistic can take (e.g. {min: 0, max: 1} for a rate): baseline and band are
   * clipped to it. min < max when both are given.
   */
  domain?: { min?: number; max?: number };
}

/** The values of `column` (aligned with the input rows) placed on a regularized grid; NaN in gaps. */
export function alignToGrid(grid: Pick<Regularized, 'source'>, column: ArrayLike<number>): Float64Array {
  const out = new Float64Array(grid.source.length);
  for (let i = 0; i < out.length; i++) {
    const r = grid.source[i];
    out[i] = r === -1 ? NaN : column[r];
  }
  return out;
}

/** Checks an input's optional noise and domain; throws InvalidSeries naming the series. */
export function checkSeriesExtras(s: SeriesInput, label: string): void {
  if (s.noise !== undefined && s.noise.length !== s.timestamps.length) {
    throw new AlertigerError('InvalidSeries', `${label}: ${s.timestamps.length} timestamps but ${s.noise.length} noise values`);
  }
  const d = s.domain;
  if (d !== undefined) {
    for (const [name, v] of [['min', d.min], ['max', d.max]] as const) {
      if (v !== undefined && Number.isNaN(v)) throw new AlertigerError('InvalidSeries', `${label}: domain.${name} is NaN`);
    }
    if (d.min !== undefined && d.max !== undefined && !(d.min < d.max)) {
      throw new AlertigerError('InvalidSeries', `${label}: domain.min (${d.min}) must be below domain.max (${d.max})`);
    }
  }
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
  /** The `noise` column placed on the grid like the values (when given); NaN in gaps. */
  noise?: Float64Array;
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
export function regularize(
  timestamps: ArrayLike<number>,
  values: ArrayLike<number>,
  stepMs: number,
  noise?: ArrayLike<number>,
): Regularized {
  const n = timestamps.length;
  if (values.length !== n) {
    throw new AlertigerError('InvalidSeries', `${n} timestamps but ${values.length} values`);
  }
  if (noise !== undefined && noise.length !== n) {
    throw new AlertigerError('InvalidSeries', `${n} timestamps but ${noise.length} noise values`);
  }
  if (n === 0) {
    const empty = { start: 0, stepMs, values: new Float64Array(0), source: new Int32Array(0), duplicates: 0, unordered: false, gaps: 0, offGrid: 0 };
    return noise === undefined ? empty : { ...empty, noise: new Float64Array(0) };
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
  const grid: Regularized = { start, stepMs, values: out, source, duplicates, unordered, gaps, offGrid };
  if (noise !== undefined) grid.noise = alignToGrid(grid, noise);
  return grid;
}

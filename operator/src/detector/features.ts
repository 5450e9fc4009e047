/**
 * Feature engineering of both stages, pure and on typed arrays (design.md §6). Tensors never
 * appear here: the model code receives ready Float32Array batches.
 *
 * Per scored point t of a regular series (NaN = missing):
 * - history: values[t - window .. t - omit - 1] (the last `omit` dropped), gaps inside it filled
 *   by linear interpolation, then z-scored with the window's mean and std (std floored at
 *   STD_FLOOR); the stage-1 outputs are mapped back with the same mean and std; with
 *   spec.seasonalProfile (hourly) the median of each season slot is subtracted first and the
 *   target slot's median folded into the mean, so outputs map back the same way;
 * - irregularity: spread between the 60th and 40th percentiles of the seasonal differences
 *   x[i] - x[i - seasonLag] of the normalised history;
 * - aux: one-hot weekday (and hour of day for hourly series) of the target, in UTC;
 * - target: the observed value at t in the window's normalised space.
 * A point is scorable when its value is present, it has a full window behind it and at most
 * MAX_MISSING_FRACTION of the history is missing.
 */
import { auxLength, historyLength, type GranularitySpec } from './spec.js';

/** Floor of the window std, in the series' own units (the method's constant). */
export const STD_FLOOR = 0.01;
/** Largest share of missing history values a window may have and still be scored. */
export const MAX_MISSING_FRACTION = 0.2;
/**
 * Stage-2 deviation features are clipped to +-DEVIATION_CLIP window stds: past that every point
 * is equally far outside its band, and bounded inputs keep the classifier's training stable on
 * near-constant series whose floored std turns tiny changes into huge z-scores.
 */
export const DEVIATION_CLIP = 10;

export interface WindowStats {
  mean: number;
  std: number;
}

/** A series on a regular grid: values[i] is at start + i * spec.stepMs; NaN is missing. */
export interface RegularSeries {
  start: number;
  values: Float64Array;
  /** 1 = anomalous, 0 = normal, 255 = unlabelled; absent when the series has no labels. */
  labels?: Uint8Array;
}

export const UNLABELLED = 255;

/** Points of a batch: series number and index inside that series. */
export interface PointSet {
  series: Int32Array;
  index: Int32Array;
}

export interface Stage1Batch {
  size: number;
  /** size x historyLength(spec), normalised. */
  history: Float32Array;
  /** size x auxLength(spec). */
  aux: Float32Array;
  irregularity: Float32Array;
  /** The observed value at the point, normalised with its window. */
  target: Float32Array;
  mean: Float64Array;
  std: Float64Array;
  points: PointSet;
}

/** Z-scores src into out[offset ..] (std floored at STD_FLOOR); returns the mean and std used. */
export function zScore(src: ArrayLike<number>, out: Float32Array, offset = 0): WindowStats {
  const n = src.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += src[i];
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (src[i] - mean) * (src[i] - mean);
  const std = Math.max(Math.sqrt(ss / n), STD_FLOOR);
  for (let i = 0; i < n; i++) out[offset + i] = (src[i] - mean) / std;
  return { mean, std };
}

/** Maps a normalised value back to the series' units. */
export function denormalise(x: number, stats: WindowStats): number {
  return stats.mean + stats.std * x;
}

/** Percentile of ascending-sorted values, q in [0, 1], linear between order statistics. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/** P60 - P40 of x[i] - x[i - lag] over a normalised window. */
export function irregularity(norm: ArrayLike<number>, lag: number, scratch?: Float64Array): number {
  const m = norm.length - lag;
  if (m <= 0) return 0;
  const diffs = scratch !== undefined && scratch.length >= m ? scratch.subarray(0, m) : new Float64Array(m);
  // Insertion sort: windows are short, and this runs once per scored point.
  for (let i = 0; i < m; i++) {
    const d = norm[i + lag] - norm[i];
    let j = i - 1;
    while (j >= 0 && diffs[j] > d) {
      diffs[j + 1] = diffs[j];
      j--;
    }
    diffs[j + 1] = d;
  }
  return percentile(diffs, 0.6) - percentile(diffs, 0.4);
}

/**
 * Subtracts from window[0 .. len) the median of its season slot (values lag apart: i mod lag)
 * and returns the profile at slot `targetSlot`. Medians, so an incident in the window moves the
 * profile of its hours little. `scratch` holds at least ceil(len / lag) values; `profile`
 * (lag values) is reused across calls by the batch builder.
 */
export function removeSeasonalProfile(
  window: Float64Array,
  len: number,
  lag: number,
  targetSlot: number,
  scratch: Float64Array,
  profile = new Float64Array(lag),
): number {
  for (let k = 0; k < lag; k++) {
    let m = 0;
    for (let i = k; i < len; i += lag) {
      // Insertion into the sorted prefix: at most a handful of values per slot.
      const v = window[i];
      let j = m - 1;
      while (j >= 0 && scratch[j] > v) {
        scratch[j + 1] = scratch[j];
        j--;
      }
      scratch[j + 1] = v;
      m++;
    }
    // The median of the sorted prefix, read in place (no view per slot: this runs per point).
    profile[k] = m === 0 ? 0 : scratch[(m - 1) >> 1] + 0.5 * (scratch[m >> 1] - scratch[(m - 1) >> 1]);
  }
  for (let i = 0; i < len; i++) window[i] -= profile[i % lag];
  return profile[targetSlot % lag];
}

/** Writes the target's calendar one-hots (weekday 0 = Sunday, then hour of day) at out[offset]. */
export function calendarOneHot(timestampMs: number, spec: GranularitySpec, out: Float32Array, offset: number): void {
  const width = auxLength(spec);
  out.fill(0, offset, offset + width);
  // Day 0 of the epoch (1970-01-01) was a Thursday (weekday 4); no Date object per point.
  const day = Math.floor(timestampMs / 86_400_000);
  out[offset + (((day + 4) % 7) + 7) % 7] = 1;
  if (spec.hourOfDay) out[offset + 7 + ((Math.floor(timestampMs / 3_600_000) % 24) + 24) % 24] = 1;
}

/**
 * Copies values[start .. start+len) into out, filling NaNs by linear interpolation between the
 * nearest present neighbours (nearest value at the edges). Returns the number of NaNs filled,
 * or len when nothing is present.
 */
export function fillWindow(values: ArrayLike<number>, start: number, len: number, out: Float64Array): number {
  let missing = 0;
  let prev = -1;
  for (let i = 0; i < len; i++) {
    const v = values[start + i];
    if (Number.isNaN(v)) {
      missing++;
      continue;
    }
    out[i] = v;
    if (prev === -1) {
      for (let j = 0; j < i; j++) out[j] = v;
    } else if (prev < i - 1) {
      const a = out[prev];
      for (let j = prev + 1; j < i; j++) out[j] = a + ((v - a) * (j - prev)) / (i - prev);
    }
    prev = i;
  }
  if (prev === -1) return len;
  for (let j = prev + 1; j < len; j++) out[j] = out[prev];
  return missing;
}

/** Cumulative count of missing values: out[i] = NaNs in values[0 .. i). */
function missingPrefix(values: Float64Array): Int32Array {
  const out = new Int32Array(values.length + 1);
  for (let i = 0; i < values.length; i++) out[i + 1] = out[i] + (Number.isNaN(values[i]) ? 1 : 0);
  return out;
}

/**
 * The scorable points of each series, in series then time order. `from[s]`, when given, is the
 * first index of series s to consider (to score only recent points).
 */
export function selectPoints(series: readonly RegularSeries[], spec: GranularitySpec, from?: readonly number[]): PointSet {
  const h = historyLength(spec);
  const maxMissing = Math.floor(h * MAX_MISSING_FRACTION);
  const ss: number[] = [];
  const ts: number[] = [];
  series.forEach((s, k) => {
    const prefix = missingPrefix(s.values);
    const first = Math.max(spec.window, from?.[k] ?? 0);
    for (let t = first; t < s.values.length; t++) {
      if (Number.isNaN(s.values[t])) continue;
      const lo = t - spec.window;
      if (prefix[lo + h] - prefix[lo] > maxMissing) continue;
      ss.push(k);
      ts.push(t);
    }
  });
  return { series: Int32Array.from(ss), index: Int32Array.from(ts) };
}

/** Builds the stage-1 inputs (and the normalised targets) of the given points. */
export function buildStage1Batch(series: readonly RegularSeries[], spec: GranularitySpec, points: PointSet): Stage1Batch {
  const n = points.index.length;
  const h = historyLength(spec);
  const a = auxLength(spec);
  const batch: Stage1Batch = {
    size: n,
    history: new Float32Array(n * h),
    aux: new Float32Array(n * a),
    irregularity: new Float32Array(n),
    target: new Float32Array(n),
    mean: new Float64Array(n),
    std: new Float64Array(n),
    points,
  };
  const raw = new Float64Array(h);
  const scratch = new Float64Array(h);
  const profile = new Float64Array(spec.seasonLag);
  for (let i = 0; i < n; i++) {
    const s = series[points.series[i]];
    const t = points.index[i];
    fillWindow(s.values, t - spec.window, h, raw);
    const level = spec.seasonalProfile === true ? removeSeasonalProfile(raw, h, spec.seasonLag, spec.window, scratch, profile) : 0;
    const stats = zScore(raw, batch.history, i * h);
    stats.mean += level;
    batch.mean[i] = stats.mean;
    batch.std[i] = stats.std;
    batch.irregularity[i] = irregularity(batch.history.subarray(i * h, (i + 1) * h), spec.seasonLag, scratch);
    batch.target[i] = (s.values[t] - stats.mean) / stats.std;
    calendarOneHot(s.start + t * spec.stepMs, spec, batch.aux, i * a);
  }
  return batch;
}

/** Normalised stage-1 outputs for a batch, bounds already scaled by the irregularity unit. */
export interface Bands {
  baseline: Float32Array;
  lower: Float32Array;
  upper: Float32Array;
}

const clip = (x: number): number => Math.max(-DEVIATION_CLIP, Math.min(DEVIATION_CLIP, x));

/**
 * Stage-2 inputs, row per point: current - baseline, max(0, current - upper),
 * max(0, lower - current) (normalised space, clipped), then the calendar one-hots.
 */
export function stage2Features(batch: Stage1Batch, bands: Bands, spec: GranularitySpec): Float32Array {
  const a = auxLength(spec);
  const width = 3 + a;
  const out = new Float32Array(batch.size * width);
  for (let i = 0; i < batch.size; i++) {
    const y = batch.target[i];
    const o = i * width;
    out[o] = clip(y - bands.baseline[i]);
    out[o + 1] = clip(Math.max(0, y - bands.upper[i]));
    out[o + 2] = clip(Math.max(0, bands.lower[i] - y));
    out.set(batch.aux.subarray(i * a, (i + 1) * a), o + 3);
  }
  return out;
}

/** Labels of the points (1, 0 or UNLABELLED). */
export function pointLabels(series: readonly RegularSeries[], points: PointSet): Uint8Array {
  const out = new Uint8Array(points.index.length);
  for (let i = 0; i < out.length; i++) {
    const labels = series[points.series[i]].labels;
    out[i] = labels === undefined ? UNLABELLED : labels[points.index[i]];
  }
  return out;
}

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
 * - noise: when the series carries its sampling sd (`noise`), the point's noise is the median of
 *   the known values over its window (values[t - window .. t - 1]), or the target's own when the
 *   window has none: a median over the window, not the target's alone, so a fault that inflates
 *   the target's own sampling error (a count jumping x1000) cannot widen its own band, and one
 *   unknown or odd window value changes nothing. The window std is floored at that noise instead
 *   of STD_FLOOR (kept when the noise is unknown).
 * Bands (finalizeBands): never narrower than baseline +- BAND_FLOOR_SDS noises, nor than a tiny
 * relative floor (RELATIVE_BAND_FLOOR of |baseline|, MIN_BAND_STDS window stds) so no band has
 * zero width, then clipped to the series' domain; stage 2 sees the final band.
 * A point is scorable when its value is present, it has a full window behind it and at most
 * MAX_MISSING_FRACTION of the history is missing. Hourly series (quiet hours: no rows, so no
 * value, at the same hours every night) instead need at least MIN_SLOT_PRESENT of the 7 values
 * of the target's own hour of day in the window and at most HOURLY_MAX_MISSING_FRACTION of the
 * history missing; missing history values are filled by interpolation (fillWindow) either way.
 */
import { auxLength, historyLength, recentLength, type GranularitySpec } from './spec.js';

/** Floor of the window std, in the series' own units (the method's constant). */
export const STD_FLOOR = 0.01;
/** Largest share of missing history values a daily window may have and still be scored. */
export const MAX_MISSING_FRACTION = 0.2;
/**
 * Hourly windows: largest share of missing history (quiet hours 00-06 every night are 29%, a
 * night of 12 quiet hours is 50%), provided the target's own hour of day has MIN_SLOT_PRESENT of
 * its 7 values in the window, so its level is seen rather than interpolated.
 */
export const HOURLY_MAX_MISSING_FRACTION = 0.6;
export const MIN_SLOT_PRESENT = 3;
/**
 * The band is never narrower than baseline +- BAND_FLOOR_SDS sampling sds (when the noise is
 * known). 3: a 0.5%-99.5% band of pure Gaussian sampling error is +-2.58 sds; 3 sds sits just
 * outside it, so the floor only widens bands the network drew narrower than sampling error
 * alone explains (near-constant windows of a rate or a count) and a move within sampling error
 * (p ~ 0.3% per point) never alerts.
 */
export const BAND_FLOOR_SDS = 3;
/**
 * Half-width floor relative to |baseline| whatever the noise: a constant 1,000,000 that moves by
 * 1 is not outside its band (float and sketch precision is far coarser than 1e-5 relative).
 */
export const RELATIVE_BAND_FLOOR = 1e-5;
/** Half-width floor in (floored) window stds, so a band around 0 never has zero width either. */
export const MIN_BAND_STDS = 0.01;
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
  /** Sampling sd per grid point (NaN or <= 0 = unknown); absent = unknown everywhere. */
  noise?: Float64Array;
  /** The values the statistic can take; baseline and band are clipped to it. */
  domain?: { min?: number; max?: number };
  /**
   * Masked scoring: at a point whose value was replaced by its baseline, the window std the
   * point was scored with (NaN elsewhere). Such a value counts at its baseline for the window's
   * level, and with that spread (not 0) for the window's std, so a long masked run does not
   * shrink the band of the points after it.
   */
  maskSd?: Float64Array;
  /**
   * Masked scoring: the observed values (`values` then holds the masked ones); the recent
   * deviations stage 2 sees are read from here.
   */
  observed?: Float64Array;
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
  /** The point's noise (sampling sd, series units) the floors used; NaN when unknown. */
  noise: Float64Array;
  /**
   * size x recentLength(spec): the values 1, 2, ... points before the target, normalised like
   * the target (at their own season slot with seasonalProfile); NaN where missing.
   */
  recent: Float32Array;
  points: PointSet;
}

/** Z-scores src into out[offset ..] (std floored at `floor`); returns the mean and std used. */
export function zScore(src: ArrayLike<number>, out: Float32Array, offset = 0, floor = STD_FLOOR): WindowStats {
  const n = src.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += src[i];
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (src[i] - mean) * (src[i] - mean);
  const std = Math.max(Math.sqrt(ss / n), floor);
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

/** Whether a sampling sd is known (finite and positive). */
export const knownNoise = (x: number): boolean => x > 0 && Number.isFinite(x);

/**
 * The noise of point t: the median of the known noise values over values[t - window .. t - 1],
 * or the target's own when none is known there; NaN when unknown. `scratch` holds window values.
 */
export function pointNoise(noise: Float64Array | undefined, t: number, window: number, scratch: Float64Array): number {
  if (noise === undefined) return NaN;
  let m = 0;
  for (let i = Math.max(0, t - window); i < t; i++) {
    const v = noise[i];
    if (knownNoise(v)) scratch[m++] = v;
  }
  if (m === 0) return knownNoise(noise[t]) ? noise[t] : NaN;
  const hi = select(scratch, m, m >> 1);
  if ((m & 1) === 1) return hi;
  // Even count: the mean of the two middle values (the lower one is the largest below `hi`).
  let lo = -Infinity;
  for (let i = 0; i < m >> 1; i++) if (scratch[i] > lo) lo = scratch[i];
  return 0.5 * (lo + hi);
}

/**
 * The k-th smallest of a[0 .. n) (Hoare's quickselect, middle pivot; reorders a so that
 * a[0 .. k) <= a[k]). Linear on average: this runs once per scored point over 28 or 168 values.
 */
function select(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const x = a[i];
        a[i] = a[j];
        a[j] = x;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k];
}

/**
 * The scorable points of each series, in series then time order. `from[s]`, when given, is the
 * first index of series s to consider (to score only recent points).
 */
export function selectPoints(series: readonly RegularSeries[], spec: GranularitySpec, from?: readonly number[]): PointSet {
  const h = historyLength(spec);
  const hourly = spec.hourOfDay;
  const maxMissing = Math.floor(h * (hourly ? HOURLY_MAX_MISSING_FRACTION : MAX_MISSING_FRACTION));
  const ss: number[] = [];
  const ts: number[] = [];
  series.forEach((s, k) => {
    const prefix = missingPrefix(s.values);
    const first = Math.max(spec.window, from?.[k] ?? 0);
    for (let t = first; t < s.values.length; t++) {
      if (Number.isNaN(s.values[t])) continue;
      const lo = t - spec.window;
      if (prefix[lo + h] - prefix[lo] > maxMissing) continue;
      if (hourly) {
        // The target's own hour of day: at least MIN_SLOT_PRESENT of its days in the window.
        let present = 0;
        for (let i = t - spec.seasonLag; i >= lo; i -= spec.seasonLag) if (!Number.isNaN(s.values[i])) present++;
        if (present < MIN_SLOT_PRESENT) continue;
      }
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
    noise: new Float64Array(n),
    recent: new Float32Array(n * recentLength(spec)),
    points,
  };
  const r = recentLength(spec);
  const raw = new Float64Array(h);
  const scratch = new Float64Array(Math.max(h, spec.window));
  const profile = new Float64Array(spec.seasonLag);
  for (let i = 0; i < n; i++) {
    const s = series[points.series[i]];
    const t = points.index[i];
    fillWindow(s.values, t - spec.window, h, raw);
    const seasonal = spec.seasonalProfile === true;
    const level = seasonal ? removeSeasonalProfile(raw, h, spec.seasonLag, spec.window, scratch, profile) : 0;
    const noise = pointNoise(s.noise, t, spec.window, scratch);
    batch.noise[i] = noise;
    const floor = Number.isNaN(noise) ? STD_FLOOR : noise;
    const stats = zScore(raw, batch.history, i * h, floor);
    if (s.maskSd !== undefined) maskedSpread(raw, s.maskSd, t - spec.window, stats, floor, batch.history, i * h);
    stats.mean += level;
    batch.mean[i] = stats.mean;
    batch.std[i] = stats.std;
    batch.irregularity[i] = irregularity(batch.history.subarray(i * h, (i + 1) * h), spec.seasonLag, scratch);
    batch.target[i] = (s.values[t] - stats.mean) / stats.std;
    if (r > 0) {
      const observed = s.observed ?? s.values;
      const residualMean = stats.mean - level;
      for (let k = 1; k <= r; k++) {
        const v = t - k >= 0 ? observed[t - k] : NaN;
        const slot = seasonal ? profile[(((spec.window - k) % spec.seasonLag) + spec.seasonLag) % spec.seasonLag] : 0;
        batch.recent[i * r + k - 1] = (v - residualMean - slot) / stats.std;
      }
    }
    calendarOneHot(s.start + t * spec.stepMs, spec, batch.aux, i * a);
  }
  return batch;
}

/**
 * Recomputes a window's std with every masked value contributing its recorded spread instead of
 * its (zero) deviation from the baseline it was replaced by, and re-normalises the window.
 */
function maskedSpread(
  raw: Float64Array,
  maskSd: Float64Array,
  lo: number,
  stats: WindowStats,
  floor: number,
  out: Float32Array,
  offset: number,
): void {
  const n = raw.length;
  let ss = 0;
  let masked = 0;
  for (let i = 0; i < n; i++) {
    const m = maskSd[lo + i];
    if (m >= 0) {
      ss += m * m;
      masked++;
    } else ss += (raw[i] - stats.mean) * (raw[i] - stats.mean);
  }
  if (masked === 0) return;
  stats.std = Math.max(Math.sqrt(ss / n), floor);
  for (let i = 0; i < n; i++) out[offset + i] = (raw[i] - stats.mean) / stats.std;
}

/** Normalised stage-1 outputs for a batch, bounds already scaled by the irregularity unit. */
export interface Bands {
  baseline: Float32Array;
  lower: Float32Array;
  upper: Float32Array;
}

const clip = (x: number): number => Math.max(-DEVIATION_CLIP, Math.min(DEVIATION_CLIP, x));

/** A batch's final bands in the series' own units. */
export interface UnitBands {
  baseline: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
}

/**
 * From the network's normalised bands to the bands a user sees: ordered around the baseline,
 * at least max(BAND_FLOOR_SDS * noise, RELATIVE_BAND_FLOOR * |baseline|, MIN_BAND_STDS * std)
 * either side of it, then baseline and bounds clipped to the series' domain. Rewrites `bands`
 * in place with the final bands in normalised space (what stage 2 is fed, so its score and the
 * decision agree with the band shown) and returns them in the series' units.
 */
export function finalizeBands(batch: Stage1Batch, bands: Bands, series: readonly RegularSeries[]): UnitBands {
  const n = batch.size;
  const out: UnitBands = { baseline: new Float64Array(n), lower: new Float64Array(n), upper: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const mean = batch.mean[i];
    const std = batch.std[i];
    const domain = series[batch.points.series[i]].domain;
    const lo = domain?.min ?? -Infinity;
    const hi = domain?.max ?? Infinity;
    const within = (x: number): number => Math.max(lo, Math.min(hi, x));
    const raw = mean + std * bands.baseline[i];
    const noise = batch.noise[i];
    const half = Math.max(knownNoise(noise) ? BAND_FLOOR_SDS * noise : 0, RELATIVE_BAND_FLOOR * Math.abs(raw), MIN_BAND_STDS * std);
    const b = within(raw);
    const lower = within(Math.min(mean + std * bands.lower[i], raw, b - half));
    const upper = within(Math.max(mean + std * bands.upper[i], raw, b + half));
    out.baseline[i] = b;
    out.lower[i] = lower;
    out.upper[i] = upper;
    bands.baseline[i] = (b - mean) / std;
    bands.lower[i] = (lower - mean) / std;
    bands.upper[i] = (upper - mean) / std;
  }
  return out;
}

/**
 * Stage-2 inputs, row per point: current - baseline, max(0, current - upper),
 * max(0, lower - current) (normalised space, clipped), then the recent deviations
 * (recent value - baseline, clipped; 0 where missing) when the spec has them, then the calendar
 * one-hots.
 */
export function stage2Features(batch: Stage1Batch, bands: Bands, spec: GranularitySpec): Float32Array {
  const a = auxLength(spec);
  const r = recentLength(spec);
  const width = 3 + r + a;
  const out = new Float32Array(batch.size * width);
  for (let i = 0; i < batch.size; i++) {
    const y = batch.target[i];
    const o = i * width;
    out[o] = clip(y - bands.baseline[i]);
    out[o + 1] = clip(Math.max(0, y - bands.upper[i]));
    out[o + 2] = clip(Math.max(0, bands.lower[i] - y));
    for (let k = 0; k < r; k++) out[o + 3 + k] = recentDeviation(batch, bands, i, k, r);
    out.set(batch.aux.subarray(i * a, (i + 1) * a), o + 3 + r);
  }
  return out;
}

/** The k-th recent deviation of point i (0 when that value is missing), clipped. */
export function recentDeviation(batch: Stage1Batch, bands: Bands, i: number, k: number, r: number): number {
  const v = batch.recent[i * r + k];
  return Number.isNaN(v) ? 0 : clip(v - bands.baseline[i]);
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

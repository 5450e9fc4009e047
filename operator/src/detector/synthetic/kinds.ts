/**
 * Clean synthetic series shaped like the statistics a model monitor computes (design.md §5):
 * counts in the thousands with weekly (and, hourly, daily) seasonality, rates in [0, 1] near 0,
 * mid-range or near 1, means and quantiles of features at any scale and sign, stds, drift
 * distances, performance metrics, sparse counts full of zeros, exactly constant series and
 * integer distinct counts. Noise is Gaussian, heavy-tailed (Student-t: rare outliers) or
 * autocorrelated; some series wander (random walk) or trend.
 *
 * A clean series is kept as components so incidents can act on the right one: `mean` (the
 * expected value), `scale` (the noise sd), unit `noise`, and the kind's `compose` that turns
 * them into an observed value (rounding, clamping, Poisson draws).
 */
import type { Rng } from '../random.js';

export type SeriesKind =
  | 'count'
  | 'rate'
  | 'mean'
  | 'std'
  | 'quantile'
  | 'drift'
  | 'metric'
  | 'sparse'
  | 'constant'
  | 'distinct';

export const KIND_WEIGHTS: ReadonlyArray<[SeriesKind, number]> = [
  ['count', 0.16],
  ['rate', 0.18],
  ['mean', 0.16],
  ['std', 0.1],
  ['quantile', 0.12],
  ['drift', 0.07],
  ['metric', 0.07],
  ['sparse', 0.05],
  ['constant', 0.04],
  ['distinct', 0.05],
];

export type NoiseType = 'gauss' | 't' | 'ar';

export interface Clean {
  kind: SeriesKind;
  noiseType: NoiseType;
  mean: Float64Array;
  scale: Float64Array;
  noise: Float64Array;
  /** A typical size of change for series with little or no noise. */
  unit: number;
  /** Observed value from mean, scale and unit noise. */
  compose(mean: number, scale: number, noise: number, rng: Rng): number;
  /** Range the observed values live in (rates: [0, 1]; counts: [0, inf)). */
  min: number;
  max: number;
  /** Rates: the rows behind each value (what a real run knows, for the binomial error). */
  samples?: number;
  /** Stepwise quantiles: the step their values move in. */
  step?: number;
}

export interface Calendar {
  /** Weekday (0 = Sunday) of each point. */
  weekday: Uint8Array;
  /** Hour of day of each point (all 0 for daily series). */
  hour: Uint8Array;
  /** Points per day: 1 (daily) or 24 (hourly). */
  perDay: number;
}

export function pickWeighted<T>(rng: Rng, items: ReadonlyArray<[T, number]>): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let u = rng.next() * total;
  for (const [item, w] of items) {
    u -= w;
    if (u < 0) return item;
  }
  return items[items.length - 1][0];
}

/** A weekly shape with mean 0 and largest magnitude 1 (or all zero). */
function weeklyShape(rng: Rng): Float64Array {
  const w = new Float64Array(7);
  const type = pickWeighted(rng, [
    ['none', 0.3],
    ['weekend', 0.45],
    ['random', 0.25],
  ] as const);
  if (type === 'none') return w;
  if (type === 'weekend') {
    const sign = rng.chance(0.8) ? -1 : 1;
    w[0] = sign;
    w[6] = sign * rng.uniform(0.5, 1);
  } else {
    for (let d = 0; d < 7; d++) w[d] = rng.normal();
  }
  return normaliseShape(w);
}

/** A smooth daily shape (two harmonics, random phases) with mean 0 and largest magnitude 1. */
function dailyShape(rng: Rng): Float64Array {
  const s = new Float64Array(24);
  const p1 = rng.uniform(0, 2 * Math.PI);
  const p2 = rng.uniform(0, 2 * Math.PI);
  const a2 = rng.uniform(0, 0.6);
  for (let h = 0; h < 24; h++) s[h] = Math.sin((2 * Math.PI * h) / 24 + p1) + a2 * Math.sin((4 * Math.PI * h) / 24 + p2);
  return normaliseShape(s);
}

function normaliseShape(s: Float64Array): Float64Array {
  const m = s.reduce((a, b) => a + b, 0) / s.length;
  let top = 0;
  for (let i = 0; i < s.length; i++) {
    s[i] -= m;
    top = Math.max(top, Math.abs(s[i]));
  }
  if (top > 0) for (let i = 0; i < s.length; i++) s[i] /= top;
  return s;
}

/** Unit-variance noise: Gaussian, Student-t (rare outliers) or AR(1). */
function unitNoise(n: number, rng: Rng): { noise: Float64Array; noiseType: NoiseType } {
  const out = new Float64Array(n);
  const type: NoiseType = pickWeighted(rng, [
    ['gauss', 0.6],
    ['t', 0.22],
    ['ar', 0.18],
  ] as const);
  if (type === 't') {
    const df = rng.int(4, 8);
    for (let i = 0; i < n; i++) out[i] = rng.studentT(df);
  } else if (type === 'ar') {
    const phi = rng.uniform(0.3, 0.8);
    const innov = Math.sqrt(1 - phi * phi);
    let x = rng.normal();
    for (let i = 0; i < n; i++) {
      x = phi * x + innov * rng.normal();
      out[i] = x;
    }
  } else {
    for (let i = 0; i < n; i++) out[i] = rng.normal();
  }
  return { noise: out, noiseType: type };
}

/** Poisson draw (inversion for small means, normal approximation above 50). */
export function poisson(lambda: number, rng: Rng): number {
  if (lambda <= 0) return 0;
  if (lambda > 50) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * rng.normal()));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k++;
    p *= rng.next();
  }
  return k;
}

const additive = (m: number, s: number, e: number): number => m + s * e;
const clamp = (lo: number, hi: number) => (x: number) => Math.max(lo, Math.min(hi, x));

interface Shape {
  level: number;
  sigma: number;
  /** Weekly and daily seasonal amplitudes, in units of sigma (or relative for counts). */
  weekly: number;
  daily: number;
  /** Random-walk step sd and linear trend per day, in units of sigma. */
  walk: number;
  trend: number;
}

function shapeFor(kind: SeriesKind, rng: Rng): Shape {
  const walk = rng.chance(0.45) ? rng.uniform(0.02, 0.25) : 0;
  const trend = rng.chance(0.4) ? rng.normal() * 0.03 : 0;
  const weekly = rng.chance(0.7) ? rng.uniform(0.5, 4) : 0;
  const daily = rng.uniform(1, 6);
  switch (kind) {
    case 'mean': {
      const unit = 10 ** rng.uniform(-2, 3);
      return { level: rng.normal() * 5 * unit, sigma: unit * rng.logUniform(0.02, 0.5), weekly, daily, walk, trend };
    }
    case 'std': {
      const level = rng.logUniform(0.01, 1000);
      return { level, sigma: level * rng.logUniform(0.005, 0.1), weekly, daily, walk, trend };
    }
    case 'quantile': {
      const unit = 10 ** rng.uniform(-1, 3);
      return { level: rng.normal() * 5 * unit, sigma: unit * rng.logUniform(0.02, 0.5), weekly, daily, walk, trend };
    }
    case 'metric':
      return { level: rng.uniform(0.55, 0.97), sigma: rng.logUniform(0.001, 0.02), weekly: weekly / 2, daily, walk, trend };
    case 'distinct': {
      const level = Math.round(rng.logUniform(3, 500));
      return { level, sigma: Math.max(0.4, Math.sqrt(level) * rng.uniform(0.05, 0.5)), weekly, daily, walk, trend };
    }
    default:
      return { level: 0, sigma: 0, weekly, daily, walk, trend };
  }
}

/** A clean series of the given kind on the calendar. */
export function cleanSeries(kind: SeriesKind, cal: Calendar, rng: Rng): Clean {
  const n = cal.weekday.length;
  const week = weeklyShape(rng);
  const day = dailyShape(rng);
  const hourly = cal.perDay > 1;
  const mean = new Float64Array(n);
  const scale = new Float64Array(n);
  const { noise, noiseType } = unitNoise(n, rng);
  const shape = shapeFor(kind, rng);
  let walk = 0;
  const seasonal = (t: number, weekly: number, daily: number): number =>
    weekly * week[cal.weekday[t]] + (hourly ? daily * day[cal.hour[t]] : 0);
  const step = (t: number): number => {
    walk += shape.walk * rng.normal() / Math.sqrt(cal.perDay);
    return walk + (shape.trend * t) / cal.perDay;
  };

  if (kind === 'count' || kind === 'sparse') {
    const level = kind === 'count' ? rng.logUniform(20, 2e6) / (hourly ? 24 : 1) : rng.logUniform(0.05, 4);
    const cv = rng.logUniform(0.005, 0.12);
    const growth = rng.chance(0.5) ? rng.normal() * 0.0015 : 0;
    const weekly = rng.chance(0.75) ? rng.uniform(0.05, 0.5) : 0;
    const daily = rng.uniform(0.2, 0.9);
    for (let t = 0; t < n; t++) {
      const m = level * Math.exp(growth * (t / cal.perDay) + 0.3 * cv * step(t)) * (1 + seasonal(t, weekly, daily));
      mean[t] = Math.max(0, m);
      scale[t] = kind === 'count' ? Math.sqrt(mean[t]) + cv * mean[t] : Math.sqrt(mean[t]);
    }
    const compose =
      kind === 'count'
        ? (m: number, s: number, e: number): number => Math.max(0, Math.round(m + s * e))
        : (m: number, _s: number, _e: number, r: Rng): number => poisson(m, r);
    return { kind, noiseType, mean, scale, noise, unit: Math.max(1, Math.sqrt(level)), compose, min: 0, max: Infinity };
  }
  if (kind === 'rate') {
    const regime = pickWeighted(rng, [
      ['low', 0.5],
      ['mid', 0.3],
      ['high', 0.2],
    ] as const);
    const p = regime === 'low' ? rng.logUniform(1e-4, 0.05) : regime === 'high' ? 1 - rng.logUniform(1e-4, 0.05) : rng.uniform(0.05, 0.95);
    const samples = rng.logUniform(100, 1e6);
    const sigma = Math.sqrt((p * (1 - p)) / samples) + p * (1 - p) * rng.logUniform(0.002, 0.08);
    for (let t = 0; t < n; t++) {
      mean[t] = Math.max(0, Math.min(1, p + sigma * (seasonal(t, shape.weekly, shape.daily) + step(t))));
      scale[t] = sigma;
    }
    return { kind, noiseType, mean, scale, noise, unit: sigma, compose: (m, s, e) => clamp(0, 1)(m + s * e), min: 0, max: 1, samples };
  }
  if (kind === 'drift') {
    const level = rng.logUniform(0.002, 0.05);
    const cv = rng.logUniform(0.1, 0.5);
    for (let t = 0; t < n; t++) {
      mean[t] = level * Math.exp(cv * 0.3 * (seasonal(t, shape.weekly, shape.daily) + step(t)));
      scale[t] = mean[t] * cv;
    }
    // Log-normal: distances are positive and right-skewed.
    const compose = (m: number, s: number, e: number): number => (m > 0 ? m * Math.exp((s / m) * e - (s / m) ** 2 / 2) : 0);
    return { kind, noiseType, mean, scale, noise, unit: level * cv, compose, min: 0, max: Infinity };
  }
  if (kind === 'constant') {
    const level = pickWeighted(rng, [
      [0, 0.3],
      [1, 0.2],
      [Math.round(rng.normal() * 1000) / 10, 0.5],
    ] as const);
    const tiny = rng.chance(0.4) ? Math.max(Math.abs(level), 1) * 1e-7 : 0;
    mean.fill(level);
    scale.fill(tiny);
    return { kind, noiseType, mean, scale, noise, unit: Math.max(Math.abs(level) * 0.05, 0.05), compose: additive, min: -Infinity, max: Infinity };
  }
  // mean, std, quantile, metric, distinct: additive noise around a wandering seasonal level.
  for (let t = 0; t < n; t++) {
    mean[t] = shape.level + shape.sigma * (seasonal(t, shape.weekly, shape.daily) + step(t));
    scale[t] = shape.sigma;
  }
  let compose: Clean['compose'] = additive;
  let min = -Infinity;
  let max = Infinity;
  let quantum: number | undefined;
  if (kind === 'std') {
    compose = (m, s, e) => Math.max(0, m + s * e);
    min = 0;
  } else if (kind === 'quantile') {
    // Quantiles of integer or binned features move in steps: near-constant with flips.
    const q = rng.chance(0.5) ? shape.sigma * rng.logUniform(0.3, 3) : 0;
    if (q > 0) {
      compose = (m, s, e) => Math.round((m + s * e) / q) * q;
      quantum = q;
    }
  } else if (kind === 'metric') {
    compose = (m, s, e) => clamp(0, 1)(m + s * e);
    min = 0;
    max = 1;
  } else if (kind === 'distinct') {
    compose = (m, s, e) => Math.max(1, Math.round(m + s * e));
    min = 1;
  }
  return { kind, noiseType, mean, scale, noise, unit: shape.sigma, compose, min, max, step: quantum };
}

/**
 * What a statistic can resolve, per stored point: its sampling standard deviation in its own
 * units and the values it can take. The detector uses the first as the floor of its window
 * std and of its band (so a rate of 0.004 is judged on the binomial error of its window and a
 * count of 1,000,000 on its Poisson error, not on an absolute 0.01), and clips its band to the
 * second (no rate below 0). Pure arithmetic on the run's stored history: the sibling statistics
 * of the same subject and window (count, std, quartiles, traffic) give each window's n and
 * spread.
 *
 * The formulas are the large-sample ones (normal approximations): they set a floor, not the
 * band; the detector still widens the band where the history is noisier than sampling alone.
 */
import type { StatSeries } from './ports.js';

export interface Resolution {
  /** Sampling sd per point of the series (aligned with its times); NaN where unknown. */
  noise: Float64Array;
  /** The values the statistic can take. */
  domain?: { min?: number; max?: number };
  /**
   * 1 where the point rests on too few rows to judge: a tail quantile with fewer than
   * MIN_TAIL_ROWS values beyond it (the p99 of 361 rows is the 4th largest value), a mean or
   * std with fewer than MIN_TAIL_ROWS nonzero values. The run leaves such points out (missing)
   * rather than alert on them.
   */
  unreliable: Uint8Array;
}

/** Fewest values a quantile must have beyond it (on its side of the distribution) to be scored. */
export const MIN_TAIL_ROWS = 10;

/** Rates, shares and probabilities: binomial error, domain [0, 1]. */
const RATES = new Set([
  'missing_rate', 'zero_rate', 'top_share', 'unseen_share', 'positive_rate', 'label_coverage',
  'invalid_rate', 'non_finite_rate', 'corrupt_rate', 'duplicate_rate', 'future_rate',
]);
/** Counts of events: Poisson error, domain [0, inf). */
const COUNTS = new Set(['count', 'traffic', 'corrupt_lines', 'invalid_values', 'non_finite_values', 'future_rows', 'duplicate_rows']);
const QUANTILES: Record<string, number> = { p1: 0.01, p5: 0.05, p25: 0.25, p50: 0.5, p75: 0.75, p95: 0.95, p99: 0.99 };
/** The standard normal quantile of each of them. */
const NORMAL_Z: Record<string, number> = { p1: -2.3263, p5: -1.6449, p25: -0.6745, p50: 0, p75: 0.6745, p95: 1.6449, p99: 2.3263 };
/** Statistics in the feature's own units: their resolution includes the feature's step. */
const VALUE_STATISTICS = new Set(['mean', 'min', 'max', ...Object.keys(QUANTILES)]);
/** Rank error of the quantile sketch (stats/kll.ts keeps it under 0.5%). */
const SKETCH_RANK_ERROR = 0.005;

type Lookup = (statistic: string, time: number) => number;

/** The resolution of every series of one monitor's history, keyed like `seriesKey`. */
export function resolutions(history: readonly StatSeries[]): Map<string, Resolution> {
  const bySubject = new Map<string, Map<string, Map<number, number>>>();
  for (const s of history) {
    const subject = `${s.category}/${s.subject}`;
    const stats = bySubject.get(subject) ?? new Map<string, Map<number, number>>();
    stats.set(s.statistic, new Map(s.times.map((t, i) => [t, s.values[i]])));
    bySubject.set(subject, stats);
  }
  // Rows per window: the score's traffic (every row the model scored).
  const traffic = history.find((s) => s.category === 'score' && s.statistic === 'traffic');
  const rowsAt = new Map(traffic?.times.map((t, i) => [t, traffic.values[i]]) ?? []);

  const out = new Map<string, Resolution>();
  for (const s of history) {
    const stats = bySubject.get(`${s.category}/${s.subject}`)!;
    const lookup: Lookup = (statistic, time) => stats.get(statistic)?.get(time) ?? NaN;
    const step = VALUE_STATISTICS.has(s.statistic) ? featureStep(stats) : 0;
    const noise = new Float64Array(s.times.length);
    const unreliable = new Uint8Array(s.times.length);
    const tail = QUANTILES[s.statistic] !== undefined ? Math.min(QUANTILES[s.statistic], 1 - QUANTILES[s.statistic]) : undefined;
    for (let i = 0; i < s.times.length; i++) {
      const t = s.times[i];
      const n = windowRows(s.category, s.statistic, lookup, t, rowsAt.get(t));
      const present = lookup('count', t);
      if (tail !== undefined && Number.isFinite(present) && present * tail < MIN_TAIL_ROWS) unreliable[i] = 1;
      // A mean or std carried by a handful of nonzero values (a cost that is 98% zeros) moves with
      // each of them; zero_rate watches how many there are.
      if (s.category === 'feature' && (s.statistic === 'mean' || s.statistic === 'std') && present * (1 - lookup('zero_rate', t)) < MIN_TAIL_ROWS) unreliable[i] = 1;
      const sampling = samplingSd(s.statistic, s.values[i], n, lookup, t);
      // A discrete feature's quantiles move in whole steps: one step is no evidence of a change.
      noise[i] = Math.max(Number.isFinite(sampling) ? sampling : 0, step / 2) || NaN;
      // A point left out is no evidence of the statistic's noise either (a fault's own spread
      // would otherwise widen the floor of every window it is in).
      if (unreliable[i] === 1) noise[i] = NaN;
    }
    out.set(seriesKey(s), { noise, unreliable, ...domainOf(s.statistic, stats) });
  }
  return out;
}

export function seriesKey(s: { category: string; subject: string; statistic: string }): string {
  return `${s.category}/${s.subject}/${s.statistic}`;
}

/** Rows behind the statistics of a window: the feature's rows, the labelled rows, or all rows. */
function windowRows(category: StatSeries['category'], statistic: string, lookup: Lookup, time: number, rows: number | undefined): number {
  if (category === 'feature') {
    const count = lookup('count', time);
    const missing = lookup('missing_rate', time);
    if (Number.isFinite(count) && Number.isFinite(missing) && missing < 1) return count / (1 - missing);
    return rows ?? count;
  }
  if (category === 'label' && statistic !== 'label_coverage') {
    // Label statistics rest on the labelled rows; the coverage itself is a share of all rows.
    const coverage = lookup('label_coverage', time);
    return rows !== undefined && Number.isFinite(coverage) ? rows * coverage : NaN;
  }
  return rows ?? NaN;
}

/** The sampling sd of one value of `statistic` over n rows; NaN when it cannot be told. */
function samplingSd(statistic: string, value: number, n: number, lookup: Lookup, time: number): number {
  if (!Number.isFinite(value)) return NaN;
  if (COUNTS.has(statistic) || statistic === 'distinct_count') {
    return Math.max(Math.sqrt(Math.max(value, 1)), statistic === 'distinct_count' ? 0.01 * value : 0);
  }
  if (!(n >= 1)) return NaN;
  if (RATES.has(statistic)) return binomialSd(value, n);
  if (statistic === 'auc') {
    // An AUC is about as uncertain as a rate over the rarer class.
    const p = lookup('positive_rate', time);
    return Number.isFinite(p) ? binomialSd(value, Math.max(1, n * Math.min(p, 1 - p))) : NaN;
  }
  const spread = spreadAt(lookup, time);
  const quantile = QUANTILES[statistic];
  if (quantile !== undefined) {
    // The larger of: the asymptotic sd of a sample quantile under a normal shape, and a
    // distribution-free one read off the window's own quantile ladder (a heavy tail's p99
    // moves as far as the values around it), each with the sketch's rank error.
    const delta = Math.sqrt((quantile * (1 - quantile)) / n) + SKETCH_RANK_ERROR;
    const normal = (spread * delta) / normalDensity(NORMAL_Z[statistic]);
    const ladder = ladderSd(lookup, time, quantile, delta);
    return Math.max(Number.isFinite(normal) ? normal : 0, Number.isFinite(ladder) ? ladder : 0) || NaN;
  }
  switch (statistic) {
    case 'mean': return spread / Math.sqrt(n);
    case 'std': return spread / Math.sqrt(2 * Math.max(n - 1, 1));
    // The extreme of n draws moves by about spread / sqrt(2 ln n) (Gumbel scale).
    // The extreme of n draws moves by about spread / sqrt(2 ln n) (Gumbel scale), and in a heavy
    // tail by about half its distance to the next quantile.
    case 'min':
    case 'max': {
      const gumbel = (1.28 * spread) / Math.sqrt(2 * Math.log(Math.max(n, 2)));
      const tail = 0.5 * Math.abs(value - lookup(statistic === 'max' ? 'p99' : 'p1', time));
      return Math.max(Number.isFinite(gumbel) ? gumbel : 0, Number.isFinite(tail) ? tail : 0) || NaN;
    }
    case 'entropy': return Math.max(value, 0.1) / Math.sqrt(n);
    // Jensen-Shannon distance of a sample of n rows from its own distribution over ~10 bins.
    case 'drift': return 0.5 * Math.sqrt(10 / (8 * n * Math.LN2));
    case 'log_loss':
    case 'mae':
    case 'rmse': return Math.max(value, 1e-3) / Math.sqrt(n);
    case 'calibration': {
      const p = lookup('positive_rate', time);
      return Number.isFinite(p) && p > 0 ? value * Math.sqrt((1 - p) / Math.max(n * p, 1)) : NaN;
    }
    default: return NaN;
  }
}

/** The quantile ladder a window stores, with its levels. */
const LADDER: Array<[string, number]> = [['min', 0], ['p1', 0.01], ['p5', 0.05], ['p25', 0.25], ['p50', 0.5], ['p75', 0.75], ['p95', 0.95], ['p99', 0.99], ['max', 1]];

/**
 * Half the spread of the window's quantile function over [q - delta, q + delta], read by linear
 * interpolation along its stored ladder: a sample quantile's error in rank, turned into units.
 */
function ladderSd(lookup: Lookup, time: number, q: number, delta: number): number {
  const points = LADDER.map(([name, level]) => [level, lookup(name, time)] as const).filter(([, v]) => Number.isFinite(v));
  if (points.length < 2) return NaN;
  const at = (level: number): number => {
    const x = Math.min(Math.max(level, points[0][0]), points[points.length - 1][0]);
    for (let i = 1; i < points.length; i++) {
      const [l0, v0] = points[i - 1];
      const [l1, v1] = points[i];
      if (x <= l1) return l1 === l0 ? v1 : v0 + ((v1 - v0) * (x - l0)) / (l1 - l0);
    }
    return points[points.length - 1][1];
  };
  return (at(q + delta) - at(q - delta)) / 2;
}

function binomialSd(p: number, n: number): number {
  const q = Math.min(Math.max(p, 1 / n), 1 - 1 / n);
  return Math.sqrt((q * (1 - q)) / n);
}

/** A robust spread of the feature in that window: the IQR as a normal sd, else its std. */
function spreadAt(lookup: Lookup, time: number): number {
  const iqr = lookup('p75', time) - lookup('p25', time);
  const fromIqr = iqr / 1.349;
  const std = lookup('std', time);
  if (Number.isFinite(fromIqr) && fromIqr > 0) return Number.isFinite(std) ? Math.min(fromIqr, std) || fromIqr : fromIqr;
  return Number.isFinite(std) ? std : NaN;
}

/**
 * The step of a discrete feature: the finest grid all of its stored quantiles, min and max lie
 * on (1 for integers). 0 for a continuous feature, whose values lie on no coarse grid.
 */
export function featureStep(stats: ReadonlyMap<string, ReadonlyMap<number, number>>): number {
  const values: number[] = [];
  for (const name of ['min', 'max', ...Object.keys(QUANTILES)]) {
    for (const v of stats.get(name)?.values() ?? []) if (Number.isFinite(v)) values.push(v);
  }
  if (values.length === 0) return 0;
  const distinct = [...new Set(values)].sort((a, b) => a - b);
  let gap = Infinity;
  for (let i = 1; i < distinct.length; i++) gap = Math.min(gap, distinct[i] - distinct[i - 1]);
  // One value only: an integer constant moves in steps of 1; a fractional one in no known step.
  if (gap === Infinity) return Number.isInteger(distinct[0]) ? 1 : 0;
  const onGrid = distinct.every((v) => Math.abs(v / gap - Math.round(v / gap)) < 1e-6);
  // A fine grid is no step: continuous values rounded to a few decimals are still continuous.
  const span = distinct[distinct.length - 1] - distinct[0];
  return onGrid && gap >= span / 1000 ? gap : 0;
}

function domainOf(statistic: string, stats: ReadonlyMap<string, ReadonlyMap<number, number>>): Pick<Resolution, 'domain'> {
  if (RATES.has(statistic) || statistic === 'auc' || statistic === 'drift') return { domain: { min: 0, max: 1 } };
  if (COUNTS.has(statistic) || ['distinct_count', 'std', 'entropy', 'log_loss', 'mae', 'rmse', 'calibration'].includes(statistic)) {
    return { domain: { min: 0 } };
  }
  if (VALUE_STATISTICS.has(statistic)) {
    // A feature that was never negative: its location statistics cannot be either.
    const mins = [...(stats.get('min')?.values() ?? [])];
    if (mins.length > 0 && mins.every((v) => v >= 0)) return { domain: { min: 0 } };
  }
  return {};
}

function normalDensity(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}

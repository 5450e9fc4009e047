/**
 * The mergeable summary of one numeric column over a window: exact counts, moments, extremes,
 * and a quantile sketch. Values arrive column-wise in batches (NaN marks a missing value), which
 * keeps the per-value work to a few comparisons and one store.
 */
import { QuantileSketch, type QuantileSketchState } from './kll.js';
import { combineMoments, momentsOf, stdOf, type Moments } from './moments.js';
import { QUANTILES, type Statistics } from './names.js';
import { ABSURD_MAGNITUDE } from './quality.js';

export interface NumericState {
  count: number;
  zeros: number;
  positiveInfinity: number;
  negativeInfinity: number;
  /** Finite values beyond ±1e150 (absent in states written before it existed). */
  absurd?: number;
  moments: Moments;
  min: number | null;
  max: number | null;
  sketch: QuantileSketchState;
}

/** Scratch space for the finite values of one batch (single-threaded, reused). */
let finiteScratch = new Float64Array(1024);

export class NumericSummary {
  readonly kind = 'numeric';
  /** Values present: finite or infinite (missing values are not counted). */
  count = 0;
  zeros = 0;
  positiveInfinity = 0;
  negativeInfinity = 0;
  /** Finite values of magnitude above ABSURD_MAGNITUDE: kept out of the moments like Infinity. */
  absurd = 0;
  /** Moments of the finite values only: an Infinity would swallow the mean. */
  readonly moments: Moments = { n: 0, mean: 0, m2: 0 };
  min = Infinity;
  max = -Infinity;
  readonly sketch: QuantileSketch;

  constructor(sketch: QuantileSketch = new QuantileSketch()) {
    this.sketch = sketch;
  }

  get infinite(): number {
    return this.positiveInfinity + this.negativeInfinity;
  }

  /** Values present but left out of mean, std, min, max and the quantiles: infinite or absurd. */
  get nonFinite(): number {
    return this.positiveInfinity + this.negativeInfinity + this.absurd;
  }

  /** Adds values[0..n); NaN is a missing value and is skipped. */
  addColumn(values: Float64Array, n: number): void {
    if (finiteScratch.length < n) finiteScratch = new Float64Array(n);
    const finite = finiteScratch;
    let m = 0;
    let zeros = 0;
    let sum = 0;
    let min = this.min;
    let max = this.max;
    let absurd = 0;
    for (let r = 0; r < n; r++) {
      const v = values[r];
      if (v - v === 0) {
        if (v > ABSURD_MAGNITUDE || v < -ABSURD_MAGNITUDE) {
          absurd++;
          continue;
        }
        finite[m++] = v;
        sum += v;
        if (v === 0) zeros++;
        if (v < min) min = v;
        if (v > max) max = v;
      } else if (v === Infinity) {
        this.positiveInfinity++;
      } else if (v === -Infinity) {
        this.negativeInfinity++;
      }
    }
    this.absurd += absurd;
    if (m === 0) {
      this.count = this.moments.n + this.nonFinite;
      return;
    }
    this.zeros += zeros;
    this.min = min;
    this.max = max;
    combineMoments(this.moments, momentsOf(finite, m, sum));
    this.count = this.moments.n + this.nonFinite;
    this.sketch.addMany(finite, m);
  }

  merge(other: NumericSummary): void {
    this.zeros += other.zeros;
    this.positiveInfinity += other.positiveInfinity;
    this.negativeInfinity += other.negativeInfinity;
    this.absurd += other.absurd;
    combineMoments(this.moments, other.moments);
    this.count = this.moments.n + this.nonFinite;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
    this.sketch.merge(other.sketch);
  }

  toJSON(): NumericState {
    const finite = this.moments.n > 0;
    return {
      count: this.count,
      zeros: this.zeros,
      positiveInfinity: this.positiveInfinity,
      negativeInfinity: this.negativeInfinity,
      absurd: this.absurd,
      moments: { ...this.moments },
      min: finite ? this.min : null,
      max: finite ? this.max : null,
      sketch: this.sketch.toJSON(),
    };
  }

  static fromJSON(state: NumericState): NumericSummary {
    const s = new NumericSummary(QuantileSketch.fromJSON(state.sketch));
    s.count = state.count;
    s.zeros = state.zeros;
    s.positiveInfinity = state.positiveInfinity;
    s.negativeInfinity = state.negativeInfinity;
    s.absurd = state.absurd ?? 0;
    Object.assign(s.moments, state.moments);
    s.min = state.min ?? Infinity;
    s.max = state.max ?? -Infinity;
    return s;
  }
}

/**
 * The numeric statistics of docs/design.md §5 except drift: `rows` is the number of valid rows of the
 * window, so a feature absent from some rows (or appearing mid-window) has them as missing.
 * `invalid` cells (a value of the wrong type) are neither present nor missing: missing_rate +
 * invalid_rate + count / rows = 1. `non_finite_rate` is the share of rows holding ±Infinity or a
 * magnitude above 1e150 (present, in `count`, but out of every other statistic).
 */
export function numericStatistics(s: NumericSummary, rows: number, invalid = 0): Statistics {
  const finite = s.moments.n > 0;
  const out: Statistics = {
    count: s.count,
    missing_rate: rows > 0 ? Math.max(rows - s.count - invalid, 0) / rows : null,
    invalid_rate: rows > 0 ? invalid / rows : null,
    non_finite_rate: rows > 0 ? s.nonFinite / rows : null,
    zero_rate: s.count > 0 ? s.zeros / s.count : null,
    mean: finite ? s.moments.mean : null,
    std: stdOf(s.moments),
    min: finite ? s.min : null,
    max: finite ? s.max : null,
  };
  for (const [name, p] of QUANTILES) out[name] = finite ? s.sketch.quantile(p) : null;
  return out;
}

/** Score statistics: the numeric summary of the model's output plus the positive count. */
import { NumericSummary, numericStatistics, type NumericState } from './numeric.js';
import type { Statistics } from './names.js';

export const DEFAULT_THRESHOLD = 0.5;

export interface ScoreState {
  threshold: number;
  positives: number;
  values: NumericState;
}

export class ScoreSummary {
  positives = 0;

  constructor(readonly threshold: number = DEFAULT_THRESHOLD, readonly values: NumericSummary = new NumericSummary()) {}

  /** Adds scores[0..n); NaN is a row without a score. */
  addColumn(scores: Float64Array, n: number): void {
    const t = this.threshold;
    let positives = 0;
    for (let r = 0; r < n; r++) if (scores[r] >= t) positives++;
    this.positives += positives;
    this.values.addColumn(scores, n);
  }

  merge(other: ScoreSummary): void {
    if (other.threshold !== this.threshold) {
      throw new RangeError(`cannot merge score summaries with thresholds ${this.threshold} and ${other.threshold}`);
    }
    this.positives += other.positives;
    this.values.merge(other.values);
  }

  toJSON(): ScoreState {
    return { threshold: this.threshold, positives: this.positives, values: this.values.toJSON() };
  }

  static fromJSON(state: ScoreState): ScoreSummary {
    const s = new ScoreSummary(state.threshold, NumericSummary.fromJSON(state.values));
    s.positives = state.positives;
    return s;
  }
}

/** traffic (rows scored), missing_rate, the moments and quantiles, positive_rate (score >= threshold). */
export function scoreStatistics(s: ScoreSummary, rows: number, invalid = 0): Statistics {
  const { count, zero_rate: _zeroRate, ...rest } = numericStatistics(s.values, rows, invalid);
  return { traffic: count, ...rest, positive_rate: s.values.count > 0 ? s.positives / s.values.count : null };
}

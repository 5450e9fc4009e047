/**
 * Statistic names: a contract (docs/design.md §5). They appear in InfluxDB fields, alerts, the status
 * and `alertiger stats` output, so they never change once released.
 */
export const QUANTILES: ReadonlyArray<readonly [name: string, p: number]> = [
  ['p1', 0.01], ['p5', 0.05], ['p25', 0.25], ['p50', 0.5], ['p75', 0.75], ['p95', 0.95], ['p99', 0.99],
];

export const NUMERIC_STATISTICS = [
  'count', 'missing_rate', 'invalid_rate', 'non_finite_rate', 'zero_rate', 'mean', 'std', 'min', 'max', ...QUANTILES.map(([n]) => n), 'drift',
] as const;

export const CATEGORICAL_STATISTICS = [
  'count', 'missing_rate', 'invalid_rate', 'distinct_count', 'top_share', 'unseen_share', 'entropy', 'drift',
] as const;

export const SCORE_STATISTICS = [
  'traffic', 'missing_rate', 'invalid_rate', 'non_finite_rate', 'mean', 'std', 'min', 'max', ...QUANTILES.map(([n]) => n), 'positive_rate', 'drift',
] as const;

export const LABEL_STATISTICS = [
  'label_coverage', 'positive_rate', 'auc', 'log_loss', 'calibration', 'mae', 'rmse',
] as const;

export { DATA_STATISTICS } from './quality.js';

/** The three categories of docs/design.md §5 and the log's data quality; an InfluxDB tag value. */
export type Category = 'feature' | 'score' | 'label' | 'data';
export const CATEGORIES: readonly Category[] = ['feature', 'score', 'label', 'data'];

/** Statistic name -> value; null when it cannot be computed (no values, no reference, ...). */
export type Statistics = Record<string, number | null>;

/**
 * The statistics of each segment series (docs/segments.md): the score's location, spread and
 * volume, and every label statistic. Left out: the score's data-quality rates (a pipeline
 * problem shows in the whole population), min/max and p1/p99 (a segment of a few hundred rows
 * has no reliable extremes) and drift (it would need a reference per segment).
 */
export const SEGMENT_SCORE_STATISTICS = [
  'traffic', 'missing_rate', 'mean', 'std', 'p5', 'p25', 'p50', 'p75', 'p95', 'positive_rate',
] as const;

export const SEGMENT_LABEL_STATISTICS = LABEL_STATISTICS;

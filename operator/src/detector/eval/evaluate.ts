/**
 * One evaluation run over labelled series: the full detector (raw decision), the full detector
 * with the per-series filters, stage 1 alone (outside the band) and the two baselines, all on
 * the same scored points, with event-level precision, recall, F1 and false alarms per 1,000
 * clean points (metrics.ts). When the series carry their ground truth (the synthetic
 * generator's), an oracle row shows what judging each point alone can reach at best.
 */
import { filterSeries, type FilterOptions } from '../../postprocess/filters.js';
import { isOutside } from '../../postprocess/severity.js';
import { scoreRegular, DEFAULT_THRESHOLD } from '../detector.js';
import { selectPoints, type RegularSeries } from '../features.js';
import type { GranularityModel } from '../io.js';
import { rollingZScoreFlags, weekdayMadFlags } from './baselines.js';
import { addCounts, eventCounts, eventScores, NO_COUNTS, type EventCounts, type EventScores } from './metrics.js';

export interface LabelledSeries {
  start: number;
  values: Float64Array;
  labels: Uint8Array;
  /** Expected value and noise sd of each point with no incident active (oracle only). */
  truth?: { expected: Float64Array; noiseSd: Float64Array };
  /** Sampling sd per point as a real run would attach it (NaN = unknown). */
  noise?: Float64Array;
  /** The values the statistic can take. */
  domain?: { min?: number; max?: number };
}

export interface EvaluateOptions {
  threshold?: number;
  filters?: Partial<FilterOptions>;
  oracle?: boolean;
  /** Give the detector each series' noise and domain, as a run does (default true). */
  sampling?: boolean;
  /** Sequential masked scoring (detector ScoreOptions.mask; default false). */
  mask?: boolean;
  maskLimit?: number;
  /** false: the classifier's plain score instead of its monotone envelope. */
  envelope?: boolean;
}

export interface EvalRow {
  method: string;
  scores: EventScores;
}

export const METHODS = {
  full: 'full detector (stage 1 + 2)',
  filtered: 'full detector + filters (severity>=1 AND duration 2 of 3)',
  stage1: 'stage 1 alone (outside band)',
  zscore: 'baseline: rolling z-score |z|>3',
  mad: 'baseline: same-weekday median +-4 MAD',
} as const;

export const ORACLE_METHOD = 'reference: oracle (true level and noise sd known)';
/** Cut-offs the oracle tries, in noise sds; it reports the one with the best F1. */
export const ORACLE_CUTOFFS = [3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7, 8];

/** 1 where |x - expected| > k noise sds: point-wise judgement with perfect knowledge of the series. */
export function oracleFlags(values: Float64Array, truth: NonNullable<LabelledSeries['truth']>, k: number): Uint8Array {
  return Uint8Array.from(values, (x, t) => (Math.abs(x - truth.expected[t]) > k * truth.noiseSd[t] ? 1 : 0));
}

/**
 * The oracle's best event F1 over ORACLE_CUTOFFS on the detector's scored points (its cut-off
 * is chosen on the evaluated set itself, so it is an upper reference, not a competitor).
 */
function oracleRow(data: readonly LabelledSeries[], masks: readonly Uint8Array[]): EvalRow | undefined {
  if (data.some((d) => d.truth === undefined)) return undefined;
  let best: EventScores | undefined;
  let bestK = NaN;
  for (const k of ORACLE_CUTOFFS) {
    let total = NO_COUNTS;
    data.forEach((d, s) => (total = addCounts(total, eventCounts(d.labels, oracleFlags(d.values, d.truth!, k), masks[s]))));
    const scores = eventScores(total);
    if (best === undefined || scores.f1 > best.f1) {
      best = scores;
      bestK = k;
    }
  }
  return { method: `${ORACLE_METHOD}, |z| > ${bestK}`, scores: best! };
}

export function evaluate(
  model: GranularityModel,
  data: readonly LabelledSeries[],
  options: EvaluateOptions = {},
): EvalRow[] {
  const spec = model.spec;
  const sampling = options.sampling !== false;
  const series: RegularSeries[] = data.map((d) =>
    sampling ? { start: d.start, values: d.values, noise: d.noise, domain: d.domain } : { start: d.start, values: d.values },
  );
  const points = selectPoints(series, spec);
  const scored = scoreRegular(model, series, points, options.threshold ?? DEFAULT_THRESHOLD, {
    mask: options.mask,
    maskLimit: options.maskLimit,
    envelope: options.envelope,
  });
  const totals: Record<keyof typeof METHODS, EventCounts> = {
    full: NO_COUNTS,
    filtered: NO_COUNTS,
    stage1: NO_COUNTS,
    zscore: NO_COUNTS,
    mad: NO_COUNTS,
  };
  const masks: Uint8Array[] = [];
  data.forEach((d, s) => {
    const n = d.values.length;
    const r = scored[s];
    const mask = new Uint8Array(n);
    masks.push(mask);
    const flags = { full: new Uint8Array(n), filtered: new Uint8Array(n), stage1: new Uint8Array(n) };
    const kept = filterSeries(r, options.filters).keep;
    for (let k = 0; k < r.timestamps.length; k++) {
      const t = Math.round((r.timestamps[k] - d.start) / spec.stepMs);
      mask[t] = 1;
      flags.full[t] = r.anomalous[k];
      flags.filtered[t] = kept[k];
      flags.stage1[t] = isOutside(r.observed[k], r.lower[k], r.upper[k]) ? 1 : 0;
    }
    const baseline = { window: spec.window, season: spec.seasonLag };
    const all: Record<keyof typeof METHODS, Uint8Array> = {
      ...flags,
      zscore: rollingZScoreFlags(d.values, baseline),
      mad: weekdayMadFlags(d.values, baseline),
    };
    for (const key of Object.keys(totals) as Array<keyof typeof METHODS>) {
      totals[key] = addCounts(totals[key], eventCounts(d.labels, all[key], mask));
    }
  });
  const rows = (Object.keys(METHODS) as Array<keyof typeof METHODS>).map((key) => ({ method: METHODS[key], scores: eventScores(totals[key]) }));
  const oracle = options.oracle === true ? oracleRow(data, masks) : undefined;
  return oracle === undefined ? rows : [...rows, oracle];
}

/** A fixed-width text table of evaluation rows. */
export function formatTable(rows: readonly EvalRow[]): string {
  const head = ['method', 'precision', 'recall', 'F1', 'FA/1k clean', 'incidents', 'caught', 'false alarms'];
  const body = rows.map((r) => [
    r.method,
    r.scores.precision.toFixed(3),
    r.scores.recall.toFixed(3),
    r.scores.f1.toFixed(3),
    r.scores.falseAlarmRate.toFixed(2),
    String(r.scores.incidents),
    String(r.scores.caught),
    String(r.scores.falseAlarms),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

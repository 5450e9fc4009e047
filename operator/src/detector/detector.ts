/**
 * The detector's library API, for the run pipeline and the CLI.
 *
 *   const detector = await loadDetector();            // the pretrained model shipped in models/
 *   const [scores] = detector.score([{ timestamps, values, granularity: '1d' }]);
 *   // scores.timestamps[i], observed, baseline, lower, upper, score, anomalous (0/1)
 *
 * - A series is epoch-ms timestamps and values (NaN = missing), daily or hourly; it is sorted and
 *   placed on a regular grid (duplicates: the later row wins; gaps stay missing).
 * - Every point with a value and a full window of history (28 days with at most 20% of it
 *   missing; hourly: 7 days with at most 60% missing and 3 of the 7 values of the point's own
 *   hour of day present, so monitors with quiet night hours are scored) is scored; `from`
 *   limits scoring to recent points.
 * - `noise` (the statistic's sampling sd per point) and `domain` (the values it can take) are
 *   optional: with them the band is never narrower than sampling error explains and never leaves
 *   the domain (features.ts: finalizeBands); without them the method's absolute std floor 0.01
 *   and a tiny relative band floor apply.
 * - `anomalous` is the raw decision of design.md §6 (stage-2 score > threshold AND outside the
 *   final band), before the post-processing filters in postprocess/. The score is the stage-2
 *   classifier's monotone envelope (inference.ts: predictStage2Envelope): a larger deviation in
 *   the same direction never scores lower.
 * - `mask: true` scores each series' points in time order and puts the baseline in place of
 *   every flagged point's value in the windows of later points, so a lasting fault does not
 *   become the baseline three points later (replays).
 * - score() is synchronous and batches all series of one granularity into one pass; call
 *   dispose() when done to free the model's tensors.
 */
import type { Granularity } from '../api/types.js';
import { AlertigerError } from '../errors.js';
import type { Logger } from '../log.js';
import { isOutside } from '../postprocess/severity.js';
import { initBackend, activeBackend } from './backend.js';
import { buildStage1Batch, finalizeBands, selectPoints, stage2Features, type PointSet, type RegularSeries } from './features.js';
import { predictStage1, predictStage2, predictStage2Envelope } from './inference.js';
import { disposeModel, loadDetectorFiles, type GranularityModel } from './io.js';
import { pretrainedModelPath } from './paths.js';
import { checkSeriesExtras, inferGranularity, regularize, type SeriesInput } from './series.js';
import { stage2InputLength, type GranularitySpec } from './spec.js';

export const DEFAULT_THRESHOLD = 0.2;

export interface SeriesScores {
  granularity: Granularity;
  /** Scored points only, in time order. */
  timestamps: Float64Array;
  observed: Float64Array;
  baseline: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
  /** Stage-2 anomaly probability. */
  score: Float64Array;
  /** 1 when score > threshold and observed is outside [lower, upper]. */
  anomalous: Uint8Array;
}

export interface ScoreOptions {
  /** Stage-2 threshold in (0, 1); the model's default (0.2) otherwise. */
  threshold?: number;
  /**
   * Sequential masked scoring: points are scored in time order and every point flagged
   * (`anomalous` = 1) enters the windows of later points as its baseline instead of its
   * observed value. Every scorable point of the series is scored (so faults before `from` are
   * masked too); only points at or after `from` are returned. Default false.
   */
  mask?: boolean;
  /**
   * With `mask`: after this many consecutive flagged points of a series, its flagged points stop
   * being masked (the new level is accepted as normal). Default: no limit.
   */
  maskLimit?: number;
}

export interface Detector {
  readonly granularities: readonly Granularity[];
  readonly threshold: number;
  readonly backend: string;
  score(series: readonly SeriesInput[], options?: ScoreOptions): SeriesScores[];
  dispose(): void;
}

/** The decision rule: a point is anomalous when its score exceeds the threshold and it lies outside the band. */
export function isAnomalous(score: number, threshold: number, observed: number, lower: number, upper: number): boolean {
  return score > threshold && isOutside(observed, lower, upper);
}

/** Loads a detector directory (the shipped pretrained one by default) on the chosen backend. */
export async function loadDetector(modelPath?: string, options: { logger?: Logger } = {}): Promise<Detector> {
  await initBackend({ logger: options.logger });
  const { manifest, models } = await loadDetectorFiles(modelPath ?? pretrainedModelPath());
  return createDetector(models, manifest.threshold ?? DEFAULT_THRESHOLD);
}

/** A detector over in-memory models (it takes ownership: dispose() frees them). */
export function createDetector(models: readonly GranularityModel[], threshold = DEFAULT_THRESHOLD): Detector {
  const byGranularity = new Map<Granularity, GranularityModel>(models.map((m) => [m.spec.granularity, m]));
  return {
    granularities: [...byGranularity.keys()],
    threshold,
    backend: activeBackend(),
    score(series, options = {}) {
      const t = options.threshold ?? threshold;
      if (!(t > 0 && t < 1)) throw new AlertigerError('InvalidThreshold', `threshold must be in (0, 1), got ${t}`);
      const out = new Array<SeriesScores>(series.length);
      const groups = new Map<Granularity, number[]>();
      series.forEach((s, i) => {
        const g = s.granularity ?? inferGranularity(s.timestamps);
        if (g === undefined) {
          throw new AlertigerError('GranularityUnknown', `series #${i + 1}: cannot infer daily or hourly spacing from its timestamps`);
        }
        const group = groups.get(g);
        if (group === undefined) groups.set(g, [i]);
        else group.push(i);
      });
      for (const [g, members] of groups) {
        const model = byGranularity.get(g);
        if (model === undefined) {
          throw new AlertigerError('GranularityUnsupported', `the model has no ${g} detector (it has ${[...byGranularity.keys()].join(', ')})`);
        }
        members.forEach((i) => checkSeriesExtras(series[i], `series #${i + 1}`));
        const scored = scoreGroup(model, members.map((i) => series[i]), t, options);
        members.forEach((i, k) => (out[i] = scored[k]));
      }
      return out;
    },
    dispose() {
      for (const m of byGranularity.values()) disposeModel(m);
      byGranularity.clear();
    },
  };
}

function scoreGroup(model: GranularityModel, inputs: readonly SeriesInput[], threshold: number, options: ScoreOptions): SeriesScores[] {
  const spec = model.spec;
  const grids = inputs.map((s) => regularize(s.timestamps, s.values, spec.stepMs, s.noise));
  const series: RegularSeries[] = grids.map((r, k) => ({ start: r.start, values: r.values, noise: r.noise, domain: inputs[k].domain }));
  const from = inputs.map((s, k) => (s.from === undefined ? 0 : Math.max(0, Math.ceil((s.from - grids[k].start) / spec.stepMs))));
  if (options.mask !== true) return scoreRegular(model, series, selectPoints(series, spec, from), threshold);
  const all = scoreRegular(model, series, selectPoints(series, spec), threshold, { mask: true, maskLimit: options.maskLimit });
  return all.map((r, k) => sliceScores(r, series[k].start + from[k] * spec.stepMs));
}

/** The scores at or after time `from`. */
function sliceScores(r: SeriesScores, from: number): SeriesScores {
  let k = 0;
  while (k < r.timestamps.length && r.timestamps[k] < from) k++;
  if (k === 0) return r;
  return {
    granularity: r.granularity,
    timestamps: r.timestamps.slice(k),
    observed: r.observed.slice(k),
    baseline: r.baseline.slice(k),
    lower: r.lower.slice(k),
    upper: r.upper.slice(k),
    score: r.score.slice(k),
    anomalous: r.anomalous.slice(k),
  };
}

export interface RegularScoreOptions {
  /** Sequential masked scoring (ScoreOptions.mask). */
  mask?: boolean;
  /** ScoreOptions.maskLimit. */
  maskLimit?: number;
  /**
   * false: report the classifier's plain score at the point instead of its monotone envelope
   * (for comparisons in the evaluation only).
   */
  envelope?: boolean;
}

/**
 * Scores given points of regular series (the evaluation calls this directly). Points must be in
 * series then time order (selectPoints' order).
 */
export function scoreRegular(
  model: GranularityModel,
  series: readonly RegularSeries[],
  points: PointSet,
  threshold: number,
  options: RegularScoreOptions = {},
): SeriesScores[] {
  const spec: GranularitySpec = model.spec;
  const counts = new Int32Array(series.length);
  for (let i = 0; i < points.index.length; i++) counts[points.series[i]]++;
  const out = Array.from(counts, (n) => emptyScores(spec.granularity, n));
  // Where each point's result goes in its series' arrays.
  const slot = new Int32Array(points.index.length);
  const fill = new Int32Array(series.length);
  for (let i = 0; i < points.index.length; i++) slot[i] = fill[points.series[i]]++;
  if (options.mask !== true) {
    scoreInto(model, series, points, slot, threshold, out, options.envelope);
    return out;
  }
  // Masked: a point's history ends `omit` + 1 points before it, so the points of one block of
  // omit + 1 consecutive indices never see each other and are scored together (every series at
  // once); flagged values are replaced before the next block. The caller's arrays stay intact.
  const work: RegularSeries[] = series.map((s) => ({
    ...s,
    values: Float64Array.from(s.values),
    observed: s.values,
    maskSd: new Float64Array(s.values.length).fill(NaN),
  }));
  const limit = options.maskLimit ?? Infinity;
  const run = new Int32Array(series.length);
  const lastFlag = new Int32Array(series.length).fill(-2);
  const block = spec.omit + 1;
  const order = Array.from(points.index.keys()).sort((a, b) => Math.floor(points.index[a] / block) - Math.floor(points.index[b] / block) || a - b);
  for (let lo = 0; lo < order.length; ) {
    const key = Math.floor(points.index[order[lo]] / block);
    let hi = lo;
    while (hi < order.length && Math.floor(points.index[order[hi]] / block) === key) hi++;
    const ids = order.slice(lo, hi);
    const sub: PointSet = { series: Int32Array.from(ids, (i) => points.series[i]), index: Int32Array.from(ids, (i) => points.index[i]) };
    const std = scoreInto(model, work, sub, Int32Array.from(ids, (i) => slot[i]), threshold, out, options.envelope);
    ids.forEach((i, j) => {
      const s = sub.series[j];
      const t = sub.index[j];
      const r = out[s];
      const k = slot[i];
      if (r.anomalous[k] !== 1) return;
      run[s] = lastFlag[s] === t - 1 ? run[s] + 1 : 1;
      lastFlag[s] = t;
      if (run[s] <= limit) {
        work[s].values[t] = r.baseline[k];
        work[s].maskSd![t] = std[j];
      }
    });
    lo = hi;
  }
  return out;
}

/** Scores `points` and writes each into out[series][slot]; returns the window std of each point. */
function scoreInto(
  model: GranularityModel,
  series: readonly RegularSeries[],
  points: PointSet,
  slot: Int32Array,
  threshold: number,
  out: SeriesScores[],
  envelope = true,
): Float64Array {
  const spec = model.spec;
  const batch = buildStage1Batch(series, spec, points);
  const bands = predictStage1(model.stage1, batch, spec);
  const final = finalizeBands(batch, bands, series);
  const probs = envelope
    ? predictStage2Envelope(model.stage2, batch, bands, spec)
    : predictStage2(model.stage2, stage2Features(batch, bands, spec), stage2InputLength(spec));
  for (let i = 0; i < batch.size; i++) {
    const s = points.series[i];
    const k = slot[i];
    const r = out[s];
    r.timestamps[k] = series[s].start + points.index[i] * spec.stepMs;
    r.observed[k] = series[s].values[points.index[i]];
    r.baseline[k] = final.baseline[i];
    r.lower[k] = final.lower[i];
    r.upper[k] = final.upper[i];
    r.score[k] = probs[i];
    r.anomalous[k] = isAnomalous(probs[i], threshold, r.observed[k], r.lower[k], r.upper[k]) ? 1 : 0;
  }
  return batch.std;
}

function emptyScores(granularity: Granularity, n: number): SeriesScores {
  return {
    granularity,
    timestamps: new Float64Array(n),
    observed: new Float64Array(n),
    baseline: new Float64Array(n),
    lower: new Float64Array(n),
    upper: new Float64Array(n),
    score: new Float64Array(n),
    anomalous: new Uint8Array(n),
  };
}

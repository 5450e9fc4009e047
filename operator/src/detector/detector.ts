/**
 * The detector's library API, for the run pipeline and the CLI.
 *
 *   const detector = await loadDetector();            // the pretrained model shipped in models/
 *   const [scores] = detector.score([{ timestamps, values, granularity: '1d' }]);
 *   // scores.timestamps[i], observed, baseline, lower, upper, score, anomalous (0/1)
 *
 * - A series is epoch-ms timestamps and values (NaN = missing), daily or hourly; it is sorted and
 *   placed on a regular grid (duplicates: the later row wins; gaps stay missing).
 * - Every point with a value and a full window of history (28 days, or 7 days hourly; at most
 *   20% of it missing) is scored; `from` limits scoring to recent points.
 * - `anomalous` is the raw decision of design.md §6 (stage-2 score > threshold AND outside the
 *   band), before the post-processing filters in postprocess/.
 * - score() is synchronous and batches all series of one granularity into one pass; call
 *   dispose() when done to free the model's tensors.
 */
import type { Granularity } from '../api/types.js';
import { AlertigerError } from '../errors.js';
import type { Logger } from '../log.js';
import { initBackend, activeBackend } from './backend.js';
import { buildStage1Batch, selectPoints, stage2Features, type RegularSeries } from './features.js';
import { predictStage1, predictStage2 } from './inference.js';
import { disposeModel, loadDetectorFiles, type GranularityModel } from './io.js';
import { pretrainedModelPath } from './paths.js';
import { inferGranularity, regularize, type SeriesInput } from './series.js';
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
  return score > threshold && (observed > upper || observed < lower);
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
        const scored = scoreGroup(model, members.map((i) => series[i]), t);
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

function scoreGroup(model: GranularityModel, inputs: readonly SeriesInput[], threshold: number): SeriesScores[] {
  const spec = model.spec;
  const grids = inputs.map((s) => regularize(s.timestamps, s.values, spec.stepMs));
  const series: RegularSeries[] = grids.map((r) => ({ start: r.start, values: r.values }));
  const from = inputs.map((s, k) => (s.from === undefined ? 0 : Math.max(0, Math.ceil((s.from - grids[k].start) / spec.stepMs))));
  const points = selectPoints(series, spec, from);
  return scoreRegular(model, series, points, threshold);
}

/** Scores given points of regular series (the evaluation calls this directly). */
export function scoreRegular(
  model: GranularityModel,
  series: readonly RegularSeries[],
  points: { series: Int32Array; index: Int32Array },
  threshold: number,
): SeriesScores[] {
  const spec: GranularitySpec = model.spec;
  const batch = buildStage1Batch(series, spec, points);
  const bands = predictStage1(model.stage1, batch, spec);
  const probs = predictStage2(model.stage2, stage2Features(batch, bands, spec), stage2InputLength(spec));
  const counts = new Int32Array(series.length);
  for (let i = 0; i < batch.size; i++) counts[points.series[i]]++;
  const out = Array.from(counts, (n) => emptyScores(spec.granularity, n));
  const fill = new Int32Array(series.length);
  for (let i = 0; i < batch.size; i++) {
    const s = points.series[i];
    const k = fill[s]++;
    const r = out[s];
    const mean = batch.mean[i];
    const std = batch.std[i];
    const b = mean + std * bands.baseline[i];
    r.timestamps[k] = series[s].start + points.index[i] * spec.stepMs;
    r.observed[k] = series[s].values[points.index[i]];
    r.baseline[k] = b;
    // The heads are not constrained to bracket the baseline; order them so the band always does.
    r.lower[k] = Math.min(b, mean + std * bands.lower[i]);
    r.upper[k] = Math.max(b, mean + std * bands.upper[i]);
    r.score[k] = probs[i];
    r.anomalous[k] = isAnomalous(probs[i], threshold, r.observed[k], r.lower[k], r.upper[k]) ? 1 : 0;
  }
  return out;
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

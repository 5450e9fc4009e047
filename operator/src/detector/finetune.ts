/**
 * Fine-tuning stage 2 on a cluster's own labelled anomalies (issue 13, `alertiger train
 * --feedback`). Stage 1 is frozen (its bands are what people saw and judged); stage 2 starts
 * from the current model's weights and takes a few seeded epochs on:
 * - the points of anomalies marked `incident`: positives; the points of anomalies marked
 *   `false-alarm`: negatives; each judged anomaly weighs JUDGED_WEIGHT in all, however long it is,
 *   so that a handful of judged alerts is heard over the thousands of quiet points, and incidents
 *   and false alarms weigh alike (what matters is their order: the cut is set afterwards);
 * - every other scored point of the series: the usual negatives, as in pretraining, except the
 *   points of anomalies nobody judged (unlabelled: the model's own guess is no label).
 * Points after `until` (the held-out part) are never trained on.
 */
import * as tf from '@tensorflow/tfjs';
import { buildStage1Batch, finalizeBands, selectPoints, stage2Features, UNLABELLED, type RegularSeries } from './features.js';
import { predictStage1 } from './inference.js';
import { bceWithLogits, denseFrom, stage2Logits, variablesOf, type Stage2Params } from './model.js';
import { createRng, shuffledIndices } from './random.js';
import type { GranularityModel } from './io.js';
import { stage2InputLength } from './spec.js';

export type Verdict = 'incident' | 'false-alarm';

/** Grid points [start, end) of one series (an anomaly's window). */
export interface Span {
  series: number;
  start: number;
  end: number;
}

export interface LabelledAnomaly extends Span {
  verdict: Verdict;
}

/**
 * Weight of one judged anomaly (incident or false alarm) in the stage-2 loss, spread over its
 * points, against 1 for each quiet point. Judged anomalies are points the current model already
 * scores above its threshold and a few dozen next to thousands of quiet points: at pretraining's
 * incident weight (POSITIVE_WEIGHT 0.35) the fine-tune barely moves. Incidents weigh as much as
 * false alarms so that pushing false alarms down does not push the weakest incident down with
 * them (the held-out check holds the model to the current recall).
 */
export const JUDGED_WEIGHT = 16;
export const FINETUNE_EPOCHS = 30;
export const FINETUNE_LEARNING_RATE = 0.005;
export const FINETUNE_BATCH = 512;

export interface FineTuneOptions {
  epochs?: number;
  seed: number;
  learningRate?: number;
  batchSize?: number;
  /** Train only on points before this time (epoch ms): the held-out part starts there. */
  until?: number;
  /** Anomalies nobody judged: their points are left out (no label). */
  unlabelled?: readonly Span[];
}

/** Stage-2 training rows: features, target (0/1) and loss weight per row. */
export interface FeedbackExamples {
  n: number;
  width: number;
  x: Float32Array;
  y: Float32Array;
  weight: Float32Array;
  positives: number;
  falseAlarms: number;
}

/**
 * Per-point labels of each series from the verdicts: 1 in incidents, 0 in false alarms and
 * elsewhere, UNLABELLED in unjudged anomalies and from `until` on. `judged` marks the points of
 * false alarms (their weight differs). Later spans win where spans overlap.
 */
export function feedbackLabels(
  series: readonly RegularSeries[],
  stepMs: number,
  anomalies: readonly LabelledAnomaly[],
  options: Pick<FineTuneOptions, 'until' | 'unlabelled'> = {},
): { labels: Uint8Array[]; falseAlarm: Uint8Array[] } {
  const labels = series.map((s) => new Uint8Array(s.values.length));
  const falseAlarm = series.map((s) => new Uint8Array(s.values.length));
  const clamp = (s: Span): [number, number] => [Math.max(0, s.start), Math.min(labels[s.series].length, s.end)];
  for (const u of options.unlabelled ?? []) {
    const [lo, hi] = clamp(u);
    labels[u.series].fill(UNLABELLED, lo, hi);
  }
  for (const a of anomalies) {
    const [lo, hi] = clamp(a);
    labels[a.series].fill(a.verdict === 'incident' ? 1 : 0, lo, hi);
    falseAlarm[a.series].fill(a.verdict === 'false-alarm' ? 1 : 0, lo, hi);
  }
  if (options.until !== undefined) {
    series.forEach((s, k) => {
      const first = Math.max(0, Math.ceil((options.until! - s.start) / stepMs));
      if (first < labels[k].length) labels[k].fill(UNLABELLED, first);
    });
  }
  return { labels, falseAlarm };
}

/**
 * The stage-2 rows of labelled points, with the current stage 1's final bands (as scoring sees
 * them). Incident points inside their band are left out, as in pretraining: the decision never
 * flags them, so they would only teach that small deviations are anomalous.
 */
export function buildFeedbackExamples(
  model: Pick<GranularityModel, 'spec' | 'stage1'>,
  series: readonly RegularSeries[],
  anomalies: readonly LabelledAnomaly[],
  options: Pick<FineTuneOptions, 'until' | 'unlabelled'> & { judgedWeight?: number } = {},
): FeedbackExamples {
  const spec = model.spec;
  const { labels, falseAlarm } = feedbackLabels(series, spec.stepMs, anomalies, options);
  const all = selectPoints(series, spec);
  const keep: number[] = [];
  for (let i = 0; i < all.index.length; i++) if (labels[all.series[i]][all.index[i]] !== UNLABELLED) keep.push(i);
  const points = { series: Int32Array.from(keep, (i) => all.series[i]), index: Int32Array.from(keep, (i) => all.index[i]) };
  const batch = buildStage1Batch(series, spec, points);
  const bands = predictStage1(model.stage1, batch, spec);
  finalizeBands(batch, bands, series);
  const width = stage2InputLength(spec);
  const features = stage2Features(batch, bands, spec);
  const rows: number[] = [];
  // Points of each judged anomaly that enter training, to spread its weight over them.
  const perSpan = new Map<string, number>();
  const spanOf = (k: number): string | undefined => {
    const s = points.series[k];
    const t = points.index[k];
    const label = labels[s][t];
    if (label !== 1 && falseAlarm[s][t] !== 1) return undefined;
    // The last span covering the point, as feedbackLabels lets later spans win.
    for (let j = anomalies.length - 1; j >= 0; j--) {
      const a = anomalies[j];
      if (a.series === s && t >= a.start && t < a.end) return `${a.series}:${a.start}`;
    }
    return undefined;
  };
  const spans: Array<string | undefined> = [];
  for (let k = 0; k < batch.size; k++) {
    const outside = batch.target[k] > bands.upper[k] || batch.target[k] < bands.lower[k];
    if (labels[points.series[k]][points.index[k]] === 1 && !outside) continue;
    rows.push(k);
    const span = spanOf(k);
    spans.push(span);
    if (span !== undefined) perSpan.set(span, (perSpan.get(span) ?? 0) + 1);
  }
  const judgedWeight = options.judgedWeight ?? JUDGED_WEIGHT;
  const out: FeedbackExamples = {
    n: rows.length,
    width,
    x: new Float32Array(rows.length * width),
    y: new Float32Array(rows.length),
    weight: new Float32Array(rows.length),
    positives: 0,
    falseAlarms: 0,
  };
  rows.forEach((k, r) => {
    out.x.set(features.subarray(k * width, (k + 1) * width), r * width);
    const positive = labels[points.series[k]][points.index[k]] === 1;
    const span = spans[r];
    const share = span === undefined ? 1 : perSpan.get(span)!;
    out.y[r] = positive ? 1 : 0;
    out.weight[r] = span === undefined ? 1 : judgedWeight / share;
    if (positive) out.positives++;
    else if (span !== undefined) out.falseAlarms++;
  });
  return out;
}

/** A copy of stage 2 with its own variables (the current model stays as it was). */
export function cloneStage2(p: Stage2Params): Stage2Params {
  return {
    layers: p.layers.map((d) =>
      denseFrom(d.name, d.kernel.dataSync() as Float32Array, d.bias.dataSync() as Float32Array, [d.kernel.shape[0], d.kernel.shape[1] ?? 1], d.activation),
    ),
  };
}

/**
 * Fine-tunes a copy of stage 2 on the examples: Adam over shuffled mini-batches, seeded.
 * Returns the new stage 2 and the last epoch's mean loss.
 */
export function fineTuneStage2(
  current: Stage2Params,
  examples: FeedbackExamples,
  options: Pick<FineTuneOptions, 'epochs' | 'seed' | 'learningRate' | 'batchSize'>,
): { stage2: Stage2Params; loss: number } {
  const stage2 = cloneStage2(current);
  const rng = createRng(options.seed ^ 0xfeed);
  const optimizer = tf.train.adam(options.learningRate ?? FINETUNE_LEARNING_RATE);
  const size = options.batchSize ?? FINETUNE_BATCH;
  const { width } = examples;
  const xb = new Float32Array(size * width);
  const yb = new Float32Array(size);
  const wb = new Float32Array(size);
  const variables = variablesOf(stage2.layers);
  let loss = NaN;
  try {
    for (let epoch = 0; epoch < (options.epochs ?? FINETUNE_EPOCHS); epoch++) {
      const order = shuffledIndices(examples.n, rng);
      let sum = 0;
      let steps = 0;
      for (let lo = 0; lo < examples.n; lo += size) {
        const m = Math.min(size, examples.n - lo);
        for (let k = 0; k < m; k++) {
          const r = order[lo + k];
          xb.set(examples.x.subarray(r * width, (r + 1) * width), k * width);
          yb[k] = examples.y[r];
          wb[k] = examples.weight[r];
        }
        sum += tf.tidy(() => {
          const x = tf.tensor2d(xb.subarray(0, m * width), [m, width]);
          const y = tf.tensor2d(yb.subarray(0, m), [m, 1]);
          const w = tf.tensor2d(wb.subarray(0, m), [m, 1]);
          const cost = optimizer.minimize(() => bceWithLogits(stage2Logits(stage2, x), y, w), true, variables);
          return cost === null ? NaN : cost.dataSync()[0];
        });
        steps++;
      }
      loss = sum / Math.max(steps, 1);
    }
  } finally {
    optimizer.dispose();
  }
  return { stage2, loss };
}

/**
 * Shifts the output bias of stage 2 by `delta` logits (in place): every score moves
 * monotonically, so the order of points is kept and a cut at probability c becomes a cut at
 * sigmoid(logit(c) + delta). Used to put the new model's equal-recall cut at the threshold the
 * monitors run with.
 */
export function shiftOutputBias(p: Stage2Params, delta: number): void {
  const last = p.layers[p.layers.length - 1];
  const bias = last.bias.dataSync();
  const next = Float32Array.from(bias, (b) => b + delta);
  const t = tf.tensor1d(next);
  last.bias.assign(t);
  t.dispose();
}

export const logit = (p: number): number => Math.log(p / (1 - p));

/**
 * Retraining stage 2 on feedback, end to end and pure (no I/O): split the labelled anomalies by
 * time, fine-tune on the older part (finetune.ts), put the new model's equal-recall cut on the
 * training part at the threshold monitors run with, and check it on the held-out part
 * (heldout.ts). The caller saves the candidate only when the report says accepted.
 */
import type { RegularSeries } from './features.js';
import { buildFeedbackExamples, fineTuneStage2, logit, shiftOutputBias, type FineTuneOptions, type LabelledAnomaly, type Span } from './finetune.js';
import { compareOnHeldOut, countsAt, equalRecallPoint, HELD_OUT_SHARE, incidentGrids, scorePoints, splitByTime, type HeldOutReport, type TimeSplit } from './heldout.js';
import type { GranularityModel } from './io.js';
import { disposeLayers } from './model.js';

export interface RetrainOptions extends Omit<FineTuneOptions, 'until'> {
  /** The threshold monitors run the model with (sensitivity medium: 0.2). */
  threshold: number;
  heldOutShare?: number;
  /** Weight of one judged anomaly in the loss (finetune.ts JUDGED_WEIGHT). */
  judgedWeight?: number;
  /** heldout.ts RECALL_TOLERANCE by default. */
  recallTolerance?: number;
}

export interface RetrainResult {
  /** Shares stage 1 with the current model; its stage 2 is new (free it with disposeCandidate). */
  candidate: GranularityModel;
  split: TimeSplit;
  report: HeldOutReport;
  training: { rows: number; positives: number; falseAlarmPoints: number; loss: number; biasShift: number; trainAnomalies: number };
}

/** Probabilities kept off 0 and 1 before taking logits. */
const clampP = (p: number): number => Math.min(1 - 1e-6, Math.max(1e-6, p));

/**
 * The logit shift that moves the candidate's equal-recall cut on the training part to just above
 * `threshold`, so that at the monitors' threshold it keeps the current model's recall there. 0
 * when the training part has no caught incident.
 */
export function calibrationShift(current: GranularityModel, candidate: GranularityModel, series: readonly RegularSeries[], split: TimeSplit, threshold: number): number {
  const cur = scorePoints(current, series, -Infinity, split.cutoff);
  const cand = scorePoints(candidate, series, -Infinity, split.cutoff);
  const incidents = incidentGrids(cur.lengths, split.train);
  const own = countsAt(cur, incidents, threshold, true);
  if (own.caught === 0) return 0;
  const point = equalRecallPoint(cand, incidents, own.caught);
  if (point === undefined || !Number.isFinite(point.cut)) return 0;
  // A hair above the threshold: the decision is score > threshold.
  return logit(clampP(threshold)) - logit(clampP(point.cut)) + 0.01;
}

export function retrainOnFeedback(
  current: GranularityModel,
  series: readonly RegularSeries[],
  anomalies: readonly LabelledAnomaly[],
  options: RetrainOptions,
): RetrainResult {
  const split = splitByTime(anomalies, series, current.spec.stepMs, options.heldOutShare ?? HELD_OUT_SHARE);
  const unlabelled: Span[] = [...(options.unlabelled ?? [])];
  const examples = buildFeedbackExamples(current, series, split.train, { until: split.cutoff, unlabelled, judgedWeight: options.judgedWeight });
  const tuned = fineTuneStage2(current.stage2, examples, options);
  const candidate: GranularityModel = { spec: current.spec, stage1: current.stage1, stage2: tuned.stage2 };
  const biasShift = calibrationShift(current, candidate, series, split, options.threshold);
  if (biasShift !== 0) shiftOutputBias(candidate.stage2, biasShift);
  const report = compareOnHeldOut({ current, candidate, series, split, threshold: options.threshold, recallTolerance: options.recallTolerance });
  return {
    candidate,
    split,
    report,
    training: {
      rows: examples.n,
      positives: examples.positives,
      falseAlarmPoints: examples.falseAlarms,
      loss: tuned.loss,
      biasShift,
      trainAnomalies: split.train.length,
    },
  };
}

/** Frees the candidate's own stage 2 (stage 1 belongs to the current model). */
export function disposeCandidate(r: RetrainResult): void {
  disposeLayers(r.candidate.stage2.layers);
}

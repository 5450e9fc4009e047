/**
 * The held-out check of a fine-tuned stage 2 (issue 13): the labelled anomalies are split by
 * time (the newest HELD_OUT_SHARE held out, never trained on), both models score the held-out
 * part of every series, and each is taken at the threshold it needs to keep the current model's
 * recall on the held-out incidents (the current model at its own threshold sets that recall,
 * less RECALL_TOLERANCE, see there). The new model is accepted only when it then raises strictly
 * fewer false alarms.
 *
 * Counting (eval/metrics.ts, event level): an incident is caught when a flagged point lies in it
 * (or within TOLERANCE points after); every run of flagged points touching no incident is one
 * false alarm, judged or not, so a model cannot win by moving its alarms to points nobody judged.
 */
import { scoreRegular } from './detector.js';
import { selectPoints, type RegularSeries } from './features.js';
import type { GranularityModel } from './io.js';
import { addCounts, eventCounts, NO_COUNTS, type EventCounts } from './eval/metrics.js';
import type { LabelledAnomaly } from './finetune.js';

export const HELD_OUT_SHARE = 0.3;
/**
 * The recall both models are held to is the current model's, less this share of its caught
 * incidents (rounded down, so under 50 caught incidents it is the current recall exactly). Every
 * judged incident was an alert of the current model, so its recall on them is 100% by
 * construction, and with no tolerance a single held-out incident the new model ranks low (a real
 * incident that looks like the benign events it learned to ignore) would decide the check alone.
 */
export const RECALL_TOLERANCE = 0.02;

export interface TimeSplit {
  /** Epoch ms: the held-out part starts here (the oldest held-out anomaly's start). */
  cutoff: number;
  train: LabelledAnomaly[];
  heldOut: LabelledAnomaly[];
}

/** Start time (epoch ms) of an anomaly. */
export function anomalyTime(a: LabelledAnomaly, series: readonly RegularSeries[], stepMs: number): number {
  return series[a.series].start + a.start * stepMs;
}

/** The newest `share` of the anomalies (at least one) held out; anomalies starting together stay together. */
export function splitByTime(anomalies: readonly LabelledAnomaly[], series: readonly RegularSeries[], stepMs: number, share = HELD_OUT_SHARE): TimeSplit {
  const sorted = [...anomalies].sort((a, b) => anomalyTime(a, series, stepMs) - anomalyTime(b, series, stepMs));
  if (sorted.length === 0) return { cutoff: Infinity, train: [], heldOut: [] };
  const held = Math.max(1, Math.ceil(share * sorted.length));
  const cutoff = anomalyTime(sorted[sorted.length - held], series, stepMs);
  return {
    cutoff,
    train: sorted.filter((a) => anomalyTime(a, series, stepMs) < cutoff),
    heldOut: sorted.filter((a) => anomalyTime(a, series, stepMs) >= cutoff),
  };
}

/** Scored points of the evaluated part: series, grid index, stage-2 score, outside the band. */
export interface ScoredPoints {
  lengths: number[];
  series: Int32Array;
  index: Int32Array;
  score: Float64Array;
  outside: Uint8Array;
}

/** Scores every scorable point in [from, to) (epoch ms) of each series. */
export function scorePoints(model: GranularityModel, series: readonly RegularSeries[], from: number, to = Infinity): ScoredPoints {
  const spec = model.spec;
  const first = series.map((s) => Math.max(0, Math.ceil((from - s.start) / spec.stepMs)));
  const all = selectPoints(series, spec, first);
  const keep: number[] = [];
  for (let i = 0; i < all.index.length; i++) if (series[all.series[i]].start + all.index[i] * spec.stepMs < to) keep.push(i);
  const points = { series: Int32Array.from(keep, (i) => all.series[i]), index: Int32Array.from(keep, (i) => all.index[i]) };
  // The threshold does not matter here: the cut is applied below.
  const scored = scoreRegular(model, series, points, 0.5);
  const n = points.index.length;
  const out: ScoredPoints = { lengths: series.map((s) => s.values.length), series: points.series, index: points.index, score: new Float64Array(n), outside: new Uint8Array(n) };
  const slot = new Int32Array(series.length);
  for (let i = 0; i < n; i++) {
    const r = scored[points.series[i]];
    const k = slot[points.series[i]]++;
    out.score[i] = r.score[k];
    out.outside[i] = r.observed[k] > r.upper[k] || r.observed[k] < r.lower[k] ? 1 : 0;
  }
  return out;
}

/** Per-series grids of 1 inside the given incidents. */
export function incidentGrids(lengths: readonly number[], anomalies: readonly LabelledAnomaly[]): Uint8Array[] {
  const grids = lengths.map((n) => new Uint8Array(n));
  for (const a of anomalies) if (a.verdict === 'incident') grids[a.series].fill(1, Math.max(0, a.start), Math.min(grids[a.series].length, a.end));
  return grids;
}

/** Event counts when the points with score >= cut (or > cut when strict) outside their band are flagged. */
export function countsAt(p: ScoredPoints, incidents: readonly Uint8Array[], cut: number, strict = false): EventCounts {
  const flags = p.lengths.map((n) => new Uint8Array(n));
  const scored = p.lengths.map((n) => new Uint8Array(n));
  for (let i = 0; i < p.score.length; i++) {
    const s = p.series[i];
    scored[s][p.index[i]] = 1;
    const over = strict ? p.score[i] > cut : p.score[i] >= cut;
    if (p.outside[i] === 1 && over) flags[s][p.index[i]] = 1;
  }
  return incidents.reduce((sum, labels, s) => addCounts(sum, eventCounts(labels, flags[s], scored[s])), NO_COUNTS);
}

export interface OperatingPoint {
  /** Points with a score at or above this cut (and outside their band) are flagged. */
  cut: number;
  incidents: number;
  caught: number;
  falseAlarms: number;
}

/** The highest cut whose recall (caught incidents) is at least `caught`; Infinity when 0 suffices. */
export function equalRecallPoint(p: ScoredPoints, incidents: readonly Uint8Array[], caught: number): OperatingPoint | undefined {
  const at = (cut: number): OperatingPoint => ({ cut, ...countsAt(p, incidents, cut) });
  if (caught <= 0) return at(Infinity);
  const cuts = [...new Set(Array.from(p.score).filter((_, i) => p.outside[i] === 1))].sort((a, b) => b - a);
  // Caught incidents grow as the cut falls: binary search for the first (highest) cut that reaches `caught`.
  let lo = 0;
  let hi = cuts.length - 1;
  let found: OperatingPoint | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const point = at(cuts[mid]);
    if (point.caught >= caught) {
      found = point;
      hi = mid - 1;
    } else lo = mid + 1;
  }
  return found;
}

export interface HeldOutReport {
  cutoff: number;
  /** Held-out incidents with a scored point, and judged false alarms held out. */
  incidents: number;
  markedFalseAlarms: number;
  /** The current model at its own threshold. */
  currentAtThreshold: OperatingPoint;
  /** Caught incidents both models are held to (currentAtThreshold's, less the tolerance). */
  heldTo: number;
  current: OperatingPoint;
  candidate?: OperatingPoint;
  accepted: boolean;
  /** One sentence naming the figures. */
  message: string;
}

const pct = (x: number): string => `${(100 * x).toFixed(0)}%`;

/** Compares two models on the held-out part and applies the refuse rule. */
export function compareOnHeldOut(options: {
  current: GranularityModel;
  candidate: GranularityModel;
  series: readonly RegularSeries[];
  split: TimeSplit;
  threshold: number;
  /** RECALL_TOLERANCE by default; 0 holds the new model to the current recall exactly. */
  recallTolerance?: number;
}): HeldOutReport {
  const { split, series, threshold } = options;
  const cur = scorePoints(options.current, series, split.cutoff);
  const cand = scorePoints(options.candidate, series, split.cutoff);
  const incidents = incidentGrids(cur.lengths, split.heldOut);
  const own = { cut: threshold, ...countsAt(cur, incidents, threshold, true) };
  const target = own.caught - Math.floor(own.caught * (options.recallTolerance ?? RECALL_TOLERANCE));
  const current = equalRecallPoint(cur, incidents, target) ?? own;
  const candidate = equalRecallPoint(cand, incidents, target);
  const markedFalseAlarms = split.heldOut.filter((a) => a.verdict === 'false-alarm').length;
  const base = { cutoff: split.cutoff, incidents: own.incidents, markedFalseAlarms, currentAtThreshold: own, heldTo: target, current, candidate };
  const since = Number.isFinite(split.cutoff) ? new Date(split.cutoff).toISOString() : 'never';
  const held = `held-out part (anomalies since ${since}: ${own.incidents} incidents, ${markedFalseAlarms} marked false alarms)`;
  if (own.caught === 0) {
    return { ...base, accepted: false, message: `cannot check: the current model catches no incident of the ${held}; label more incidents` };
  }
  const recall = pct(target / own.incidents);
  if (candidate === undefined) {
    return { ...base, accepted: false, message: `refused: on the ${held} the new model cannot reach the current model's recall ${recall}` };
  }
  const figures = `at recall ${recall} on the ${held}: ${candidate.falseAlarms} false alarms with the new model, ${current.falseAlarms} with the current one`;
  if (candidate.falseAlarms < current.falseAlarms) {
    const cut = pct((current.falseAlarms - candidate.falseAlarms) / current.falseAlarms);
    return { ...base, accepted: true, message: `accepted: ${figures} (-${cut})` };
  }
  return { ...base, accepted: false, message: `refused: the new model is not better: ${figures}` };
}

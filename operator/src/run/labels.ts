/**
 * Late labels (docs/design.md §5: labels are sparse and late; a window is recomputed when its late
 * labels arrive). `spec.schema.labelDelay` is the label horizon in windows: the labels of a window
 * may still arrive that many windows after it closed. Two consequences, both plain arithmetic:
 *
 * - Each run recomputes the label statistics of the stored windows inside the horizon (only the
 *   label category is rewritten, so the feature and score statistics stay as stored).
 * - Label statistics are scored only on mature windows (older than the horizon): the newest
 *   windows always have a lower label_coverage than mature ones, which is no anomaly. Label
 *   anomalies therefore lag by labelDelay windows; feature and score anomalies do not.
 */
import { granularityMs } from '../api/granularity.js';
import type { Granularity } from '../api/types.js';
import type { StatCategory, StatSeries } from './ports.js';
import { type Window, type WindowPlan } from './windows.js';

/**
 * The already-stored windows inside the label horizon that this run does not compute anyway:
 * [lastWindowEnd - labelDelay windows, min(lastWindowEnd, the plan's first window)). None on a
 * first run (nothing is stored yet) or with labelDelay 0.
 */
export function relabelWindows(plan: WindowPlan, lastWindowEnd: string | undefined, granularity: Granularity, labelDelay: number): Window[] {
  const last = lastWindowEnd !== undefined ? Date.parse(lastWindowEnd) : NaN;
  if (plan.firstRun || Number.isNaN(last) || labelDelay <= 0) return [];
  const w = granularityMs(granularity);
  // A lastWindowEnd off the grid (the granularity changed) counts from the grid below it.
  const aligned = Math.floor(last / w) * w;
  const to = Math.min(aligned, plan.windows[0].start.getTime());
  const out: Window[] = [];
  for (let t = aligned - labelDelay * w; t < to; t += w) out.push({ start: new Date(t), end: new Date(t + w) });
  return out;
}

/** Which points of one category a run scores: starts in [scoreFrom, latestStart]. */
export interface ScoringRange {
  /** First window start scored (ms). */
  scoreFrom: number;
  /** The newest window start scored: the window whose anomalies are "open". */
  latestStart: number;
}

export interface ScoringRangeInput {
  /** End of the newest closed window (ms). */
  latestEnd: number;
  granularity: Granularity;
  /** Windows scored per series (the new windows, at least the duration filter's window). */
  scored: number;
  labelDelay: number;
}

/**
 * Feature and score statistics are scored up to the newest window; label statistics up to the
 * newest mature one, labelDelay windows earlier, over as many windows.
 */
export function scoringRanges(input: ScoringRangeInput): Record<StatCategory, ScoringRange> {
  const w = granularityMs(input.granularity);
  const range = (lagWindows: number): ScoringRange => {
    const end = input.latestEnd - lagWindows * w;
    return { scoreFrom: end - input.scored * w, latestStart: end - w };
  };
  const current = range(0);
  return { feature: current, score: current, data: current, label: range(input.labelDelay) };
}

/**
 * The history the detector sees: each series cut after its category's newest scored window, so
 * an immature label window is neither scored nor taken as history of a mature one.
 */
export function matureHistory(series: readonly StatSeries[], ranges: Record<StatCategory, ScoringRange>): StatSeries[] {
  return series.map((s) => {
    const last = ranges[s.category].latestStart;
    const n = countUpTo(s.times, last);
    return n === s.times.length ? s : { ...s, times: s.times.slice(0, n), values: s.values.slice(0, n) };
  });
}

/** How many of the ascending times are at or before `limit`. */
function countUpTo(times: readonly number[], limit: number): number {
  let n = times.length;
  while (n > 0 && times[n - 1] > limit) n--;
  return n;
}

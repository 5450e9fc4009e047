/**
 * Detection for one run: the stored history of every statistic -> the detector's band and score
 * for the recent points -> the filters of docs/design.md §6 (severity and duration per series,
 * concurrency and traffic ratio per model) -> the points to store and the anomalies open now.
 * The only effect is the detector call; the rest is plain arithmetic on its arrays.
 */
import { MAX_ANOMALY_MEMBERS, type AnomalyMember, type AnomalyStatus, type Granularity } from '../api/types.js';
import type { SeriesInput } from '../detector/series.js';
import type { SeriesScores } from '../detector/detector.js';
import {
  applyConcurrency, applyTrafficRatio, filterSeries, isOutside, type FilterOptions, type ModelLevelAlert,
} from '../postprocess/index.js';
import { openAnomaly, round, type ScoredPoint, type SeriesKey } from './episodes.js';
import { continueEpisodes } from './lifecycle.js';
import { resolutions, seriesKey } from './noise.js';
import type { ScoringRange } from './labels.js';
import type { DetectionPoint, StatCategory, StatSeries } from './ports.js';

/** The detector as a run uses it (detector/detector.ts `Detector`). */
export interface ScoringDetector {
  score(series: readonly SeriesInput[], options?: { threshold?: number }): SeriesScores[];
}

/** The statistic of a model-level (concurrency) anomaly: the share of features anomalous at once. */
export const MODEL_LEVEL_STATISTIC = 'anomalous_feature_share';
/**
 * The detector's bands are floored by what a statistic can resolve (run/noise.ts), so severity
 * is finite and ranks anomalies across statistics; this bound only guards the status and
 * InfluxDB against a zero-width band from another detector.
 */
export const MAX_SEVERITY = 1e6;

export interface DetectOptions {
  granularity: Granularity;
  /** Score points whose window starts at or after this time (ms). */
  scoreFrom: number;
  /** Start of the newest window: the one whose anomalies are "open". */
  latestStart: number;
  threshold: number;
  filters: FilterOptions;
  maxConcurrentFraction: number;
  minTrafficRatio: number;
  /** This model version's share of its model's traffic in the newest window, when known. */
  trafficShare?: number;
  /** The model's name: the subject of a model-level anomaly. */
  model: string;
  /**
   * Per category, a range scored instead of [scoreFrom, latestStart] (label statistics lag by
   * the label horizon: run/labels.ts). The model-level series always uses latestStart.
   */
  ranges?: Partial<Record<StatCategory, ScoringRange>>;
  /**
   * Whether the series (key) was anomalous at its stored point just before `time`: an open
   * episode continues while the series stays outside its band (run/lifecycle.ts).
   */
  openBefore?: (key: string, time: number) => boolean;
}

export interface DetectResult {
  /** Every scored point with its final flag, and the model-level points. */
  points: DetectionPoint[];
  /** Anomalies open at the newest window. */
  open: AnomalyStatus[];
  scoredSeries: number;
}

interface Candidate {
  category: string;
  subject: string;
  timestamp: number;
  series: number;
  index: number;
}

export function detect(detector: ScoringDetector, history: readonly StatSeries[], options: DetectOptions): DetectResult {
  const usable = history.filter((s) => s.times.length > 0);
  const rangeOf = (category: StatCategory): ScoringRange => options.ranges?.[category] ?? options;
  const resolution = resolutions(usable);
  const inputs: SeriesInput[] = usable.map((s) => {
    const r = resolution.get(seriesKey(s));
    // Points resting on too few rows (run/noise.ts) are left out: missing, neither scored nor history.
    const values = r !== undefined && r.unreliable.includes(1) ? s.values.map((v, i) => (r.unreliable[i] === 1 ? NaN : v)) : s.values;
    return {
      timestamps: s.times, values, granularity: options.granularity, from: rangeOf(s.category).scoreFrom,
      ...(r !== undefined ? { noise: r.noise, ...(r.domain !== undefined ? { domain: r.domain } : {}) } : {}),
    };
  });
  const scores = inputs.length > 0 ? detector.score(inputs, { threshold: options.threshold }) : [];

  // Severity and duration per series, then the episode rule: open until back inside the band.
  const flags: Uint8Array[] = [];
  const severities: Float64Array[] = [];
  const candidates: Candidate[] = [];
  scores.forEach((s, k) => {
    const filtered = filterSeries(s, options.filters);
    const outside = Uint8Array.from(s.observed, (v, i) => (isOutside(v, s.lower[i], s.upper[i]) ? 1 : 0));
    const wasOpen = s.timestamps.length > 0 && (options.openBefore?.(seriesKey(usable[k]), s.timestamps[0]) ?? false);
    const keep = continueEpisodes(filtered.keep, outside, wasOpen);
    flags.push(keep);
    severities.push(filtered.severity);
    for (let i = 0; i < keep.length; i++) {
      if (keep[i] === 1) candidates.push({ category: usable[k].category, subject: usable[k].subject, timestamp: s.timestamps[i], series: k, index: i });
    }
  });

  // Concurrency: many features anomalous in one window become one model-level anomaly; the
  // per-feature points keep their own verdict (stored, masked later), only the alert is merged.
  const featureCount = new Set(usable.filter((s) => s.category === 'feature').map((s) => s.subject)).size;
  const concurrency = applyConcurrency(candidates, featureCount, { maxConcurrentFraction: options.maxConcurrentFraction });
  // Traffic ratio: a version serving too small a share of its model's traffic raises nothing.
  const traffic = applyTrafficRatio(candidates, options.trafficShare, { minTrafficRatio: options.minTrafficRatio });
  const suppressed = traffic.decision === 'suppress';
  const modelLevel = suppressed ? [] : concurrency.modelLevel;
  const mergedAtLatest = modelLevel.some((m) => m.timestamp === options.latestStart);

  const points: DetectionPoint[] = [];
  const open: AnomalyStatus[] = [];
  const maxGap = options.filters.duration.window - options.filters.duration.min;
  scores.forEach((s, k) => {
    const key: SeriesKey = { category: usable[k].category, subject: usable[k].subject, statistic: usable[k].statistic };
    const scored: ScoredPoint[] = [];
    for (let i = 0; i < s.timestamps.length; i++) {
      const point: ScoredPoint = {
        time: s.timestamps[i], observed: s.observed[i], baseline: s.baseline[i], lower: s.lower[i], upper: s.upper[i],
        score: s.score[i], severity: Math.min(severities[k][i], MAX_SEVERITY), anomaly: !suppressed && flags[k][i] === 1,
      };
      scored.push(point);
      points.push({ ...key, ...point });
    }
    if (mergedAtLatest && key.category === 'feature') return;
    const found = openAnomaly(key, scored, rangeOf(usable[k].category).latestStart, maxGap);
    if (found !== undefined) open.push(found);
  });

  const modelPoints = modelLevelPoints(candidates, featureCount, modelLevel, scores, severities, options);
  points.push(...modelPoints.map((p) => ({ category: 'model' as const, subject: options.model, statistic: MODEL_LEVEL_STATISTIC, ...p })));
  const modelOpen = openAnomaly({ category: 'model', subject: options.model, statistic: MODEL_LEVEL_STATISTIC }, modelPoints, options.latestStart, maxGap);
  if (modelOpen !== undefined) {
    const latest = modelLevel.find((m) => m.timestamp === options.latestStart);
    open.push(latest !== undefined ? { ...modelOpen, members: rankedMembers(latest.members, usable, scores, severities) } : modelOpen);
  }

  return { points, open, scoredSeries: scores.filter((s) => s.timestamps.length > 0).length };
}

/** The feature statistics behind a model-level anomaly, most severe first, bounded. */
function rankedMembers(members: readonly Candidate[], usable: readonly StatSeries[], scores: readonly SeriesScores[], severities: readonly Float64Array[]): AnomalyMember[] {
  return members
    .map((m) => ({
      subject: usable[m.series].subject,
      statistic: usable[m.series].statistic,
      severity: round(Math.min(severities[m.series][m.index], MAX_SEVERITY)),
      observed: round(scores[m.series].observed[m.index]),
      expected: round(scores[m.series].baseline[m.index]),
    }))
    .sort((a, b) => b.severity - a.severity || (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0))
    .slice(0, MAX_ANOMALY_MEMBERS);
}

/**
 * The model-level series on every scored window: observed is the share of features whose
 * anomalies survived severity and duration there, the band is [0, maxConcurrentFraction], and a
 * window is flagged where the concurrency filter raised a model-level anomaly (severity and
 * score are then those of its most severe member).
 */
function modelLevelPoints(
  candidates: readonly Candidate[],
  featureCount: number,
  alerts: readonly ModelLevelAlert<Candidate>[],
  scores: readonly SeriesScores[],
  severities: readonly Float64Array[],
  options: DetectOptions,
): Array<ScoredPoint & { members?: string[] }> {
  if (featureCount === 0) return [];
  const windows = new Set<number>();
  for (const s of scores) for (const t of s.timestamps) windows.add(t);
  const anomalousFeatures = new Map<number, Set<string>>();
  for (const c of candidates) {
    if (c.category !== 'feature') continue;
    const set = anomalousFeatures.get(c.timestamp) ?? new Set<string>();
    set.add(c.subject);
    anomalousFeatures.set(c.timestamp, set);
  }
  const byWindow = new Map(alerts.map((a) => [a.timestamp, a]));
  return [...windows].sort((a, b) => a - b).map((time) => {
    const alert = byWindow.get(time);
    let severity = 0;
    let score = 0;
    for (const m of alert?.members ?? []) {
      severity = Math.max(severity, Math.min(severities[m.series][m.index], MAX_SEVERITY));
      score = Math.max(score, scores[m.series].score[m.index]);
    }
    const share = (anomalousFeatures.get(time)?.size ?? 0) / featureCount;
    const point = { time, observed: share, baseline: 0, lower: 0, upper: options.maxConcurrentFraction, score, severity, anomaly: alert !== undefined };
    return alert !== undefined ? { ...point, members: alert.subjects } : point;
  });
}

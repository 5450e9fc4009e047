/**
 * Detection over segment series (docs/segments.md).
 *
 * `detectBySegment` scores each segment's series in a pass of its own, under the population's
 * subject names (`score`, not `score[origin=BOS]`), then names them back: run/noise.ts then
 * reads each window's row count from the segment's own `traffic`, so a segment of 300 rows is
 * judged on the sampling error of 300 rows, not of the whole population. With no segment series
 * it is exactly `detect`.
 *
 * `groupSegmentAnomalies` keeps one anomaly per statistic: confined to one segment (every other
 * scored segment normal) it is that segment's, marked `confined` ("in segment origin=BOS only"),
 * and the population's anomaly on the statistic, if any, is folded into it (the population moved
 * because that segment did); anomalous in several segments it is the population's anomaly with
 * the segments listed, or, when the population is not anomalous, the most severe segment's.
 */
import { segmentOf, segmentSubject } from '../api/segments.js';
import type { AnomalyStatus } from '../api/types.js';
import { detect, type DetectOptions, type DetectResult, type ScoringDetector } from './detect.js';
import type { DetectionPoint, StatSeries } from './ports.js';

export function detectBySegment(detector: ScoringDetector, history: readonly StatSeries[], options: DetectOptions): DetectResult {
  const population: StatSeries[] = [];
  const bySegment = new Map<string, StatSeries[]>();
  for (const s of history) {
    const parsed = segmentOf(s);
    if (parsed === undefined) {
      population.push(s);
      continue;
    }
    const list = bySegment.get(parsed.segment) ?? [];
    list.push({ ...s, subject: parsed.subject });
    bySegment.set(parsed.segment, list);
  }
  const result = detect(detector, population, options);
  if (bySegment.size === 0) return result;
  const points = [...result.points];
  const open = [...result.open];
  let scoredSeries = result.scoredSeries;
  for (const [segment, series] of [...bySegment].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const openBefore = options.openBefore;
    const found = detect(detector, series, {
      ...options,
      ...(openBefore !== undefined ? { openBefore: (key: string, time: number) => openBefore(segmentKey(key, segment), time) } : {}),
    });
    // A segment has no features, so no model-level point; only its own series come back.
    points.push(...found.points.filter((p) => p.category !== 'model').map((p) => ({ ...p, subject: segmentSubject(p.subject, segment) })));
    open.push(...found.open.filter((a) => a.category !== 'model').map((a) => ({ ...a, subject: segmentSubject(a.subject, segment), segment })));
    scoredSeries += found.scoredSeries;
  }
  return { points, open, scoredSeries };
}

/** `category/subject/statistic` with the segment put into the subject (statistics hold no '/'). */
export function segmentKey(key: string, segment: string): string {
  const first = key.indexOf('/');
  const last = key.lastIndexOf('/');
  return `${key.slice(0, first)}/${segmentSubject(key.slice(first + 1, last), segment)}${key.slice(last)}`;
}

/** The (category, base subject, statistic) an anomaly or point is about, segments aside. */
function statisticKey(a: { category: string; subject: string; statistic: string }): { key: string; segment?: string } {
  const parsed = segmentOf(a);
  return { key: `${a.category}/${parsed?.subject ?? a.subject}/${a.statistic}`, segment: parsed?.segment };
}

/** Most segments listed on a grouped anomaly (status.anomalies[].segments, maxItems in the CRD). */
export const MAX_GROUPED_SEGMENTS = 20;

export interface GroupOptions {
  /** The run's scored points: which segments were scored, and normal, at their newest window. */
  points: readonly DetectionPoint[];
  /** The newest scored window of a category (label statistics lag by the label horizon). */
  latestStart: (category: DetectionPoint['category']) => number;
}

/** One anomaly per statistic across segments and the population (see the header). */
export function groupSegmentAnomalies(anomalies: readonly AnomalyStatus[], options: GroupOptions): AnomalyStatus[] {
  const segmentAnomalies = new Map<string, AnomalyStatus[]>();
  const population = new Map<string, AnomalyStatus>();
  for (const a of anomalies) {
    const { key, segment } = statisticKey(a);
    // A carried-over anomaly brings its last grouping along: it is decided afresh here.
    const { confined: _confined, segments: _segments, ...plain } = a;
    if (segment === undefined) population.set(key, a.segments === undefined ? a : plain);
    else segmentAnomalies.set(key, [...(segmentAnomalies.get(key) ?? []), { ...plain, segment }]);
  }
  if (segmentAnomalies.size === 0) return [...anomalies];
  // Segments scored normal at their newest window, per statistic.
  const normal = new Map<string, Set<string>>();
  for (const p of options.points) {
    const { key, segment } = statisticKey(p);
    if (segment === undefined || p.anomaly || p.time !== options.latestStart(p.category)) continue;
    normal.set(key, (normal.get(key) ?? new Set()).add(segment));
  }
  const out: AnomalyStatus[] = [];
  const folded = new Set<string>();
  for (const [key, group] of segmentAnomalies) {
    const ranked = [...group].sort((a, b) => b.severity - a.severity || (a.subject < b.subject ? -1 : 1));
    // The CRD bounds the list (3 columns x 21 segments could exceed it): the most severe first.
    const names = ranked.map((a) => a.segment!).slice(0, MAX_GROUPED_SEGMENTS);
    const pop = population.get(key);
    if (ranked.length === 1 && (normal.get(key)?.size ?? 0) > 0) {
      out.push({ ...ranked[0], confined: true });
      if (pop !== undefined) folded.add(key);
    } else if (pop !== undefined) {
      population.set(key, { ...pop, segments: names });
    } else {
      out.push({ ...ranked[0], segments: names });
    }
  }
  for (const [key, a] of population) if (!folded.has(key)) out.push(a);
  return out;
}

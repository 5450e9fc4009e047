/**
 * From the filtered anomaly flags of one series to its open anomaly, if any. An anomaly is open
 * when the newest window's point is flagged; it started at the first point of its episode, where
 * an episode tolerates the short gaps the duration filter already accepts (with window 3, min 2,
 * "flagged, normal, flagged" is one anomaly, not two).
 */
import type { AnomalyStatus } from '../api/types.js';

export interface ScoredPoint {
  /** Window start, ms since the epoch. */
  time: number;
  observed: number;
  baseline: number;
  lower: number;
  upper: number;
  /** Stage-2 anomaly score in [0, 1]. */
  score: number;
  /** |observed - baseline| / |upper - lower| (docs/design.md §6). */
  severity: number;
  /** Flagged after every filter. */
  anomaly: boolean;
}

export interface SeriesKey {
  category: AnomalyStatus['category'];
  subject: string;
  statistic: string;
}

/**
 * The open anomaly of a series whose scored points are `points` (oldest first), or undefined
 * when the point of the newest window (`latestStart`) is not flagged. `maxGap` is the most
 * consecutive unflagged points an episode may contain (duration.window - duration.min).
 */
export function openAnomaly(key: SeriesKey, points: readonly ScoredPoint[], latestStart: number, maxGap: number): AnomalyStatus | undefined {
  const last = points[points.length - 1];
  if (last === undefined || last.time !== latestStart || !last.anomaly) return undefined;
  let startIndex = points.length - 1;
  let gap = 0;
  for (let i = points.length - 2; i >= 0; i--) {
    if (points[i].anomaly) {
      startIndex = i;
      gap = 0;
    } else if (++gap > maxGap) {
      break;
    }
  }
  return {
    category: key.category,
    subject: key.subject,
    statistic: key.statistic,
    start: new Date(points[startIndex].time).toISOString(),
    severity: round(last.severity),
    score: round(last.score),
    observed: round(last.observed),
    expected: round(last.baseline),
    lower: round(last.lower),
    upper: round(last.upper),
  };
}

/** Six significant digits: enough to compare with the band, short on the status. */
export function round(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(6)) : 0;
}

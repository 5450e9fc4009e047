/**
 * Per-series filters over the detector's raw anomalies (docs/design.md §6): severity at or above
 * minSeverity, and the duration rule; combined with AND by default (a point must pass both) or
 * OR (either suffices). Both are judged on the raw anomalous points only: a point the detector
 * did not flag is never kept.
 */
import { AlertigerError } from '../errors.js';
import { DEFAULT_DURATION, durationFilter, type DurationOptions } from './duration.js';
import { severities, type BandedPoints } from './severity.js';

export type Combine = 'And' | 'Or';

export interface FilterOptions {
  minSeverity: number;
  duration: DurationOptions;
  combine: Combine;
}

export const DEFAULT_FILTERS: FilterOptions = { minSeverity: 1.0, duration: DEFAULT_DURATION, combine: 'And' };

export interface FilteredSeries {
  /** 1 where a raw anomaly survives the filters. */
  keep: Uint8Array;
  severity: Float64Array;
}

export function filterSeries(
  points: BandedPoints & { anomalous: ArrayLike<number> },
  options: Partial<FilterOptions> = {},
): FilteredSeries {
  const o: FilterOptions = { ...DEFAULT_FILTERS, ...options };
  if (!(o.minSeverity >= 0)) throw new AlertigerError('InvalidSeverity', `minSeverity must be >= 0, got ${o.minSeverity}`);
  if (o.combine !== 'And' && o.combine !== 'Or') {
    throw new AlertigerError('InvalidCombine', `combine must be And or Or, got ${String(o.combine)}`);
  }
  const severity = severities(points);
  const lasting = durationFilter(points.anomalous, o.duration);
  const keep = new Uint8Array(severity.length);
  for (let i = 0; i < keep.length; i++) {
    if (!points.anomalous[i]) continue;
    const severe = severity[i] >= o.minSeverity;
    const long = lasting[i] === 1;
    keep[i] = (o.combine === 'And' ? severe && long : severe || long) ? 1 : 0;
  }
  return { keep, severity };
}

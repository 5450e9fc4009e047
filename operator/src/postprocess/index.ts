/**
 * Post-processing of the detector's raw anomalies (design.md §6), all pure:
 * per series severity + duration (filters.ts), per model concurrency (concurrency.ts) and
 * traffic ratio (traffic.ts), and the sensitivity -> threshold mapping (sensitivity.ts).
 */
import type { Detection } from '../api/types.js';
import { DEFAULT_DURATION } from './duration.js';
import { DEFAULT_FILTERS, type FilterOptions } from './filters.js';

export { severity, severities, type BandedPoints } from './severity.js';
export { durationFilter, DEFAULT_DURATION, type DurationOptions } from './duration.js';
export { filterSeries, DEFAULT_FILTERS, type Combine, type FilterOptions, type FilteredSeries } from './filters.js';
export { applyConcurrency, type ConcurrencyOptions, type ModelLevelAlert, type WindowedAnomaly } from './concurrency.js';
export { applyTrafficRatio, trafficDecision, trafficShare, type TrafficAction, type TrafficOptions } from './traffic.js';
export { thresholdFor, SENSITIVITY_THRESHOLDS } from './sensitivity.js';

/** The per-series filter options of a ModelMonitor's spec.detection, defaults filled in. */
export function filterOptionsOf(detection: Detection | undefined): FilterOptions {
  return {
    minSeverity: detection?.minSeverity ?? DEFAULT_FILTERS.minSeverity,
    duration: detection?.duration ?? DEFAULT_DURATION,
    combine: detection?.combine ?? DEFAULT_FILTERS.combine,
  };
}

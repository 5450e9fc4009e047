/**
 * Post-processing of the detector's raw anomalies (docs/design.md §6), all pure:
 * per series severity + duration (filters.ts), per model concurrency (concurrency.ts) and
 * traffic ratio (traffic.ts). The sensitivity -> threshold mapping is part of the spec: api/sensitivity.ts.
 */

export { isOutside, severity, severities, type BandedPoints } from './severity.js';
export { durationFilter, DEFAULT_DURATION, type DurationOptions } from './duration.js';
export { filterSeries, DEFAULT_FILTERS, type Combine, type FilterOptions, type FilteredSeries } from './filters.js';
export { applyConcurrency, type ConcurrencyOptions, type ModelLevelAlert, type WindowedAnomaly } from './concurrency.js';
export { applyTrafficRatio, trafficDecision, trafficShare, type TrafficAction, type TrafficOptions } from './traffic.js';

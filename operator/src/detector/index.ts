/**
 * The detector's public surface for the rest of the operator (the run pipeline, the CLI).
 *
 *   import { loadDetector } from '../detector/index.js';
 *   const detector = await loadDetector();             // models/pretrained, on the best backend
 *   const scores = detector.score([{ timestamps, values, granularity: '1d', from }]);
 *   // per series, per scored point: timestamps, observed, baseline, lower, upper, score,
 *   // anomalous (raw decision; apply postprocess/ filters next)
 *   detector.dispose();
 *
 * See detector.ts for the contract of score(), spec.ts for the windows per granularity,
 * features.ts for the feature engineering, model.ts for the networks, train.ts for training.
 */
export { createDetector, DEFAULT_THRESHOLD, isAnomalous, loadDetector } from './detector.js';
export type { Detector, ScoreOptions, SeriesScores } from './detector.js';
export type { SeriesInput } from './series.js';
export { inferGranularity, regularize } from './series.js';
export { SPECS, DAILY, HOURLY } from './spec.js';
export type { GranularitySpec } from './spec.js';
export { pretrainedModelPath } from './paths.js';
export { initBackend } from './backend.js';
export type { BackendName } from './backend.js';

/** The synthetic inference log: generator, incidents and file writers (see each module). */
export { generateInferenceLog, DEFAULT_START, type InferenceRow, type SyntheticLogOptions } from './generate.js';
export { type Incident, type IncidentKind } from './incidents.js';
export { SYNTHETIC_SCHEMA, NUMERIC_FEATURES, CATEGORICAL_FEATURES, CATEGORIES } from './model.js';
export { writeJsonl, writeCsv, type Row } from './writers.js';

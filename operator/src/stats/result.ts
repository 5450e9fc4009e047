/**
 * Turns a window's summary into its statistics: the object `alertiger stats` prints and a run
 * writes to the store (docs/design.md §5).
 */
import { categoricalStatistics } from './categorical.js';
import { labelStatistics, type Task } from './label.js';
import { numericStatistics } from './numeric.js';
import { categoricalDrift, categoricalReference, numericDrift, numericReference, unseenShare, REFERENCE_VERSION, type Reference } from './reference.js';
import { scoreStatistics } from './score.js';
import type { Statistics } from './names.js';
import type { WindowSummary } from './summary.js';
import type { CorruptLine } from '../sources/types.js';
import { dataStatistics, typeConflicts, type DataQualityReport, type FieldProblems, type MissingColumn } from './quality.js';

export interface WindowResult {
  /** Start of the window (ISO 8601, UTC); absent for a whole file. */
  windowStart?: string;
  /** Valid rows. */
  rows: number;
  /** Lines that could not be used (bad JSON, wrong column count, a wrong type). */
  corrupt: number;
  features: Record<string, Statistics>;
  score: Statistics;
  label: Statistics;
  /** The first few corrupt lines, with their line numbers. */
  corruptLines: CorruptLine[];
  /** Infinite values per numeric feature (and `score`), left out of mean, std and quantiles. */
  infinite: Record<string, number>;
  /** The window's data quality: counts, per-field problems, examples, findings. */
  quality: DataQualityReport;
}

/** The `quality` object of `alertiger stats`: the data statistics, then the details. */
export interface QualityOutput {
  /** The `data` statistics (DATA_STATISTICS) by name. */
  [statistic: string]: unknown;
  fields: Record<string, FieldProblems>;
  examples: CorruptLine[];
  invalidExamples: CorruptLine[];
  missingColumns: MissingColumn[];
  typeConflicts: DataQualityReport['typeConflicts'];
}

export function qualityOutput(q: DataQualityReport): QualityOutput {
  return { ...dataStatistics(q), fields: q.fields, examples: q.examples, invalidExamples: q.invalidExamples, missingColumns: q.missingColumns, typeConflicts: q.typeConflicts };
}

export interface ResultOptions {
  reference?: Reference;
  task?: Task;
  windowStart?: number;
  /** Read-level findings to attach to this window's quality. */
  missingColumns?: MissingColumn[];
  futureRows?: number;
}

export function windowResult(summary: WindowSummary, options: ResultOptions = {}): WindowResult {
  const { rows } = summary;
  const ref = options.reference;
  const features: Record<string, Statistics> = {};
  const infinite: Record<string, number> = {};
  const invalid = summary.quality.invalid;
  const fields: Record<string, FieldProblems> = {};
  const problem = (name: string, bad: number, nonFinite: number): void => {
    if (bad > 0 || nonFinite > 0) fields[name] = { invalid: bad, nonFinite };
  };
  for (const [name, f] of summary.features) {
    const r = ref?.features[name];
    if (f.kind === 'numeric') {
      features[name] = { ...numericStatistics(f, rows, invalid.get(name) ?? 0), drift: r?.kind === 'numeric' ? numericDrift(r, f) : null };
      if (f.infinite > 0) infinite[name] = f.infinite;
      problem(name, invalid.get(name) ?? 0, f.nonFinite);
    } else {
      const stats = categoricalStatistics(f, rows, invalid.get(name) ?? 0);
      problem(name, invalid.get(name) ?? 0, 0);
      features[name] = {
        count: stats.count,
        missing_rate: stats.missing_rate,
        invalid_rate: stats.invalid_rate,
        distinct_count: stats.distinct_count,
        top_share: stats.top_share,
        unseen_share: r?.kind === 'categorical' ? unseenShare(r, f) : null,
        entropy: stats.entropy,
        drift: r?.kind === 'categorical' ? categoricalDrift(r, f) : null,
      };
    }
  }
  for (const name of summary.unknown) {
    features[name] = { count: 0, missing_rate: rows > 0 ? 1 : null };
  }
  const score = { ...scoreStatistics(summary.score, rows, invalidOfKind(summary, 'score')), drift: ref?.score ? numericDrift(ref.score, summary.score.values) : null };
  if (summary.score.values.infinite > 0) infinite.score = summary.score.values.infinite;
  const quality = qualityReport(summary, fields, options);
  const result: WindowResult = {
    rows,
    corrupt: summary.corrupt,
    features,
    score,
    label: labelStatistics(summary.label, rows, options.task),
    corruptLines: [...summary.corruptLines],
    infinite,
    quality,
  };
  return options.windowStart === undefined ? result : { windowStart: new Date(options.windowStart).toISOString(), ...result };
}

/** Invalid cells of the fields of one kind (the score: its field, named by the schema). */
function invalidOfKind(summary: WindowSummary, kind: string): number {
  let n = 0;
  for (const [name, k] of summary.quality.kinds) if (k === kind) n += summary.quality.invalid.get(name) ?? 0;
  return n;
}

/** The window's quality report; `fields` holds the features' problems and gains the score's and label's. */
function qualityReport(summary: WindowSummary, fields: Record<string, FieldProblems>, options: ResultOptions): DataQualityReport {
  const q = summary.quality;
  // The score and label are named by the schema, not found among the features: the accumulator
  // records their kinds under their field names.
  for (const [name, kind] of q.kinds) {
    if (kind !== 'score' && kind !== 'label') continue;
    const invalid = q.invalid.get(name) ?? 0;
    const nonFinite = kind === 'score' ? summary.score.values.nonFinite : q.nonFinite.get(name) ?? 0;
    if (invalid > 0 || nonFinite > 0) fields[name] = { invalid, nonFinite };
  }
  let invalidValues = 0;
  let nonFiniteValues = 0;
  for (const p of Object.values(fields)) {
    invalidValues += p.invalid;
    nonFiniteValues += p.nonFinite;
  }
  return {
    rows: summary.rows,
    corruptLines: summary.corrupt,
    invalidValues,
    nonFiniteValues,
    duplicateRows: q.duplicates,
    futureRows: options.futureRows ?? 0,
    fields,
    examples: [...summary.corruptLines],
    invalidExamples: [...q.examples],
    missingColumns: options.missingColumns ?? [],
    typeConflicts: typeConflicts(q),
  };
}

/** The reference summary of a window, to compute drift of later windows against. */
export function buildReference(summary: WindowSummary, windowStart?: number): Reference {
  const features: Reference['features'] = {};
  for (const [name, f] of summary.features) {
    const r = f.kind === 'numeric' ? numericReference(f) : categoricalReference(f);
    if (r !== undefined) features[name] = r;
  }
  const ref: Reference = { version: REFERENCE_VERSION, features };
  const score = numericReference(summary.score.values);
  if (score !== undefined) ref.score = score;
  if (windowStart !== undefined) ref.windowStart = new Date(windowStart).toISOString();
  return ref;
}

/**
 * Turns a window's summary into its statistics: the object `alertiger stats` prints and a run
 * writes to the store (design.md §5).
 */
import { categoricalStatistics } from './categorical.js';
import { labelStatistics, type Task } from './label.js';
import { numericStatistics } from './numeric.js';
import { categoricalDrift, categoricalReference, numericDrift, numericReference, unseenShare, REFERENCE_VERSION, type Reference } from './reference.js';
import { scoreStatistics } from './score.js';
import type { Statistics } from './names.js';
import type { WindowSummary } from './summary.js';
import type { CorruptLine } from '../sources/types.js';

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
}

export interface ResultOptions {
  reference?: Reference;
  task?: Task;
  windowStart?: number;
}

export function windowResult(summary: WindowSummary, options: ResultOptions = {}): WindowResult {
  const { rows } = summary;
  const ref = options.reference;
  const features: Record<string, Statistics> = {};
  const infinite: Record<string, number> = {};
  for (const [name, f] of summary.features) {
    const r = ref?.features[name];
    if (f.kind === 'numeric') {
      features[name] = { ...numericStatistics(f, rows), drift: r?.kind === 'numeric' ? numericDrift(r, f) : null };
      if (f.infinite > 0) infinite[name] = f.infinite;
    } else {
      const stats = categoricalStatistics(f, rows);
      features[name] = {
        count: stats.count,
        missing_rate: stats.missing_rate,
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
  const score = { ...scoreStatistics(summary.score, rows), drift: ref?.score ? numericDrift(ref.score, summary.score.values) : null };
  if (summary.score.values.infinite > 0) infinite.score = summary.score.values.infinite;
  const result: WindowResult = {
    rows,
    corrupt: summary.corrupt,
    features,
    score,
    label: labelStatistics(summary.label, rows, options.task),
    corruptLines: [...summary.corruptLines],
    infinite,
  };
  return options.windowStart === undefined ? result : { windowStart: new Date(options.windowStart).toISOString(), ...result };
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

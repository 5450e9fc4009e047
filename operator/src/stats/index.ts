/**
 * The library's statistics API (`alertiger-operator/stats`, docs/library.md): build a window
 * summary from rows, merge summaries of shards, serialise them to JSON and back, and turn a
 * summary into its statistics. Everything here is pure and synchronous except summarizeRows,
 * which reads an async iterable of rows.
 */
import { StatsAccumulator, type StatsOptions } from './accumulator.js';
import { WindowSummary, type WindowSummaryState } from './summary.js';
import { windowResult, type ResultOptions, type WindowResult } from './result.js';

export { StatsAccumulator, type StatsOptions, type FieldKind } from './accumulator.js';
export { WindowSummary, type WindowSummaryState } from './summary.js';
export { windowResult, type ResultOptions, type WindowResult } from './result.js';
export { QuantileSketch, type QuantileSketchState } from './kll.js';
export { QUANTILES, NUMERIC_STATISTICS, CATEGORICAL_STATISTICS, SCORE_STATISTICS, LABEL_STATISTICS, type Statistics } from './names.js';

/** Summarises rows (objects of field -> value) given at once. */
export function summarize(rows: Iterable<Record<string, unknown>>, options: StatsOptions = {}): WindowSummary {
  const acc = new StatsAccumulator(options);
  let line = 0;
  for (const row of rows) acc.addFields(checkRow(row, ++line), line);
  return acc.finish();
}

/** Summarises rows from an async source (a stream of parsed lines, a database cursor). */
export async function summarizeRows(rows: AsyncIterable<Record<string, unknown>>, options: StatsOptions = {}): Promise<WindowSummary> {
  const acc = new StatsAccumulator(options);
  let line = 0;
  for await (const row of rows) acc.addFields(checkRow(row, ++line), line);
  return acc.finish();
}

/**
 * The summary of all the shards' rows together: exact for counts, moments, extremes, labels and
 * categories (up to their exact capacity), within the sketch's rank error for quantiles. The
 * inputs are left as they were.
 */
export function mergeSummaries(summaries: readonly WindowSummary[]): WindowSummary {
  if (summaries.length === 0) throw new RangeError('mergeSummaries needs at least one summary');
  const merged = WindowSummary.fromJSON(summaries[0].toJSON(), summaries[0].maxExamples);
  for (let i = 1; i < summaries.length; i++) merged.merge(summaries[i]);
  return merged;
}

/** A summary as JSON text, for shipping a shard's result (docs/library.md states its size). */
export function serializeSummary(summary: WindowSummary): string {
  return JSON.stringify(summary.toJSON());
}

/** The summary written by serializeSummary; text that is not one is refused with the reason. */
export function deserializeSummary(text: string): WindowSummary {
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch (err) {
    throw new RangeError(`summary is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const s = state as Partial<WindowSummaryState> | null;
  if (s === null || typeof s !== 'object' || typeof s.rows !== 'number' || !Array.isArray(s.features) || typeof s.score !== 'object' || typeof s.label !== 'object') {
    throw new RangeError('summary JSON lacks rows, features, score or label: not a serialised window summary');
  }
  return WindowSummary.fromJSON(s as WindowSummaryState);
}

/** The statistics of a summary (what `alertiger stats` prints for a window). */
export function statisticsOf(summary: WindowSummary, options: ResultOptions = {}): WindowResult {
  return windowResult(summary, options);
}

function checkRow(row: Record<string, unknown>, line: number): Record<string, unknown> {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new TypeError(`row ${line} is not an object`);
  return row;
}

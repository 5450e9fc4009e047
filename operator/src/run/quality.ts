/**
 * The data quality of a run, for people: the `DataQuality` status condition and the lines
 * `alertiger run` / `alertiger stats` print. Pure functions of the windows' quality reports
 * (stats/quality.ts); the counts themselves are stored as the `data`/`log` statistics.
 */
import { mergeReports, where, type DataQualityReport } from '../stats/quality.js';
import type { WindowStatistics } from './ports.js';

import { CONDITION_DATA_QUALITY } from '../api/conditions.js';

/** Reasons of the DataQuality condition (CamelCase, a fixed set). */
export type DataQualityReason = 'NoDataProblems' | 'NamedColumnMissing' | 'CorruptLines' | 'InvalidValues' | 'NonFiniteValues' | 'FutureRows' | 'DuplicateRows' | 'NoData';

export interface DataQualityCondition {
  type: typeof CONDITION_DATA_QUALITY;
  status: 'True' | 'False';
  reason: DataQualityReason;
  message: string;
}

/** Longest condition message (the status must stay small). */
const MAX_MESSAGE = 1000;

/** One problem, worst first: its reason and its text. */
interface Problem {
  reason: DataQualityReason;
  text: string;
}

/** The problems of a merged report, worst first. */
function problems(q: DataQualityReport): Problem[] {
  const out: Problem[] = [];
  const n = (count: number, one: string, many = `${one}s`): string => `${count} ${count === 1 ? one : many}`;
  for (const m of q.missingColumns) {
    out.push({ reason: 'NamedColumnMissing', text: `column '${m.field}' named in ${m.setting} is absent` });
  }
  if (q.corruptLines > 0) {
    const first = q.examples[0];
    out.push({ reason: 'CorruptLines', text: `${n(q.corruptLines, 'corrupt line')}${first !== undefined ? ` (first: ${where(first)} ${first.reason})` : ''}` });
  }
  if (q.invalidValues > 0) {
    const worst = q.typeConflicts.slice(0, 3).map((c) => `${c.invalid} in ${c.kind === 'numeric' || c.kind === 'categorical' ? `${c.kind} feature` : c.kind} '${c.field}'${c.example !== undefined ? ` (first: ${c.example})` : ''}`);
    out.push({ reason: 'InvalidValues', text: `${n(q.invalidValues, 'invalid value')}${worst.length > 0 ? `: ${worst.join(', ')}` : ''}` });
  }
  if (q.nonFiniteValues > 0) {
    const fields = Object.entries(q.fields).filter(([, p]) => p.nonFinite > 0).sort((a, b) => b[1].nonFinite - a[1].nonFinite).slice(0, 3).map(([f, p]) => `${p.nonFinite} in '${f}'`);
    out.push({ reason: 'NonFiniteValues', text: `${n(q.nonFiniteValues, 'infinite or out-of-range value')} (${fields.join(', ')}; left out of the statistics)` });
  }
  if (q.futureRows > 0) out.push({ reason: 'FutureRows', text: `${n(q.futureRows, 'row')} dated after the run (ignored)` });
  if (q.duplicateRows > 0) out.push({ reason: 'DuplicateRows', text: `${n(q.duplicateRows, 'duplicate row')}` });
  return out;
}

/**
 * The DataQuality condition of a run from the windows it read: False with the worst problems
 * first (a named column no row holds, corrupt lines, invalid values, non-finite values, rows
 * dated in the future, duplicates), True when there are none. Windows without a quality report
 * are skipped; with none at all the condition is True with reason NoData.
 */
export function dataQualityCondition(windows: readonly WindowStatistics[]): DataQualityCondition {
  const reports = windows.flatMap((w) => (w.quality !== undefined ? [w.quality] : []));
  if (reports.length === 0) return { type: CONDITION_DATA_QUALITY, status: 'True', reason: 'NoData', message: 'no data read' };
  const merged = mergeReports(reports);
  const found = problems(merged);
  if (found.length === 0) {
    return { type: CONDITION_DATA_QUALITY, status: 'True', reason: 'NoDataProblems', message: `no data problems in ${reports.length} window${reports.length === 1 ? '' : 's'}` };
  }
  let message = found.map((p) => p.text).join(', ');
  if (message.length > MAX_MESSAGE) message = `${message.slice(0, MAX_MESSAGE - 1)}…`;
  return { type: CONDITION_DATA_QUALITY, status: 'False', reason: found[0].reason, message };
}

/**
 * Lines for a terminal: a headline (`data quality: ok` or `data quality: N problems`), then one
 * line per problem and the first few examples (file:line: reason).
 */
export function formatDataQuality(reports: readonly DataQualityReport[], maxExamples = 5): string[] {
  if (reports.length === 0) return [];
  const merged = mergeReports(reports, maxExamples);
  const found = problems(merged);
  if (found.length === 0) return [`data quality: no problems in ${merged.rows} rows`];
  const lines = [`data quality: ${found.length} problem${found.length === 1 ? '' : 's'} in ${merged.rows} rows`];
  for (const p of found) lines.push(`  ${p.text}`);
  const examples = [...merged.examples, ...merged.invalidExamples].slice(0, maxExamples);
  if (examples.length > 0) {
    lines.push('  first:');
    for (const e of examples) lines.push(`    ${where(e)}: ${e.reason}`);
  }
  return lines;
}

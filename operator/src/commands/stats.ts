/**
 * `alertiger stats --data FILE`: the health statistics of a log file as one JSON object
 * (docs/design.md §8), `{"rows", "corrupt", "features": {NAME: {STAT: value}}, "score", "label",
 * "corruptLines", "infinite", "quality"}`. With --granularity, one such object per window (JSON
 * lines, each with its windowStart). Corrupt lines are counted and the first few listed, never
 * fatal. `quality` holds the data statistics (corrupt_lines, corrupt_rate, invalid_values,
 * non_finite_values, duplicate_rows, future_rows), the problems per field, the first corrupt
 * lines and invalid cells, the named columns (--score, --label, --categorical, and with
 * --granularity --timestamp) no row holds, and the type conflicts; a summary of the problems
 * goes to stderr. With --granularity, a log in which no row has the timestamp field is an error
 * (TimestampFieldMissing), and rows dated after now are counted (future_rows, on the last window).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { AlertigerError } from '../errors.js';
import { openFileSource, type RowSource } from '../sources/index.js';
import { StatsAccumulator, type StatsOptions } from '../stats/accumulator.js';
import { parseReference, type Reference } from '../stats/reference.js';
import { buildReference, qualityOutput, windowResult, type WindowResult } from '../stats/result.js';
import type { Granularity } from '../api/types.js';
import { WindowedAccumulator } from '../stats/windowing.js';
import { dataStatistics, missingColumns, namedColumns, type NamedColumn } from '../stats/quality.js';
import { formatDataQuality } from '../run/quality.js';
import { fmt } from '../alerting/payload.js';
import { stderrProgress, table } from '../local/print.js';

const USAGE = `Usage: alertiger stats --data FILE [options]

Prints the health statistics of an inference log (JSON lines, CSV or Parquet; a path, a glob
or an http(s) URL) as one JSON object.

Options:
  --data FILE            the log (required)
  --format F             jsonl | csv | parquet (default: from the file name)
  --score FIELD          score field (default: score)
  --label FIELD          label field (default: label)
  --timestamp FIELD      timestamp field, not a feature (default: ts)
  --categorical A,B      fields to treat as categorical
  --exclude P,Q          glob patterns of fields that are not features
  --threshold X          score threshold of positive_rate (default: 0.5)
  --task T               classification | regression (default: inferred from the labels)
  --reference FILE       a reference summary: adds drift and unseen_share
  --save-reference FILE  writes this file's reference summary, for later --reference
  --granularity G        1d | 1h: one JSON object per window, by the timestamp field
  --pretty               a readable table per window (subject, statistic, value) instead of JSON

Exit status: 0, or 2 on bad input (a missing file, bad options, no timestamp field).
`;

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      data: { type: 'string' },
      format: { type: 'string' },
      score: { type: 'string' },
      label: { type: 'string' },
      timestamp: { type: 'string' },
      categorical: { type: 'string' },
      exclude: { type: 'string' },
      threshold: { type: 'string' },
      task: { type: 'string' },
      reference: { type: 'string' },
      'save-reference': { type: 'string' },
      granularity: { type: 'string' },
      pretty: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.data === undefined) throw new AlertigerError('InvalidOptions', `--data is required\n\n${USAGE}`);
  const format = oneOf(values.format, ['jsonl', 'csv', 'parquet'] as const, '--format');
  const task = oneOf(values.task, ['classification', 'regression'] as const, '--task');
  const granularity = oneOf(values.granularity, ['1d', '1h'] as const, '--granularity');
  const options: StatsOptions = {
    score: values.score,
    label: values.label,
    timestamp: values.timestamp ?? 'ts',
    categorical: list(values.categorical),
    exclude: list(values.exclude),
    threshold: values.threshold === undefined ? undefined : number(values.threshold, '--threshold'),
    task,
  };
  const reference = values.reference === undefined ? undefined : await loadReference(values.reference);
  const progress = { onProgress: stderrProgress('stats') };
  const source = await openFileSource({ path: values.data, format }, granularity === undefined ? progress : { ...progress, timestamp: options.timestamp });
  // The columns named on the command line (the defaults score and label are not checked).
  const named = asFlags(namedColumns({ score: values.score, label: values.label, categorical: options.categorical }));
  const print = values.pretty === true ? printTable : printJson;
  if (granularity !== undefined) {
    return runWindowed(source, { ...options, granularity }, { reference, named: [...named, ...asFlags(namedColumns({ timestamp: values.timestamp }))], print });
  }

  const acc = new StatsAccumulator(options);
  for await (const batch of source) acc.addBatch(batch);
  const summary = acc.finish();
  if (values['save-reference'] !== undefined) await writeFile(values['save-reference'], JSON.stringify(buildReference(summary)) + '\n');
  print(windowResult(summary, { reference, task, missingColumns: missingColumns(named, summary.quality.fieldsSeen) }));
  return 0;
}

interface WindowedOutput {
  reference: Reference | undefined;
  named: NamedColumn[];
  print: (result: WindowResult) => void;
}

async function runWindowed(source: RowSource, options: StatsOptions & { granularity: Granularity }, { reference, named, print }: WindowedOutput): Promise<number> {
  const acc = new WindowedAccumulator({ ...options, now: Date.now(), named });
  for await (const batch of source) acc.addBatch(batch);
  const windows = acc.finish();
  windows.forEach(({ windowStart, summary }, i) => {
    const findings = i === windows.length - 1 ? { missingColumns: acc.missingColumns(), futureRows: acc.future } : {};
    print(windowResult(summary, { reference, task: options.task, windowStart, ...findings }));
  });
  if (acc.unassignedCorrupt > 0) process.stderr.write(`alertiger stats: ${acc.unassignedCorrupt} corrupt lines and no valid row\n`);
  if (windows.length === 0 && acc.future > 0) process.stderr.write(`alertiger stats: all ${acc.future} rows are dated after now\n`);
  return 0;
}

/** One result on stdout (its quality as the data statistics and details), problems on stderr. */
function printJson(result: WindowResult): void {
  process.stdout.write(JSON.stringify({ ...result, quality: qualityOutput(result.quality) }) + '\n');
  warnProblems(result);
}

/** One result as a table, one line per statistic of each subject (`--pretty`). */
function printTable(result: WindowResult): void {
  const title = `${result.windowStart !== undefined ? `window ${result.windowStart}: ` : ''}${result.rows} rows, ${result.corrupt} corrupt`;
  const subjects: Array<[string, Record<string, number | null>]> = [
    ...Object.entries(result.features), ['score', result.score], ['label', result.label], ['data', dataStatistics(result.quality)],
  ];
  const rows = subjects.flatMap(([subject, stats]) => Object.entries(stats).map(([name, v]) => [subject, name, v === null ? '-' : fmt(v)]));
  process.stdout.write(`${title}\n${table([['SUBJECT', 'STATISTIC', 'VALUE'], ...rows])}\n\n`);
  warnProblems(result);
}

function warnProblems(result: WindowResult): void {
  warnCorrupt(result.corrupt, result.corruptLines);
  // The corrupt lines are listed above already: no examples again.
  const lines = formatDataQuality([result.quality], 0);
  if (lines.length > 1) process.stderr.write(`alertiger stats${result.windowStart !== undefined ? ` (${result.windowStart})` : ''}: ${lines.join('\n')}\n`);
}

/** Named columns by the flag that names them here (--label, not schema.label). */
function asFlags(named: NamedColumn[]): NamedColumn[] {
  return named.map((n) => ({ ...n, setting: n.setting.replace(/^schema\./, '--') }));
}

function warnCorrupt(count: number, lines: Array<{ line: number; reason: string; file?: string }>): void {
  if (count === 0) return;
  const first = lines.map((c) => `  ${c.file !== undefined ? `${c.file}:` : 'line '}${c.line}: ${c.reason}`).join('\n');
  process.stderr.write(`alertiger stats: ${count} corrupt line${count === 1 ? '' : 's'} skipped; the first:\n${first}\n`);
}

async function loadReference(path: string): Promise<Reference> {
  try {
    return parseReference(JSON.parse(await readFile(path, 'utf8')));
  } catch (err) {
    throw new AlertigerError('InvalidOptions', `--reference ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flag: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new AlertigerError('InvalidOptions', `${flag} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

function number(value: string, flag: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new AlertigerError('InvalidOptions', `${flag} must be a number, got "${value}"`);
  return n;
}

function list(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

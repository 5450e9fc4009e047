/**
 * Parquet against JSON lines: peak memory and throughput of the statistics over the same log
 * (issue 14, item 3; target: Parquet peak RSS <= 1.3x JSONL's).
 *
 * Writes one synthetic log (N rows, 500,000 by default: 50 numeric features, some with missing
 * values, 5 categorical, score, a label on 10% of rows, ts) as JSONL and as three Parquet files:
 * row groups of 50,000 rows; one row group of all N rows (the worst case of the issue); and one
 * row group without offset indexes, as pyarrow writes by default. The categorical columns are
 * dictionary-encoded in every file (the writer's choice for repeated strings; printed). Each file
 * is read by the full statistics in its own child process, which reports its peak RSS (VmHWM),
 * rows/s and a digest of the statistics (the same log must give the same statistics in every
 * format); every file is read `repeats` times (3 by default), the files taking turns so that a
 * change in the machine's load falls on all of them, and the medians are printed.
 *
 * Standalone: `node dist/bench/parquet-memory.js [--rows N] [--repeats R] [--dir DIR]` (DIR keeps
 * the files for the next run); `benchParquetMemory()` for a caller.
 */
import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parquetMetadataAsync } from 'hyparquet';
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import { xorshift32 } from '../operator/src/random.js';
import { openFileSource, type FileFormat } from '../operator/src/sources/index.js';
import { fileAsyncBuffer } from '../operator/src/sources/parquet.js';
import { StatsAccumulator } from '../operator/src/stats/accumulator.js';
import { windowResult } from '../operator/src/stats/result.js';

const NUMERIC = 50;
const CATEGORICAL: Record<string, string[]> = {
  country: ['us', 'de', 'fr', 'in', 'br', 'jp', 'gb', 'ca', 'mx', 'es', 'it', 'kr', 'au', 'nl', 'se', 'pl', 'tr', 'id', 'ar', 'za'],
  device: ['ios', 'android', 'web'],
  item: Array.from({ length: 1000 }, (_, i) => `item_${i}`),
  plan: ['free', 'basic', 'pro', 'enterprise'],
  campaign: Array.from({ length: 50 }, (_, i) => `campaign-${i}`),
};
const GROUP_ROWS = 50_000;

/** Statistics runs over one file, each in its own process: medians, and each run's figures. */
export interface FormatRun {
  label: string;
  file: string;
  megabytes: number;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMb: number;
  /** sha256 of the window statistics' JSON: equal digests, equal statistics. */
  digest: string;
  /** Peak RSS of each run, MB. */
  peakRssRuns: number[];
  /** Rows/s of each run. */
  rowsPerSecondRuns: number[];
}

export interface ParquetMemoryResult {
  rows: number;
  jsonl: FormatRun;
  parquet: FormatRun[];
  /** Worst Parquet peak RSS over JSONL's (medians). */
  ratio: number;
  /** Slowest Parquet time over JSONL's (medians of rows/s). */
  timeRatio: number;
  /** Every Parquet file gave the statistics the JSONL file gave. */
  sameStatistics: boolean;
}

export interface ParquetMemoryOptions {
  rows?: number;
  /** Runs of each file (medians are reported); 3 by default. */
  repeats?: number;
  /**
   * Where the files go, kept after and reused by the next run with as many rows; a fresh temp
   * directory (removed after) by default.
   */
  dir?: string;
  /** Progress and result lines; stdout by default. */
  write?: (line: string) => void;
}

export async function benchParquetMemory(options: ParquetMemoryOptions = {}): Promise<ParquetMemoryResult> {
  const rows = options.rows ?? 500_000;
  if (!Number.isInteger(rows) || rows <= 0) throw new Error(`rows must be a positive integer, got ${rows}`);
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'alertiger-parquet-memory-'));
  try {
    const files = logFiles(rows, dir);
    if (!existsSync(files.done)) {
      write(`writing ${rows} rows x ${NUMERIC} numeric + ${Object.keys(CATEGORICAL).length} categorical features in ${dir} (not timed)...`);
      writeLog(rows, files);
    }
    const repeats = options.repeats ?? 3;
    if (!Number.isInteger(repeats) || repeats <= 0) throw new Error(`repeats must be a positive integer, got ${repeats}`);
    write(`categorical columns' encodings: ${await categoricalEncodings(files.parquet[0][1])}; ${repeats} runs of each file, medians`);
    const inputs: [string, string, FileFormat][] = [['JSONL', files.jsonl, 'jsonl'], ...files.parquet.map(([label, file]): [string, string, FileFormat] => [label, file, 'parquet'])];
    const runs: ChildRun[][] = inputs.map(() => []);
    for (let r = 0; r < repeats; r++) {
      for (const [i, [, file, format]] of inputs.entries()) runs[i].push(await measure(file, format));
    }
    const [jsonl, ...parquet] = inputs.map(([label, file], i) => medianRun(label, file, runs[i]));
    for (const run of [jsonl, ...parquet]) {
      write(`${run.label.padEnd(36)} ${String(run.megabytes.toFixed(0)).padStart(4)} MB ${String(run.rows).padStart(8)} rows ` +
        `${String(Math.round(run.rowsPerSecond)).padStart(7)} rows/s (time ${(jsonl.rowsPerSecond / run.rowsPerSecond).toFixed(2)}x JSONL)  ` +
        `peak RSS ${run.peakRssMb.toFixed(0).padStart(4)} MB (${(run.peakRssMb / jsonl.peakRssMb).toFixed(2)}x JSONL; runs ${run.peakRssRuns.map((m) => m.toFixed(0)).join(', ')})` +
        `${run.digest === jsonl.digest ? '' : '  STATISTICS DIFFER'}`);
    }
    const ratio = Math.max(...parquet.map((p) => p.peakRssMb)) / jsonl.peakRssMb;
    const timeRatio = jsonl.rowsPerSecond / Math.min(...parquet.map((p) => p.rowsPerSecond));
    const sameStatistics = [jsonl, ...parquet].every((p) => runs.flat().every((c) => c.digest === p.digest));
    write(`Parquet/JSONL peak RSS ${ratio.toFixed(2)} (target <= 1.3), time ${timeRatio.toFixed(2)}; same statistics: ${sameStatistics ? 'yes' : 'no'}`);
    return { rows, jsonl, parquet, ratio, timeRatio, sameStatistics };
  } finally {
    if (options.dir === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

interface LogFiles {
  jsonl: string;
  parquet: [label: string, file: string, rowGroupSize: number, offsetIndex: boolean][];
  /** Written last: the files are complete. */
  done: string;
}

function logFiles(rows: number, dir: string): LogFiles {
  return {
    jsonl: join(dir, `log-${rows}.jsonl`),
    parquet: [
      [`Parquet, row groups of ${GROUP_ROWS}`, join(dir, `groups-${rows}.parquet`), GROUP_ROWS, true],
      [`Parquet, one group of ${rows}`, join(dir, `one-group-${rows}.parquet`), rows, true],
      ['Parquet, one group, no offset index', join(dir, `one-group-no-index-${rows}.parquet`), rows, false],
    ],
    done: join(dir, `done-${rows}`),
  };
}

/** The log as JSONL and as Parquet; the columns of all rows are held here, not in the children. */
function writeLog(rows: number, files: LogFiles): void {
  const names = ['ts', ...Array.from({ length: NUMERIC }, (_, f) => `f${f}`), ...Object.keys(CATEGORICAL), 'score', 'label'];
  const columns: unknown[][] = names.map(() => new Array<unknown>(rows));
  const rng = xorshift32(14);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const start = Date.UTC(2026, 0, 5);
  const fd = openSync(files.jsonl, 'w');
  let lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    const row: Record<string, unknown> = { ts: start + Math.floor((r / rows) * 86_400_000) };
    for (let f = 0; f < NUMERIC; f++) {
      // Every tenth feature misses 20% of its values (written as null).
      row[`f${f}`] = f % 10 === 9 && rng.next() < 0.2 ? null : Math.round((f % 3 === 0 ? 50 + 10 * gauss() : Math.exp(1 + gauss())) * 1e4) / 1e4;
    }
    for (const [name, values] of Object.entries(CATEGORICAL)) row[name] = values[Math.floor(values.length * rng.next() ** 2)];
    const score = 1 / (1 + Math.exp(-(gauss() * 1.5 - 1)));
    row.score = Math.round(score * 1e6) / 1e6;
    row.label = rng.next() < 0.1 ? (rng.next() < score ? 1 : 0) : null;
    for (let j = 0; j < names.length; j++) columns[j][r] = row[names[j]];
    lines.push(JSON.stringify(row));
    if (lines.length === 10_000) {
      writeSync(fd, lines.join('\n') + '\n');
      lines = [];
    }
  }
  if (lines.length > 0) writeSync(fd, lines.join('\n') + '\n');
  closeSync(fd);

  const columnData = (offsetIndex: boolean): ColumnSource[] => names.map((name, j) => ({
    name,
    data: columns[j],
    type: name in CATEGORICAL ? 'STRING' : 'DOUBLE',
    nullable: name !== 'ts' && !(name in CATEGORICAL),
    offsetIndex,
  }));
  for (const [, file, rowGroupSize, offsetIndex] of files.parquet) {
    writeFileSync(file, Buffer.from(parquetWriteBuffer({ columnData: columnData(offsetIndex), rowGroupSize })));
  }
  writeFileSync(files.done, '');
}

/** What one child reports. */
type ChildRun = Pick<FormatRun, 'rows' | 'seconds' | 'rowsPerSecond' | 'peakRssMb' | 'digest'>;

function measure(file: string, format: FileFormat): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--child', file, '--format', format], { stdio: 'inherit' });
    let result: ChildRun | undefined;
    child.on('message', (m) => { result = m as ChildRun; });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (result === undefined) reject(new Error(`statistics over ${file} exited with ${code}`));
      else resolve(result);
    });
  });
}

function medianRun(label: string, file: string, runs: ChildRun[]): FormatRun {
  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  return {
    label,
    file,
    megabytes: statSync(file).size / 1e6,
    rows: runs[0].rows,
    seconds: median(runs.map((r) => r.seconds)),
    rowsPerSecond: median(runs.map((r) => r.rowsPerSecond)),
    peakRssMb: median(runs.map((r) => r.peakRssMb)),
    digest: runs[0].digest,
    peakRssRuns: runs.map((r) => r.peakRssMb),
    rowsPerSecondRuns: runs.map((r) => r.rowsPerSecond),
  };
}

/** How the writer encoded the categorical columns' data pages (dictionary or plain). */
async function categoricalEncodings(file: string): Promise<string> {
  const buffer = await fileAsyncBuffer(file);
  try {
    const metadata = await parquetMetadataAsync(buffer);
    const chunks = metadata.row_groups[0].columns.filter((c) => c.meta_data !== undefined && c.meta_data.path_in_schema[0] in CATEGORICAL);
    return [...new Set(chunks.flatMap((c) => c.meta_data?.encodings ?? []))].join(', ');
  } finally {
    await buffer.close();
  }
}

/** In the child: the full statistics, as `alertiger stats` computes them. */
async function statistics(file: string, format: FileFormat): Promise<ChildRun> {
  const t0 = process.hrtime.bigint();
  const acc = new StatsAccumulator({ categorical: Object.keys(CATEGORICAL) });
  for await (const batch of await openFileSource({ path: file, format })) acc.addBatch(batch);
  const result = windowResult(acc.finish());
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return {
    rows: result.rows,
    seconds,
    rowsPerSecond: result.rows / seconds,
    peakRssMb: peakRssMb(),
    digest: createHash('sha256').update(JSON.stringify(result)).digest('hex'),
  };
}

/** VmHWM: the peak resident set of this process, in MB. */
function peakRssMb(): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match !== null ? Number(match[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { rows: { type: 'string' }, repeats: { type: 'string' }, dir: { type: 'string' }, child: { type: 'string' }, format: { type: 'string' } } });
  if (values.child !== undefined) {
    process.send?.(await statistics(values.child, (values.format ?? 'parquet') as FileFormat));
  } else {
    const number = (v: string | undefined): number | undefined => (v !== undefined ? Number(v) : undefined);
    const result = await benchParquetMemory({ rows: number(values.rows), repeats: number(values.repeats), dir: values.dir });
    process.stdout.write(JSON.stringify({
      parquet_jsonl_peak_rss_ratio: Number(result.ratio.toFixed(3)),
      parquet_jsonl_time_ratio: Number(result.timeRatio.toFixed(3)),
      same_statistics: result.sameStatistics,
    }) + '\n');
  }
}

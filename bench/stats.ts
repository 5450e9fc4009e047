/**
 * `npm run bench:stats`: throughput and memory of the statistics engine (issue 3).
 *
 * Generates a JSONL log of N rows x 100 numeric + 5 categorical features + score + sparse label
 * (N = 1,000,000 by default; BENCH_ROWS or --rows to change it), then measures, each in a fresh
 * child process so peak RSS belongs to one phase:
 *   (a) parse: read the file and JSON.parse every line, nothing else;
 *   (b) stats: the full statistics, as `alertiger stats` computes them;
 * at N and 2N rows, and the full statistics from CSV and Parquet copies of the N-row data.
 * Prints rows/s, the ratio (b)/(a), peak RSS, and last a JSON line
 * {"rows_per_s", "parse_ratio", "peak_rss_mb"} (stats at N rows; peak over all stats runs).
 * Targets: parse_ratio >= 0.5; peak RSS <= 300 MB and flat as rows grow.
 *
 * Then (issue 14; --no-wide, --no-rank-error to skip):
 *   wide schemas: 10, 100, 500 and 2,000 numeric columns x --wide-rows rows (10,000 by default),
 *   each in a fresh child: JSON lines generated in memory batch by batch (not timed), JSON.parse
 *   timed apart, and the statistics' CPU per value (parse excluded) and peak RSS printed, with
 *   the median of --wide-repeats runs (3) and the ratio to 100 columns (target: flat);
 *   rank error: our sketch against a reference KLL (k = 1024) at 500k and 2M values over random,
 *   sorted and reverse input and --rank-seeds seeds (5): medians, worst and ratios;
 *   Parquet memory (--no-parquet to skip): the same 500k-row log as JSONL and as Parquet (row
 *   groups of 50k, one group of 500k, one group without offset index), each read in its own
 *   child: peak RSS, rows/s and the Parquet/JSONL ratio (bench/parquet-memory.ts; target <= 1.3);
 *   sharded reads (--no-shards to skip): one --shard-rows log (500,000) read as one window by 1, 2
 *   and 4 shard processes: rows/s and whether the merged result equals 1 shard's (bench/stats-shards.ts).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openFileSource, type FileFormat } from '../operator/src/sources/index.js';
import { splitLines } from '../operator/src/sources/lines.js';
import { StatsAccumulator } from '../operator/src/stats/accumulator.js';
import { windowResult } from '../operator/src/stats/result.js';
import { writeBenchData } from './stats-data.js';
import { compareRankError, formatRankError } from './stats-rank-error.js';
import { benchParquetMemory } from './parquet-memory.js';
import { benchShards } from './stats-shards.js';
import { xorshift32 as createRng } from '../operator/src/random.js';

interface PhaseResult {
  phase: string;
  rows: number;
  /** Wall-clock seconds. */
  seconds: number;
  /** CPU seconds (user + system) of the child: steadier than wall time on a shared machine. */
  cpuSeconds: number;
  peakRssMb: number;
}

const { values } = parseArgs({
  options: {
    rows: { type: 'string' },
    phase: { type: 'string' },
    file: { type: 'string' },
    format: { type: 'string' },
    'no-formats': { type: 'boolean' },
    'no-double': { type: 'boolean' },
    columns: { type: 'string' },
    'wide-rows': { type: 'string' },
    'wide-repeats': { type: 'string' },
    'rank-seeds': { type: 'string' },
    'no-wide': { type: 'boolean' },
    'no-rank-error': { type: 'boolean' },
    'no-files': { type: 'boolean' },
    'no-parquet': { type: 'boolean' },
    'no-shards': { type: 'boolean' },
    'shard-rows': { type: 'string' },
  },
});

/** Column counts of the wide-schema figure. */
const WIDE_COLUMNS = [10, 100, 500, 2000];

interface WideResult {
  columns: number;
  rows: number;
  /** CPU nanoseconds per value: the statistics (parse excluded), and JSON.parse alone. */
  statsNs: number;
  parseNs: number;
  peakRssMb: number;
  /** Typed-array memory held at the end: the sketches and column buffers, nearly all of it. */
  summaryMb: number;
}

if (values.phase === 'wide') {
  process.send?.(runWide(Number(values.columns), Number(values['wide-rows'])));
} else if (values.phase !== undefined) {
  const result = await runPhase(values.phase, values.file!, (values.format ?? 'jsonl') as FileFormat);
  process.send?.(result);
} else {
  await main();
}

async function runPhase(phase: string, file: string, format: FileFormat): Promise<PhaseResult> {
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let rows = 0;
  if (phase === 'parse') {
    for await (const batch of splitLines(streamOf(file))) {
      for (const line of batch.lines) {
        if (line.length === 0) continue;
        JSON.parse(line);
        rows++;
      }
    }
  } else {
    const acc = new StatsAccumulator({ categorical: ['country', 'device', 'item', 'plan', 'campaign'] });
    for await (const batch of await openFileSource({ path: file, format })) acc.addBatch(batch);
    const result = windowResult(acc.finish());
    rows = result.rows;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { phase, rows, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

/**
 * Statistics of `columns` numeric features (+ ts, score) over `rows` rows generated as JSON lines
 * 512 at a time; a short warm-up first so that the JIT does not count against few columns.
 */
function runWide(columns: number, rows: number): WideResult {
  const rng = createRng(7);
  const names = Array.from({ length: columns }, (_, f) => `f${f}`);
  // Joined, not concatenated: a line of 2,000 appended pieces is a rope that costs more memory
  // than the statistics being measured.
  const parts = new Array<string>(columns + 2);
  const lines = (base: number, n: number): string[] => Array.from({ length: n }, (_, r) => {
    parts[0] = `{"ts":${base + r}`;
    for (let f = 0; f < columns; f++) parts[f + 1] = `"${names[f]}":${Math.round(rng.next() * 1e7) / 1e3}`;
    parts[columns + 1] = `"score":${rng.next()}}`;
    return parts.join(',');
  });
  const cpu = (): number => { const u = process.cpuUsage(); return u.user + u.system; };
  const warm = new StatsAccumulator();
  for (const fields of lines(0, 1024).map((l) => JSON.parse(l) as Record<string, unknown>)) warm.addFields(fields, 0);
  warm.finish();
  const acc = new StatsAccumulator();
  let parseUs = 0;
  let statsUs = 0;
  for (let base = 0; base < rows; base += 512) {
    const batch = lines(base, Math.min(512, rows - base));
    let t = cpu();
    const parsed = batch.map((l) => JSON.parse(l) as Record<string, unknown>);
    parseUs += cpu() - t;
    t = cpu();
    for (let r = 0; r < parsed.length; r++) acc.addFields(parsed[r], base + r + 1);
    statsUs += cpu() - t;
  }
  const t = cpu();
  const result = windowResult(acc.finish());
  statsUs += cpu() - t;
  if (Object.keys(result.features).length !== columns) throw new Error(`expected ${columns} features, got ${Object.keys(result.features).length}`);
  const values = columns * rows;
  const summaryMb = process.memoryUsage().arrayBuffers / 1e6;
  return { columns, rows, statsNs: (statsUs * 1000) / values, parseNs: (parseUs * 1000) / values, peakRssMb: process.resourceUsage().maxRSS / 1024, summaryMb };
}

function wideChild(columns: number, rows: number): Promise<WideResult> {
  return new Promise((resolve, reject) => {
    const proc = fork(fileURLToPath(import.meta.url), ['--phase', 'wide', '--columns', String(columns), '--wide-rows', String(rows)], { stdio: 'inherit' });
    let result: WideResult | undefined;
    proc.on('message', (m) => { result = m as WideResult; });
    proc.on('error', reject);
    proc.on('exit', (code) => (result !== undefined ? resolve(result) : reject(new Error(`wide phase (${columns} columns) exited with ${code}`))));
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The wide-schema table: medians over repeats, and each count's cost relative to 100 columns. */
async function wideFigure(rows: number, repeats: number): Promise<void> {
  process.stdout.write(`\nwide schemas: ${rows} rows (1M values at least) of N numeric columns, CPU per value (median of ${repeats}), parse excluded\n`);
  const medians: Array<{ columns: number; stats: number; parse: number; rss: number; summary: number }> = [];
  for (const columns of WIDE_COLUMNS) {
    const runs: WideResult[] = [];
    // Few columns get more rows, so that per-row costs and the JIT's warm-up are amortised alike.
    for (let i = 0; i < repeats; i++) runs.push(await wideChild(columns, Math.max(rows, Math.ceil(1_000_000 / columns))));
    medians.push({ columns, stats: median(runs.map((r) => r.statsNs)), parse: median(runs.map((r) => r.parseNs)), rss: median(runs.map((r) => r.peakRssMb)), summary: median(runs.map((r) => r.summaryMb)) });
  }
  const base = medians.find((m) => m.columns === 100)!.stats;
  for (const m of medians) {
    process.stdout.write(`  ${String(m.columns).padStart(5)} columns  statistics ${m.stats.toFixed(0).padStart(5)} ns/value (x${(m.stats / base).toFixed(2)} of 100 columns)  ` +
      `JSON.parse ${m.parse.toFixed(0).padStart(5)} ns/value  peak RSS ${m.rss.toFixed(0).padStart(5)} MB (summary buffers ${m.summary.toFixed(0)} MB)\n`);
  }
}

function streamOf(file: string): AsyncIterable<Uint8Array> {
  return (async function* () {
    const { createReadStream } = await import('node:fs');
    yield* createReadStream(file, { highWaterMark: 1 << 20 });
  })();
}

function child(phase: string, file: string, format: FileFormat = 'jsonl'): Promise<PhaseResult> {
  return new Promise((resolve, reject) => {
    const proc = fork(fileURLToPath(import.meta.url), ['--phase', phase, '--file', file, '--format', format], { stdio: 'inherit' });
    let result: PhaseResult | undefined;
    proc.on('message', (m) => { result = m as PhaseResult; });
    proc.on('error', reject);
    proc.on('exit', (code) => (result !== undefined ? resolve(result) : reject(new Error(`phase ${phase} exited with ${code}`))));
  });
}

function line(label: string, r: PhaseResult, extra = ''): void {
  const rate = Math.round(r.rows / r.seconds);
  const cpuRate = Math.round(r.rows / r.cpuSeconds);
  process.stdout.write(`${label.padEnd(30)} ${String(r.rows).padStart(8)} rows ${r.seconds.toFixed(1).padStart(6)} s ${String(rate).padStart(7)} rows/s ` +
    `(CPU ${r.cpuSeconds.toFixed(1).padStart(5)} s, ${String(cpuRate).padStart(7)} rows/s)  peak RSS ${r.peakRssMb.toFixed(0).padStart(4)} MB${extra}\n`);
}

/** (b)/(a) by wall time and by CPU time. */
function ratios(stats: PhaseResult, parse: PhaseResult): { wall: number; cpu: number } {
  return { wall: stats.rows / stats.seconds / (parse.rows / parse.seconds), cpu: stats.rows / stats.cpuSeconds / (parse.rows / parse.cpuSeconds) };
}

async function main(): Promise<void> {
  const n = Number(values.rows ?? process.env.BENCH_ROWS ?? 1_000_000);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`rows must be a positive integer, got ${values.rows ?? process.env.BENCH_ROWS}`);
  const wideRows = positive('wide-rows', 10_000);
  const repeats = positive('wide-repeats', 3);
  const seeds = positive('rank-seeds', 5);
  if (values['no-files'] !== true) await fileFigures(n);
  if (values['no-wide'] !== true) await wideFigure(wideRows, repeats);
  if (values['no-rank-error'] !== true) {
    process.stdout.write(`\nrank error of p1..p99: our sketch against a reference KLL (k = 1024, bench/stats-rank-error.ts) on the same values\n`);
    for (const size of [500_000, 2_000_000]) process.stdout.write(formatRankError(compareRankError(size, seeds)));
  }
  if (values['no-parquet'] !== true) {
    process.stdout.write('\nParquet memory: the same log as JSONL and as Parquet, each read in its own process\n');
    await benchParquetMemory({});
  }
  if (values['no-shards'] !== true) {
    process.stdout.write('\nsharded reads (alertiger run --shards N): the same log read by 1, 2 and 4 processes, summaries merged\n');
    await benchShards({ rows: positive('shard-rows', 500_000) });
  }
}

function positive(option: 'wide-rows' | 'wide-repeats' | 'rank-seeds' | 'shard-rows', fallback: number): number {
  const v = Number(values[option] ?? fallback);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${option} must be a positive integer, got ${values[option]}`);
  return v;
}

/** The JSONL / CSV / Parquet figures of issue 3 (files of N and 2N rows). */
async function fileFigures(n: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'alertiger-bench-'));
  try {
    const small = { jsonl: join(dir, 'n.jsonl'), csv: join(dir, 'n.csv'), parquet: join(dir, 'n.parquet') };
    const big = { jsonl: join(dir, '2n.jsonl') };
    const double = values['no-double'] !== true;
    process.stdout.write(`generating ${n}${double ? ` and ${2 * n}` : ''} rows in ${dir} (not timed)...\n`);
    writeBenchData(n, values['no-formats'] === true ? { jsonl: small.jsonl } : small);
    if (double) writeBenchData(2 * n, big);
    const mb = (p: string): string => (statSync(p).size / 1e6).toFixed(0);
    process.stdout.write(`JSONL ${mb(small.jsonl)} MB${double ? ` and ${mb(big.jsonl)} MB` : ''}; ratio = (b) rows/s / (a) rows/s\n\n`);

    const parse1 = await child('parse', small.jsonl);
    line('(a) JSONL read + JSON.parse', parse1);
    const stats1 = await child('stats', small.jsonl);
    const ratio1 = ratios(stats1, parse1);
    line('(b) JSONL full statistics', stats1, `  ratio ${ratio1.wall.toFixed(2)} (CPU ${ratio1.cpu.toFixed(2)})`);
    const peaks = [stats1.peakRssMb];
    const summary = [`${ratio1.wall.toFixed(2)} (CPU ${ratio1.cpu.toFixed(2)}) at ${n}`];
    if (double) {
      const parse2 = await child('parse', big.jsonl);
      line('(a) JSONL 2x read + JSON.parse', parse2);
      const stats2 = await child('stats', big.jsonl);
      const ratio2 = ratios(stats2, parse2);
      line('(b) JSONL 2x full statistics', stats2, `  ratio ${ratio2.wall.toFixed(2)} (CPU ${ratio2.cpu.toFixed(2)})`);
      peaks.push(stats2.peakRssMb);
      summary.push(`${ratio2.wall.toFixed(2)} (CPU ${ratio2.cpu.toFixed(2)}) at ${2 * n}`);
    }
    if (values['no-formats'] !== true) {
      const csv = await child('stats', small.csv, 'csv');
      line('CSV full statistics', csv, `  (${mb(small.csv)} MB)`);
      const parquet = await child('stats', small.parquet, 'parquet');
      line('Parquet full statistics', parquet, `  (${mb(small.parquet)} MB)`);
    }
    process.stdout.write(`\ntargets: parse_ratio >= 0.5 (got ${summary.join(', ')}); ` +
      `peak RSS <= 300 MB and flat (got ${peaks.map((p) => p.toFixed(0)).join(' -> ')} MB)\n`);
    process.stdout.write(JSON.stringify({
      rows_per_s: Math.round(stats1.rows / stats1.seconds),
      parse_ratio: Number(ratio1.wall.toFixed(3)),
      peak_rss_mb: Number(Math.max(...peaks).toFixed(1)),
    }) + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

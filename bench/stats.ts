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
  },
});

if (values.phase !== undefined) {
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

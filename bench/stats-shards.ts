/**
 * The sharded-read figure of `npm run bench:stats` (issue 14, docs/sharding.md): one JSONL log
 * (the benchmark's rows, one day) read as one window by 1, 2 and 4 shards, each shard a child
 * process of `alertiger run --shard-worker` as `alertiger run --shards N` starts them, the
 * summaries merged in this process. Prints rows/s per shard count and whether the merged
 * statistics equal the 1-shard ones: every exact statistic equal (up to summation order), the
 * quantiles within the sketch's error (the largest difference as a share of the feature's range).
 * Wall time includes starting the children (~0.3 s each) and merging. On a machine with fewer
 * free cores than shards the wall rate cannot grow, so the rate by the slowest shard's CPU time
 * (what a free core per shard, as on a cluster, would give) and the CPU of all shards together
 * are printed beside it.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { withDefaults } from '../operator/src/api/defaults.js';
import type { WindowStatistics } from '../operator/src/run/ports.js';
import type { ReferenceStore } from '../operator/src/run/statistics.js';
import { compareStatistics } from '../operator/src/shard/compare.js';
import { localShardedStatistics } from '../operator/src/shard/local.js';
import type { Reference } from '../operator/src/stats/reference.js';
import { writeBenchData } from './stats-data.js';

export interface ShardFigure {
  shards: number;
  rowsPerS: number;
  seconds: number;
  /** Rows per CPU-second of the slowest shard: the rate with a free core per shard. */
  criticalRowsPerS: number;
  /** CPU seconds of all shards together (the cost of spreading: start, parse, merge). */
  cpuSeconds: number;
  /** Statistics compared with the 1-shard read, and those that differ beyond the tolerances. */
  exact: number;
  sketched: number;
  differences: number;
  maxQuantileError: number;
  /** Quantiles of discrete features one value apart (a tie within the rank error). */
  nextValues: number;
}

const DAY = 86_400_000;

function memoryReferences(): ReferenceStore {
  let ref: Reference | undefined;
  return { loadReference: async () => ref, saveReference: async (r) => { ref = r; } };
}

export async function benchShards(options: { rows: number; counts?: readonly number[] }): Promise<ShardFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'alertiger-bench-shards-'));
  try {
    const path = join(dir, 'log.jsonl');
    writeBenchData(options.rows, { jsonl: path });
    process.stdout.write(`one ${(statSync(path).size / 1e6).toFixed(0)} MB JSONL file, ${options.rows} rows in one daily window, split by byte range; ` +
      `${cpus().length} CPU cores on this machine (shards beyond the cores share them)\n`);
    const spec = withDefaults({
      model: { name: 'bench' },
      source: { file: { path, format: 'jsonl' } },
      schema: { timestamp: 'ts', score: 'score', label: 'label', categorical: ['country', 'device', 'item', 'plan', 'campaign'] },
    });
    const start = Date.UTC(2026, 0, 5);
    const windows = [{ start: new Date(start), end: new Date(start + DAY) }];
    const now = new Date(start + 2 * DAY);
    let baseline: WindowStatistics[] | undefined;
    const figures: ShardFigure[] = [];
    for (const shards of options.counts ?? [1, 2, 4]) {
      let rows = 0;
      let cpuMs: number[] = [];
      const port = localShardedStatistics({ spec, shards, references: memoryReferences(), now: () => now, onRead: (r) => ({ rows, cpuMs } = r) });
      const t0 = process.hrtime.bigint();
      const result = await port.windows(windows);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      baseline ??= result;
      const c = compareStatistics(baseline, result);
      const criticalRowsPerS = Math.round(rows / (Math.max(...cpuMs) / 1000));
      const cpuSeconds = cpuMs.reduce((a, b) => a + b, 0) / 1000;
      const figure = { shards, rowsPerS: Math.round(rows / seconds), seconds, criticalRowsPerS, cpuSeconds, exact: c.exact, sketched: c.sketched, differences: c.differences.length, maxQuantileError: c.maxSketchedError, nextValues: c.nextValues };
      figures.push(figure);
      process.stdout.write(`shards ${String(shards).padStart(2)}: ${figure.rowsPerS.toLocaleString('en-US').padStart(9)} rows/s wall (${seconds.toFixed(1)} s), ` +
        `${criticalRowsPerS.toLocaleString('en-US')} rows/s by the slowest shard's CPU time (a free core each), ${cpuSeconds.toFixed(1)} CPU-s in all; ` +
        (shards === 1 ? `baseline: ${c.exact} exact + ${c.sketched} quantile statistics\n`
          : `merged = 1 shard: ${c.differences.length === 0 ? 'yes' : `NO, ${c.differences.length} differ (${JSON.stringify(c.differences.slice(0, 3))})`}; ` +
            `${c.exact} exact statistics equal; quantiles within ${(c.maxSketchedError * 100).toFixed(2)}% of the feature's range, ` +
            `${c.nextValues} of ${c.sketched} on a discrete feature's next value\n`));
    }
    process.stdout.write(JSON.stringify({ shards: figures.map((f) => ({ n: f.shards, rows_per_s: f.rowsPerS, critical_rows_per_s: f.criticalRowsPerS, cpu_s: Number(f.cpuSeconds.toFixed(1)), equal: f.differences === 0, max_quantile_error: Number(f.maxQuantileError.toFixed(5)), next_values: f.nextValues })) }) + '\n');
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `npm run bench:segments`: what K segments cost (docs/segments.md). The same real log (the
 * vega-datasets flights of test/fixtures/flights, 1,500 rows a day, origin as the segment column)
 * monitored with K = 0 (no segments), 5 and 20: a first run (the backfill of 38 windows) and then
 * DAILY_RUNS daily runs, each through the real statistics, detector and embedded store. Printed
 * per K: the process CPU time of the first run and of the daily runs, the series stored and the
 * series scored, each also as a ratio to K = 0; and what the features' statistics per segment
 * would add (the population's feature series times K + 1), which is why segments stop at the
 * score and label statistics. A warm-up run comes first. Last line: JSON of the figures.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/segments.js
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelMonitor } from '../operator/src/api/types.js';
import { loadDetector } from '../operator/src/detector/detector.js';
import { runLocally } from '../operator/src/local/local.js';
import { createLogger } from '../operator/src/log.js';
import { openFileSource } from '../operator/src/sources/index.js';
import { buildFlightsLog, DAY_MS } from '../test/fixtures/flights/build.js';

const FIRST_RUN_DAY = 60;
const DAILY_RUNS = Number(process.env.BENCH_DAILY_RUNS ?? 10);
const KS = [0, 5, 20];

interface Figures {
  k: number;
  firstRunCpuMs: number;
  dailyRunCpuMs: number;
  storedSeries: number;
  scoredSeries: number;
  featureSeries: number;
}

function monitor(path: string, k: number): ModelMonitor {
  return {
    apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', metadata: { name: `flights-k${k}`, namespace: 'bench' },
    spec: {
      model: { name: 'flight-delay' },
      source: { file: { path } },
      schema: { score: 'score', label: 'delayed', categorical: ['origin', 'destination'], task: 'classification', ...(k > 0 ? { segments: [{ column: 'origin', topK: k }] } : {}) },
    },
  };
}

/** CPU time (user + system, ms) of this process while fn runs. */
async function cpuOf(fn: () => Promise<void>): Promise<number> {
  const before = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

async function main(): Promise<void> {
  const logger = createLogger({ level: 'error' });
  const detector = await loadDetector(process.env.ALERTIGER_TEST_DETECTOR, { logger });
  const dir = await mkdtemp(join(tmpdir(), 'alertiger-bench-segments-'));
  const figures: Figures[] = [];
  try {
    const log = await buildFlightsLog({ path: join(dir, 'flights.jsonl'), days: FIRST_RUN_DAY + DAILY_RUNS });
    const open = () => openFileSource({ path: log.path, format: 'jsonl' }, { timestamp: 'ts' });
    const at = (day: number): Date => new Date(log.start.getTime() + day * DAY_MS + 2 * 3_600_000);
    process.stdout.write(`flights log: ${log.rows} rows over ${log.days} days; origins: ${log.origins.length}\n`);
    // Warm-up (JIT, detector kernels), not measured: otherwise K = 0, measured first, pays for it.
    const warm = await runLocally(monitor(log.path, 5), { storeDir: join(dir, 'warm-up'), detector, now: at(FIRST_RUN_DAY), logger, open });
    await runLocally(warm.monitor, { storeDir: join(dir, 'warm-up'), detector, now: at(FIRST_RUN_DAY + 1), logger, open });
    for (const k of KS) {
      const m = monitor(log.path, k);
      const storeDir = join(dir, `store-k${k}`);
      let last: Awaited<ReturnType<typeof runLocally>> | undefined;
      const firstRunCpuMs = await cpuOf(async () => {
        last = await runLocally(m, { storeDir, detector, now: at(FIRST_RUN_DAY), logger, open });
      });
      const dailyRunCpuMs = await cpuOf(async () => {
        for (let day = FIRST_RUN_DAY + 1; day <= FIRST_RUN_DAY + DAILY_RUNS; day++) last = await runLocally(last!.monitor, { storeDir, detector, now: at(day), logger, open });
      }) / DAILY_RUNS;
      const history = await last!.store.readHistory(new Date(0), at(FIRST_RUN_DAY + DAILY_RUNS + 1));
      figures.push({
        k,
        firstRunCpuMs: Math.round(firstRunCpuMs),
        dailyRunCpuMs: Math.round(dailyRunCpuMs),
        storedSeries: history.length,
        scoredSeries: last!.result.status.scoredSeries ?? 0,
        featureSeries: history.filter((s) => s.category === 'feature').length,
      });
    }
  } finally {
    detector.dispose();
    await rm(dir, { recursive: true, force: true });
  }
  const base = figures[0];
  const ratio = (a: number, b: number): string => (b > 0 ? (a / b).toFixed(2) : '-');
  process.stdout.write('K   first run CPU ms (x K=0)   daily run CPU ms (x K=0)   stored series (x K=0)   scored series   features per segment would add\n');
  for (const f of figures) {
    process.stdout.write(`${String(f.k).padEnd(3)} ${`${f.firstRunCpuMs} (${ratio(f.firstRunCpuMs, base.firstRunCpuMs)})`.padEnd(26)} ` +
      `${`${f.dailyRunCpuMs} (${ratio(f.dailyRunCpuMs, base.dailyRunCpuMs)})`.padEnd(26)} ${`${f.storedSeries} (${ratio(f.storedSeries, base.storedSeries)})`.padEnd(23)} ` +
      `${String(f.scoredSeries).padEnd(15)} ${f.k > 0 ? `${base.featureSeries * (f.k + 1)} series` : '-'}\n`);
  }
  process.stdout.write(JSON.stringify({ dailyRuns: DAILY_RUNS, figures }) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});

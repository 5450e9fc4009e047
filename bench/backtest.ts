/**
 * `npm run bench:backtest`: is the backtest a monitor writes on its first run a fair forecast of
 * its alerts? (issue 13). Two logs, each with monitors created on three different days:
 *
 *   reallog  the FAA wildlife-strike reports of vega-datasets as a daily inference log
 *            (test/fixtures/reallog/build.ts), clean: what a real log's own drift raises;
 *   demo     the demo's synthetic purchase-propensity model (operator/src/synthetic) with a
 *            short incident every 2-3 weeks all through its 200 days.
 *
 * For each: the first run's predicted alerts per week (at the monitor's sensitivity) against the
 * alerts the following 8 weeks of daily runs raise, and whether the two are within a factor of 2
 * (bench/backtest-scenario.ts withinFactor: counts over the 8 weeks, each plus one). Last line:
 * JSON of the figures.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/backtest.js
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDetector } from '../operator/src/detector/detector.js';
import { createLogger } from '../operator/src/log.js';
import type { ModelMonitor } from '../operator/src/api/types.js';
import { generateInferenceLog, writeJsonl, type Incident } from '../operator/src/synthetic/index.js';
import { buildRealLog, DAY_MS } from '../test/fixtures/reallog/build.js';
import { demoMonitor as demoMonitorOf } from '../operator/src/local/demo.js';
import { checkBacktest, withinFactor, type BacktestCheck } from './backtest-scenario.js';

const DAYS = 200;
const CREATED_DAYS = [84, 112, 140];
const START = Date.parse('2026-01-05T00:00:00Z');

/** A short incident every 17-23 days, cycling through the kinds a user meets. */
export function recurringIncidents(days: number): Incident[] {
  const kinds: Array<(d: number) => Incident> = [
    (d) => ({ kind: 'missing', feature: 'purchase_amount', rate: 0.4, fromDay: d, toDay: d + 2 }),
    (d) => ({ kind: 'shift', feature: 'age', by: 9, fromDay: d, toDay: d + 3 }),
    (d) => ({ kind: 'newCategory', feature: 'country', category: 'ZZ', share: 0.3, fromDay: d, toDay: d + 2 }),
    (d) => ({ kind: 'scoreShift', by: 1, fromDay: d, toDay: d + 2 }),
  ];
  const out: Incident[] = [];
  for (let d = 35, i = 0; d < days - 3; d += 17 + ((i * 3) % 7), i++) out.push(kinds[i % kinds.length]!(d));
  return out;
}

/** The demo's monitor (local/demo.ts) with the detection settings left at their defaults. */
export function demoMonitor(logPath: string): ModelMonitor {
  const monitor = demoMonitorOf(logPath);
  return { ...monitor, metadata: { ...monitor.metadata, namespace: 'backtest' }, spec: { ...monitor.spec, detection: { sensitivity: 'medium' } } };
}

async function main(): Promise<void> {
  const logger = createLogger({ level: 'error' });
  const detector = await loadDetector(process.env.ALERTIGER_TEST_DETECTOR, { logger });
  const dir = await mkdtemp(join(tmpdir(), 'alertiger-bench-backtest-'));
  const checks: BacktestCheck[] = [];
  try {
    const real = await buildRealLog({ dir: join(dir, 'reallog'), days: DAYS, start: new Date(START).toISOString() });
    const demoLog = join(dir, 'demo.jsonl');
    const rows = generateInferenceLog({ seed: 11, days: DAYS, rowsPerDay: 800, start: new Date(START), incidents: recurringIncidents(DAYS), asOf: new Date(START + (DAYS + 30) * DAY_MS) });
    await writeJsonl(demoLog, [...rows] as unknown as Array<Record<string, unknown>>);
    for (const [name, monitor, logPath] of [['reallog', real.monitor, real.logPath], ['demo', demoMonitor(demoLog), demoLog]] as const) {
      for (const day of CREATED_DAYS) {
        // A little after midnight, as the CronJob runs.
        const created = new Date(START + day * DAY_MS + 15 * 60_000);
        const check = await checkBacktest({ name: `${name}@day${day}`, monitor, logPath, created, detector, logger });
        checks.push(check);
        const b = check.backtest;
        process.stdout.write(`${check.name.padEnd(16)} predicted ${String(check.predictedPerWeek).padStart(5)}/week over ${b.scoredWeeks} scored weeks ` +
          `(by sensitivity ${JSON.stringify(b.bySensitivity)}, suggested ${b.suggestedSensitivity ?? '-'}); ` +
          `observed ${check.observedAlerts} in ${check.followWeeks} weeks = ${check.observedPerWeek.toFixed(2)}/week; ` +
          `within x2: ${withinFactor(check) ? 'yes' : 'NO'}; first run ${(check.firstRunMs / 1000).toFixed(1)} s\n`);
      }
    }
  } finally {
    detector.dispose();
    await rm(dir, { recursive: true, force: true });
  }
  const within = checks.filter((c) => withinFactor(c)).length;
  process.stdout.write(`${within} of ${checks.length} forecasts within a factor of 2\n`);
  process.stdout.write(JSON.stringify(checks.map((c) => ({
    name: c.name, predicted_per_week: c.predictedPerWeek, observed_per_week: Number(c.observedPerWeek.toFixed(3)),
    within_2x: withinFactor(c), first_run_s: Number((c.firstRunMs / 1000).toFixed(1)),
  }))) + '\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench:backtest failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
}

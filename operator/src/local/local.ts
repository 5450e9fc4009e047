/**
 * A run with no cluster: the monitor's status lives in the embedded store instead of on the
 * resource, there is no Alertmanager, and the report is written to a file. `alertiger run` and
 * `alertiger demo` are thin shells around this.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { withDefaults } from '../api/defaults.js';
import type { ModelMonitor } from '../api/types.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { renderReport } from '../report/index.js';
import type { RowSource } from '../sources/types.js';
import { embeddedStore, type MonitorStore } from '../store/embedded.js';
import type { ScoringDetector } from '../run/detect.js';
import { buildReportData } from '../report/data.js';
import { runMonitor, type RunResult } from '../run/run.js';
import { sourceStatistics } from '../run/statistics.js';
import type { RunDeps, StatisticsPort } from '../run/ports.js';

export interface LocalRunOptions {
  storeDir: string;
  /** The store to use instead of opening `storeDir` (a replay keeps one across its runs). */
  store?: MonitorStore;
  detector: ScoringDetector;
  /** The run's "now"; the clock advances from it with the wall clock. */
  now: Date;
  logger: Logger;
  /** Opens the source for [from, to) ms; or give `statistics` directly. */
  open?: (from: number, to: number) => Promise<RowSource>;
  statistics?: (store: MonitorStore) => StatisticsPort;
  /** Where to write the report page; none when absent. */
  reportPath?: string;
  /** A first run's backtest over the run's own statistics port (local/backtest.ts); none when absent. */
  backtest?: (statistics: StatisticsPort) => NonNullable<RunDeps['backtest']>;
}

export interface LocalRunResult {
  monitor: ModelMonitor;
  result: RunResult;
  store: MonitorStore;
  /** The first run's time (the monitor's "age" locally). */
  created: string;
}

export async function runLocally(monitor: ModelMonitor, options: LocalRunOptions): Promise<LocalRunResult> {
  const store = options.store ?? embeddedStore(options.storeDir, monitor);
  const status = await store.loadStatus();
  const current: ModelMonitor = { ...monitor, status };
  const wallStart = Date.now();
  const clock = (): Date => new Date(options.now.getTime() + (Date.now() - wallStart));
  const statistics = options.statistics?.(store) ?? sourceStatistics({
    spec: withDefaults(monitor.spec),
    open: options.open ?? (() => { throw new Error('runLocally needs open or statistics'); }),
    references: store,
    // Rows later than the run's own time are future rows (counted, not used), not the wall clock's.
    now: clock,
  });
  const result = await runMonitor(current, {
    statistics,
    store,
    feedback: store,
    detector: options.detector,
    status: { write: async (_m, s) => store.saveStatus({ ...status, ...s }) },
    clock,
    logger: options.logger,
    ...(options.backtest !== undefined ? { backtest: options.backtest(statistics) } : {}),
  });
  await store.appendRun({
    time: result.status.lastRunTime,
    health: result.status.health,
    anomalyCount: result.status.anomalyCount,
    durationMs: result.durationMs,
    ...(result.error !== undefined ? { error: describeError(result.error) } : {}),
  });
  const runs = await store.readRuns();
  const updated: ModelMonitor = { ...monitor, status: { ...status, ...result.status } };
  if (options.reportPath !== undefined) {
    const data = await buildReportData(updated, updated.status!, store, {
      now: clock(), runs: [...runs].reverse(), threshold: withDefaults(monitor.spec).detection.threshold,
    });
    await mkdir(dirname(options.reportPath), { recursive: true });
    await writeFile(options.reportPath, renderReport(data));
  }
  return { monitor: updated, result, store, created: runs[0]?.time ?? result.status.lastRunTime };
}

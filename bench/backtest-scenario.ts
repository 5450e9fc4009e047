/**
 * Does a monitor's first-run backtest predict what follows? (issue 13): the monitor is created at
 * `created` on a log that goes on for `followWeeks` more weeks; its first run (with the backtest,
 * as `alertiger run` and the job do it) predicts alerts per week from the history before; then
 * one run a day (a replay into the same store, as the CronJob would) counts the alerts the
 * following weeks really raise. Used by bench/backtest.ts and the integration test.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withDefaults } from '../operator/src/api/defaults.js';
import type { BacktestStatus, ModelMonitor } from '../operator/src/api/types.js';
import { backtestMonitor } from '../operator/src/local/backtest.js';
import { runLocally } from '../operator/src/local/local.js';
import { replay } from '../operator/src/local/replay.js';
import type { Logger } from '../operator/src/log.js';
import type { ScoringDetector } from '../operator/src/run/detect.js';
import { sourceStatistics } from '../operator/src/run/statistics.js';
import { openFileSource } from '../operator/src/sources/index.js';
import { embeddedStore } from '../operator/src/store/embedded.js';

const WEEK_MS = 7 * 86_400_000;

export interface BacktestCheck {
  name: string;
  backtest: BacktestStatus;
  predictedPerWeek: number;
  /** Alerts (episodes started after creation) the following runs raised, and per week. */
  observedAlerts: number;
  observedPerWeek: number;
  followWeeks: number;
  /** Runs after creation. */
  runs: number;
  /** Wall time of the first run (statistics, backtest, scoring), ms. */
  firstRunMs: number;
}

export interface CheckOptions {
  name: string;
  monitor: ModelMonitor;
  logPath: string;
  /** The first run's time; the backtest sees only the log before it. */
  created: Date;
  followWeeks?: number;
  detector: ScoringDetector;
  logger: Logger;
}

export async function checkBacktest(options: CheckOptions): Promise<BacktestCheck> {
  const { monitor, detector, logger } = options;
  const followWeeks = options.followWeeks ?? 8;
  const spec = withDefaults(monitor.spec);
  const storeDir = await mkdtemp(join(tmpdir(), 'alertiger-backtest-check-'));
  const open = (): ReturnType<typeof openFileSource> => openFileSource({ path: options.logPath, format: 'jsonl' }, { timestamp: spec.schema.timestamp });
  try {
    const t0 = Date.now();
    const first = await runLocally(monitor, {
      storeDir, detector, logger, now: options.created, open,
      backtest: (statistics) => (latestEnd, computed) => backtestMonitor({ monitor, statistics, computed, detector, logger, to: latestEnd, now: options.created }),
    });
    const firstRunMs = Date.now() - t0;
    const backtest = first.result.status.backtest;
    if (backtest === undefined) throw new Error(`${options.name}: the first run wrote no backtest (${JSON.stringify(first.result.status.conditions)})`);
    const openAtCreation = new Set((first.result.status.anomalies ?? []).map((a) => `${a.category}/${a.subject}/${a.statistic}@${a.start}`));

    const store = embeddedStore(storeDir, monitor, { memory: true });
    const followed = await replay({
      monitor, store, detector, logger,
      to: new Date(options.created.getTime() + followWeeks * WEEK_MS),
      statistics: (now) => sourceStatistics({ spec, references: store, now: () => now, open }),
    });
    // An alert is an episode the following runs opened; one already open at creation was paged then.
    const observed = followed.episodes.filter((e) => !openAtCreation.has(`${e.category}/${e.subject}/${e.statistic}@${e.start}`));
    return {
      name: options.name,
      backtest,
      predictedPerWeek: backtest.alertsPerWeek ?? NaN,
      observedAlerts: observed.length,
      observedPerWeek: observed.length / followWeeks,
      followWeeks,
      runs: followed.runs.length,
      firstRunMs,
    };
  } finally {
    await rm(storeDir, { recursive: true, force: true });
  }
}

/**
 * "Within a factor of 2", for counts that may be zero: the predicted and observed alerts over
 * the following weeks, each plus one (a count of 0 against 1 is agreement, not an infinite
 * ratio), differ by at most a factor of 2.
 */
export function withinFactor(check: Pick<BacktestCheck, 'predictedPerWeek' | 'observedAlerts' | 'followWeeks'>, factor = 2): boolean {
  const predicted = check.predictedPerWeek * check.followWeeks + 1;
  const observed = check.observedAlerts + 1;
  return Math.max(predicted / observed, observed / predicted) <= factor;
}

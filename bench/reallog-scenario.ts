/**
 * The real-log scenario (issue 10), shared by bench/reallog.ts and
 * test/integration/reallog/reallog.test.ts: the birdstrike log of test/fixtures/reallog is
 * replayed one run per day, in process through runLocally with one detector, each run reading
 * the whole JSONL log file as `alertiger run --data log.jsonl` would. The clean log is replayed
 * from the first day with enough history to its end; each faulty log starts from a copy of the
 * clean store taken just before the first run that sees the fault (the logs are identical
 * before it), so the history is built once.
 */
import { cp, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AnomalyStatus, ModelMonitor } from '../operator/src/api/types.js';
import type { Logger } from '../operator/src/log.js';
import type { ScoringDetector } from '../operator/src/run/detect.js';
import { runLocally } from '../operator/src/local/local.js';
import { openFileSource, type RowSource } from '../operator/src/sources/index.js';
import { buildRealLog, DAY_MS, FAULTS, type FaultKind, type RealLog } from '../test/fixtures/reallog/build.js';

export interface RunRecord {
  /** The run's day: it runs at 02:00 of log day `day` and examines day `day - 1`. */
  day: number;
  health: string;
  anomalyCount: number;
  anomalies: AnomalyStatus[];
  durationMs: number;
  error?: string;
}

export interface ScenarioOptions {
  dir: string;
  detector: ScoringDetector;
  logger: Logger;
  days?: number;
  /** First faulty log day. */
  faultDay?: number;
  /** The first run's day: enough history for the detector (28 + 3 + 7 windows). */
  firstRunDay?: number;
  faults?: FaultKind[];
  seed?: number;
  rowsPerDay?: number;
  /** The clean-log figures are taken over this many last runs. */
  cleanRuns?: number;
  /**
   * Daily runs from this day on (default: from firstRunDay). Before it, the clean history is
   * built by catch-up runs of at most 60 windows each (as a CronJob that missed days would):
   * the same statistics in the store, fewer runs. The tests use it to save time.
   */
  dailyFrom?: number;
  /**
   * How a run reads the log: 'file' (default) the whole log.jsonl, as `alertiger run --data
   * log.jsonl` does; 'days' only the day files (days/NNN.jsonl) overlapping the run's windows,
   * as a job reading a day-partitioned log would. Same rows, less parsing.
   */
  reader?: 'file' | 'days';
  onRun?: (variant: string, record: RunRecord) => void;
}

export interface FaultFigures {
  kind: FaultKind;
  subject: string;
  description: string;
  runsAfterStart: number;
  /** 1 = the first run that examines a faulty day; null = never detected. */
  detectionRun: number | null;
  /** Share of the runs after the detection run on which the subject is still open. */
  stillOpenShare: number | null;
  /** Runs (1-based, after the start) on which the subject is not open. */
  closedRuns: number[];
  /** Subject-level open anomalies on each run after the start (statistics). */
  statisticsByRun: string[][];
  firstDetection?: RunRecord;
  lastRun: RunRecord;
  records: RunRecord[];
}

export interface CleanFigures {
  runs: number;
  window: { firstDay: number; lastDay: number };
  anomalousRuns: number;
  anomalousRunDays: number[];
  /** Every open anomaly on the anomalous runs of the window: subject/statistic with values. */
  causes: Array<{ day: number; category: string; subject: string; statistic: string; observed: number; lower: number; upper: number; expected: number; severity: number; score: number }>;
  anomalousRunsWholeReplay: number;
  totalRunsWholeReplay: number;
  records: RunRecord[];
}

export interface ScenarioResult {
  log: RealLog;
  clean: CleanFigures;
  faults: FaultFigures[];
  wallMs: number;
  runs: number;
  meanRunMs: number;
}

function subjectOpen(record: RunRecord, subject: string): boolean {
  return record.anomalies.some((a) => a.subject === subject);
}

/** The run days: catch-up runs (at most 60 windows apart) up to dailyFrom, then one a day. */
export function runDays(fromDay: number, toDay: number, dailyFrom: number): number[] {
  const days: number[] = [];
  let day = fromDay;
  while (day < Math.min(dailyFrom, toDay)) {
    days.push(day);
    day = Math.min(day + 60, dailyFrom);
  }
  for (; day <= toDay; day++) days.push(day);
  return days;
}

async function* daySource(log: RealLog, from: number, to: number): RowSource {
  const first = Math.max(0, Math.floor((from - log.start.getTime()) / DAY_MS));
  const last = Math.min(log.days - 1, Math.ceil((to - log.start.getTime()) / DAY_MS) - 1);
  for (let day = first; day <= last; day++) {
    yield* await openFileSource({ path: log.dayPath(day), format: 'jsonl' }, { timestamp: 'ts' });
  }
}

async function replay(monitor: ModelMonitor, log: RealLog, storeDir: string, days: readonly number[], options: ScenarioOptions, variant: string): Promise<RunRecord[]> {
  const records: RunRecord[] = [];
  const open = options.reader === 'days'
    ? async (from: number, to: number): Promise<RowSource> => daySource(log, from, to)
    : () => openFileSource({ path: log.logPath, format: 'jsonl' }, { timestamp: 'ts' });
  for (const day of days) {
    const now = new Date(log.start.getTime() + day * DAY_MS + 2 * 3_600_000);
    const { monitor: updated, result } = await runLocally(monitor, { storeDir, detector: options.detector, now, logger: options.logger, open });
    const status = updated.status!;
    const record: RunRecord = {
      day,
      health: status.health ?? 'Unknown',
      anomalyCount: status.anomalyCount ?? 0,
      anomalies: status.anomalies ?? [],
      durationMs: result.durationMs,
      ...(result.error !== undefined ? { error: String((result.error as Error).message ?? result.error) } : {}),
    };
    records.push(record);
    options.onRun?.(variant, record);
  }
  return records;
}

export async function runScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const wallStart = Date.now();
  const days = options.days ?? 200;
  const faultDay = options.faultDay ?? 150;
  const firstRunDay = options.firstRunDay ?? 40;
  const cleanRuns = options.cleanRuns ?? 60;
  const kinds = options.faults ?? (['unit', 'nulls', 'remap'] as FaultKind[]);
  const dailyFrom = options.dailyFrom ?? firstRunDay;
  const common = { days, seed: options.seed, rowsPerDay: options.rowsPerDay, dayFiles: options.reader === 'days' };
  await rm(options.dir, { recursive: true, force: true });
  await mkdir(options.dir, { recursive: true });

  const clean = await buildRealLog({ ...common, dir: join(options.dir, 'clean') });
  const cleanStore = join(options.dir, 'clean', 'store');
  // The clean replay up to the last run before the fault, a copy of its store per fault, then the rest.
  const before = await replay(clean.monitor, clean, cleanStore, runDays(firstRunDay, faultDay, dailyFrom), options, 'clean');
  for (const kind of kinds) await cp(cleanStore, join(options.dir, kind, 'store'), { recursive: true });
  const after = await replay(clean.monitor, clean, cleanStore, runDays(faultDay + 1, days, dailyFrom), options, 'clean');
  const cleanRecords = [...before, ...after];

  const faults: FaultFigures[] = [];
  for (const kind of kinds) {
    const log = await buildRealLog({ ...common, dir: join(options.dir, kind), fault: { kind, fromDay: faultDay } });
    const records = await replay(log.monitor, log, join(options.dir, kind, 'store'), runDays(faultDay + 1, days, faultDay + 1), options, kind);
    const { subject, description } = FAULTS[kind];
    const index = records.findIndex((r) => subjectOpen(r, subject));
    const later = index < 0 ? [] : records.slice(index + 1);
    faults.push({
      kind,
      subject,
      description,
      runsAfterStart: records.length,
      detectionRun: index < 0 ? null : index + 1,
      stillOpenShare: index < 0 ? null : later.length === 0 ? 1 : later.filter((r) => subjectOpen(r, subject)).length / later.length,
      closedRuns: records.map((r, i) => (subjectOpen(r, subject) ? -1 : i + 1)).filter((i) => i > 0),
      statisticsByRun: records.map((r) => r.anomalies.filter((a) => a.subject === subject).map((a) => a.statistic)),
      ...(index >= 0 ? { firstDetection: records[index] } : {}),
      lastRun: records[records.length - 1],
      records,
    });
  }

  const window = cleanRecords.slice(-cleanRuns);
  const anomalous = window.filter((r) => r.health === 'Anomalous');
  const runs = cleanRecords.length + faults.reduce((n, f) => n + f.records.length, 0);
  const allRecords = [...cleanRecords, ...faults.flatMap((f) => f.records)];
  return {
    log: clean,
    clean: {
      runs: window.length,
      window: { firstDay: window[0].day - 1, lastDay: window[window.length - 1].day - 1 },
      anomalousRuns: anomalous.length,
      anomalousRunDays: anomalous.map((r) => r.day - 1),
      causes: anomalous.flatMap((r) => r.anomalies.map((a) => ({
        day: r.day - 1, category: a.category, subject: a.subject, statistic: a.statistic,
        observed: a.observed, lower: a.lower, upper: a.upper, expected: a.expected, severity: a.severity, score: a.score,
      }))),
      anomalousRunsWholeReplay: cleanRecords.filter((r) => r.health === 'Anomalous').length,
      totalRunsWholeReplay: cleanRecords.length,
      records: cleanRecords,
    },
    faults,
    wallMs: Date.now() - wallStart,
    runs,
    meanRunMs: allRecords.reduce((s, r) => s + r.durationMs, 0) / allRecords.length,
  };
}

/**
 * Backfill and replay (`alertiger run --replay`): every window of a history log evaluated in one
 * pass. The statistics of all the windows the replay's runs will ask for are computed with ONE
 * read of the source; then the monitor runs once per window, in time order, each run at that
 * window's scheduled time (the monitor's cron schedule), through the same runMonitor and store
 * as daily runs, so masked history, open episodes and accepted changes (run/lifecycle.ts)
 * behave exactly as if the CronJob had run every day. The store keeps the result, so a later
 * `alertiger run` (or replay) continues from the last window replayed.
 *
 * The runs' open anomalies, followed from run to run, give the past episodes: when each began
 * and ended, for how many runs it was open, and its worst point.
 */
import { withDefaults, type DefaultedSpec } from '../api/defaults.js';
import { cronMatches, parseCron } from '../api/cron.js';
import { granularityMs } from '../api/granularity.js';
import type { AnomalyStatus, ModelMonitor, ModelMonitorStatus } from '../api/types.js';
import { anomalyKey, fmt } from '../alerting/payload.js';
import { SPECS } from '../detector/spec.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { MonitorStore } from '../store/embedded.js';
import type { ScoringDetector } from '../run/detect.js';
import { runLocally } from './local.js';
import type { StatisticsPort, WindowStatistics } from '../run/ports.js';
import { table } from './print.js';
import type { RunResult } from '../run/run.js';
import { emptyWindow } from '../run/statistics.js';
import { latestClosedEnd, planWindows, type Window } from '../run/windows.js';

/** Windows read when neither --from nor the store bounds the replay: ~3 years daily, ~6 months hourly. */
const DEFAULT_LOOKBACK_WINDOWS: Readonly<Record<'1d' | '1h', number>> = { '1d': 3 * 366, '1h': 184 * 24 };

export interface ReplayOptions {
  /** The monitor (its status is the store's). */
  monitor: ModelMonitor;
  store: MonitorStore;
  /**
   * The statistics of consecutive windows from one read of the source (sourceStatistics), with
   * `now` the time rows dated later count as future rows. Called once.
   */
  statistics: (now: Date) => StatisticsPort;
  detector: ScoringDetector;
  logger: Logger;
  /** Evaluate windows starting at or after this time (default: the log's first window, or the store's next). */
  from?: Date;
  /** Evaluate windows ending at or before this time (default: the end of the log's newest closed window). */
  to?: Date;
  /**
   * Rows the read saw before its first window (the log is older than the replay's reach); by
   * default guessed from whether that first window held rows.
   */
  rowsBefore?: () => number;
  /** The wall clock (default: Date.now). */
  wallClock?: () => number;
  /** The report page, written once after the last run. */
  reportPath?: string;
  onRun?: (run: ReplayRun, index: number, total: number) => void;
}

export interface ReplayRun {
  /** The window evaluated (the newest of its run). */
  window: Window;
  /** The run's (scheduled) time. */
  time: Date;
  health: string;
  anomalyCount: number;
  anomalies: AnomalyStatus[];
  /** Series the run could score (0: not enough history yet). */
  scoredSeries: number;
  error?: string;
}

export interface Episode {
  category: AnomalyStatus['category'];
  subject: string;
  statistic: string;
  /** The episode's first window start. */
  start: string;
  /** The start of the last window it was open in; undefined while still open after the last run. */
  end?: string;
  /** The start of the newest window it was open in so far. */
  lastOpen: string;
  /** Runs on which it was open. */
  runs: number;
  /** The run on which its severity was highest. */
  peak: AnomalyStatus;
  peakTime: string;
}

export interface ReplayResult {
  monitor: ModelMonitor;
  status: ModelMonitorStatus;
  /** The first run's time (the monitor's age locally). */
  created: string;
  runs: ReplayRun[];
  episodes: Episode[];
  /** Windows evaluated: one run each. */
  windows: number;
  /** Reads of the source (1 normally; 0 when there was nothing to replay). */
  reads: number;
  /** Windows of the one read, and the rows they held. */
  windowsRead: number;
  rowsRead: number;
  /** What the user should know about the replay's range (the store already past --from, rows out of reach). */
  notes: string[];
  /** The last run's time, advanced by its duration. */
  now: Date;
  /** The last run's result; undefined when nothing was replayed. */
  last?: RunResult;
  wallMs: number;
}

/** The first minute at or after `end`, within one window, when the schedule fires; else `end`. */
export function scheduledRunTime(schedule: string, end: number, stepMs: number): Date {
  const parsed = parseCron(schedule);
  if (!parsed.ok) return new Date(end);
  for (let t = end; t < end + stepMs; t += 60_000) if (cronMatches(parsed.schedule, new Date(t))) return new Date(t);
  return new Date(end);
}

/**
 * A statistics port serving precomputed windows; windows it does not hold are served empty when
 * the read saw no row before them, else read from `fallback` (a second read, counted).
 */
export function precomputedStatistics(
  computed: readonly WindowStatistics[], spec: DefaultedSpec, readFrom: number, rowsBefore: () => number, fallback: StatisticsPort,
): StatisticsPort & { fallbackReads: number } {
  const byStart = new Map(computed.map((w) => [w.window.start.getTime(), w]));
  const port = {
    fallbackReads: 0,
    async windows(windows: readonly Window[]): Promise<WindowStatistics[]> {
      const missing = windows.filter((w) => !byStart.has(w.start.getTime()));
      const emptyBefore = rowsBefore() === 0 && missing.every((w) => w.end.getTime() <= readFrom);
      if (missing.length > 0 && !emptyBefore) {
        port.fallbackReads++;
        return fallback.windows(windows);
      }
      return windows.map((window) => byStart.get(window.start.getTime()) ?? emptyWindow(window, spec));
    },
  };
  return port;
}

/** Follows the open anomalies from run to run: an episode per key while it stays open. */
export function episodesOf(runs: readonly ReplayRun[]): Episode[] {
  const open = new Map<string, Episode>();
  const done: Episode[] = [];
  for (const run of runs) {
    if (run.error !== undefined && run.health === 'Failed') continue; // a failed run keeps the last known anomalies: no evidence either way
    const seen = new Set<string>();
    for (const a of run.anomalies) {
      const key = anomalyKey(a);
      seen.add(key);
      let e = open.get(key) ?? reopened(done, key, a.start);
      if (e !== undefined) open.set(key, e);
      if (e === undefined) {
        e = { category: a.category, subject: a.subject, statistic: a.statistic, start: a.start, lastOpen: '', runs: 0, peak: a, peakTime: run.window.start.toISOString() };
        open.set(key, e);
      }
      e.runs++;
      e.lastOpen = run.window.start.toISOString();
      if (Date.parse(a.start) < Date.parse(e.start)) e.start = a.start;
      if (a.severity > e.peak.severity) {
        e.peak = a;
        e.peakTime = run.window.start.toISOString();
      }
    }
    for (const [key, e] of open) {
      if (seen.has(key)) continue;
      open.delete(key);
      e.end = e.lastOpen;
      done.push(e);
    }
  }
  return [...done, ...open.values()].sort((a, b) => Date.parse(a.start) - Date.parse(b.start) || anomalyKey(a).localeCompare(anomalyKey(b)));
}

/** What the replay reads and evaluates, from the options and the store's last window. */
interface ReplayPlan {
  /** The one read: [readFrom, readTo). */
  readFrom: number;
  readTo: number;
  readNow: Date;
  fromStart?: number;
  lastEnd?: number;
}

function readPlan(options: ReplayOptions, spec: DefaultedSpec, previous: ModelMonitorStatus | undefined, now: number): ReplayPlan {
  const step = granularityMs(spec.granularity);
  const backfill = SPECS[spec.granularity].window + spec.detection.duration.window + spec.schema.labelDelay;
  const lastEnd = previous?.lastWindowEnd !== undefined ? Date.parse(previous.lastWindowEnd) : undefined;
  // Up to the newest window closed at --to (or now), from the earliest window any run will ask for.
  const readNow = options.to ?? new Date(now);
  const readTo = latestClosedEnd(spec.granularity, readNow).getTime();
  const fromStart = options.from !== undefined ? Math.floor(options.from.getTime() / step) * step : undefined;
  // A store's next run re-reads the label horizon before its last window (late labels).
  const relabelFrom = lastEnd !== undefined ? Math.floor(lastEnd / step) * step - spec.schema.labelDelay * step : Infinity;
  let readFrom: number;
  if (fromStart !== undefined) {
    // The first run at --from plans as a CronJob run would: a backfill, or a catch-up from the store.
    const plan = planWindows({ granularity: spec.granularity, now: new Date(fromStart + step), lastWindowEnd: previous?.lastWindowEnd, backfillWindows: backfill, maxCatchUpWindows: 2 * backfill });
    readFrom = Math.min(plan.windows[0].start.getTime(), relabelFrom);
  } else if (lastEnd !== undefined) {
    readFrom = relabelFrom;
  } else {
    readFrom = readTo - DEFAULT_LOOKBACK_WINDOWS[spec.granularity] * step;
  }
  return { readFrom: Math.min(readFrom, readTo - step), readTo, readNow, ...(fromStart !== undefined ? { fromStart } : {}), ...(lastEnd !== undefined ? { lastEnd } : {}) };
}

/** The windows evaluated, one run each: from --from, the store's next window or the log's first, to --to or the log's newest. */
function replayWindows(plan: ReplayPlan, computed: readonly WindowStatistics[], step: number, bounded: boolean): Window[] {
  const withRows = computed.filter((w) => w.rows > 0);
  const first = plan.lastEnd !== undefined
    ? Math.max(Math.floor(plan.lastEnd / step) * step, plan.fromStart ?? -Infinity)
    : plan.fromStart ?? (withRows[0]?.window.start.getTime() ?? plan.readTo);
  const last = bounded ? plan.readTo : Math.min(plan.readTo, withRows.at(-1)?.window.end.getTime() ?? -Infinity);
  const out: Window[] = [];
  for (let t = first; t + step <= last; t += step) out.push({ start: new Date(t), end: new Date(t + step) });
  return out;
}

export async function replay(options: ReplayOptions): Promise<ReplayResult> {
  const wall = options.wallClock ?? Date.now;
  const wallStart = wall();
  const { monitor, store } = options;
  const spec = withDefaults(monitor.spec);
  const step = granularityMs(spec.granularity);
  const previous = await store.loadStatus();
  const plan = readPlan(options, spec, previous, wall());
  const notes: string[] = [];

  const range: Window[] = [];
  for (let t = plan.readFrom; t < plan.readTo; t += step) range.push({ start: new Date(t), end: new Date(t + step) });
  const source = options.statistics(plan.readNow);
  const readStart = wall();
  const computed = await source.windows(range);
  options.logger.info('Replay read the source', { windows: range.length, ms: wall() - readStart });
  const planned = replayWindows(plan, computed, step, options.to !== undefined);

  if (plan.fromStart !== undefined && plan.lastEnd !== undefined && plan.fromStart < plan.lastEnd) {
    notes.push(`The store already holds the windows up to ${new Date(plan.lastEnd).toISOString()}: the replay continues from there.`);
  }
  const rowsBefore = options.rowsBefore ?? (() => ((computed[0]?.rows ?? 0) > 0 ? 1 : 0));
  if (plan.lastEnd === undefined && plan.fromStart === undefined && rowsBefore() > 0) {
    notes.push(`The log holds rows before ${new Date(plan.readFrom).toISOString()}, beyond the replay's default reach: pass --from to replay them.`);
  }
  const port = precomputedStatistics(computed, spec, plan.readFrom, rowsBefore, source);
  const runs: ReplayRun[] = [];
  let current: Awaited<ReturnType<typeof runLocally>> | undefined;
  for (let i = 0; i < planned.length; i++) {
    const window = planned[i];
    const time = scheduledRunTime(spec.schedule, window.end.getTime(), step);
    current = await runLocally(monitor, {
      store,
      storeDir: store.dir,
      detector: options.detector,
      now: time,
      logger: options.logger,
      statistics: () => port,
      ...(i === planned.length - 1 && options.reportPath !== undefined ? { reportPath: options.reportPath } : {}),
    });
    const s = current.result.status;
    const run: ReplayRun = {
      window, time, health: s.health, anomalyCount: s.anomalyCount, anomalies: s.anomalies, scoredSeries: s.scoredSeries ?? 0,
      ...(current.result.error !== undefined ? { error: describeError(current.result.error) } : {}),
    };
    runs.push(run);
    options.onRun?.(run, i, planned.length);
  }
  if (port.fallbackReads > 0) notes.push(`The log was read ${1 + port.fallbackReads} times: some windows lay outside the first read.`);

  const status = current?.monitor.status ?? previous ?? {};
  const created = current?.created ?? (await store.readRuns())[0]?.time ?? status.lastRunTime ?? new Date(wall()).toISOString();
  return {
    monitor: current?.monitor ?? { ...monitor, status },
    status,
    created,
    runs,
    episodes: episodesOf(runs),
    windows: planned.length,
    reads: 1 + port.fallbackReads,
    windowsRead: range.length,
    rowsRead: computed.reduce((n, w) => n + w.rows, 0),
    notes,
    now: current !== undefined ? new Date(runs.at(-1)!.time.getTime() + current.result.durationMs) : new Date(wall()),
    ...(current !== undefined ? { last: current.result } : {}),
    wallMs: wall() - wallStart,
  };
}

/**
 * A closed episode the status says goes on: the same anomaly with the same start (a gap the
 * duration filter tolerates, or a quiet hour, closed it for a run but not for the status).
 */
function reopened(done: Episode[], key: string, start: string): Episode | undefined {
  const i = done.findIndex((e) => anomalyKey(e) === key && e.start === start);
  if (i < 0) return undefined;
  const [e] = done.splice(i, 1);
  delete e.end;
  return e;
}

/** The past episodes as a table; dates to the day (1d) or the hour (1h). */
export function formatEpisodes(episodes: readonly Episode[], granularity: '1d' | '1h'): string {
  if (episodes.length === 0) return 'No anomaly episodes.';
  const when = (iso: string): string => (granularity === '1d' ? iso.slice(0, 10) : iso.slice(0, 16).replace('T', ' '));
  return table([
    ['CATEGORY', 'SUBJECT', 'STATISTIC', 'START', 'END', 'RUNS', 'MAX SEVERITY', 'OBSERVED', 'EXPECTED', 'PEAK'],
    ...episodes.map((e) => [
      e.category, e.subject, e.statistic, when(e.start), e.end === undefined ? 'open' : when(e.end), String(e.runs),
      fmt(e.peak.severity), fmt(e.peak.observed), fmt(e.peak.expected), when(e.peakTime),
    ]),
  ]);
}

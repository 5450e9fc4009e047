/**
 * The backtest a monitor runs on its first run (issue 13): the detector replayed over the history
 * the source already holds, as if the monitor had run every day (local/replay.ts, in an
 * in-memory store that is then dropped: nothing of it is stored or alerted). It says how many
 * alerts the monitor would have raised, per week, at each sensitivity, and the most sensitive
 * setting that stays at or under one a week, so a user sees the noise before the first page.
 *
 * An alert is an episode (one anomaly key, open from its start until it closes): Alertmanager
 * groups an episode's repeated firings into one notification. The rate is over the weeks in which
 * the detector could score (enough history), not over the log's whole span.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withDefaults } from '../api/defaults.js';
import { granularityMs } from '../api/granularity.js';
import type { BacktestStatus, ModelMonitor, SensitivityWord } from '../api/types.js';
import type { Logger } from '../log.js';
import type { ScoringDetector } from '../run/detect.js';
import type { StatisticsPort, WindowStatistics } from '../run/ports.js';
import type { Window } from '../run/windows.js';
import { embeddedStore } from '../store/embedded.js';
import { replay, type Episode } from './replay.js';

const WEEK_MS = 7 * 86_400_000;
/** How far back the backtest replays: 8 weeks of daily runs, 2 weeks of hourly ones. */
export const BACKTEST_SPAN_MS: Readonly<Record<'1d' | '1h', number>> = { '1d': 8 * WEEK_MS, '1h': 2 * WEEK_MS };
/** Under this many scorable weeks a rate per week says little: the status says so instead. */
const MIN_SCORED_WEEKS = 1;
/** The alert rate a user accepts before a monitor is "noisy": one a week. */
export const TARGET_ALERTS_PER_WEEK = 1;
/** Most sensitive first: the suggestion is the first of these at or under the target. */
const WORDS: readonly SensitivityWord[] = ['high', 'medium', 'low'];
/** Episodes listed on the status (the most severe). */
const MAX_LISTED = 5;

export interface BacktestOptions {
  monitor: ModelMonitor;
  /** The monitor's source; read once (the replays share the read). */
  statistics: StatisticsPort;
  /** Windows the first run already computed: not read again. */
  computed?: readonly WindowStatistics[];
  detector: ScoringDetector;
  logger: Logger;
  /** The end of the newest window the first run evaluated: the backtest ends there. */
  to: Date;
  /** The time of the first run (the backtest's `time`). */
  now: Date;
}

/** One replay's outcome at one sensitivity. */
export interface SensitivityOutcome {
  episodes: Episode[];
  /** Runs in which at least one series could be scored. */
  scoredRuns: number;
}

export async function backtestMonitor(options: BacktestOptions): Promise<BacktestStatus> {
  const spec = withDefaults(options.monitor.spec);
  const step = granularityMs(spec.granularity);
  const to = options.to.getTime();
  const from = new Date(to - BACKTEST_SPAN_MS[spec.granularity]);
  const statistics = sharedRead(options.statistics, options.computed);
  const own = typeof spec.detection.sensitivity === 'number' ? spec.detection.sensitivity : undefined;
  const outcomes = new Map<SensitivityWord | number, SensitivityOutcome>();
  for (const sensitivity of [...WORDS, ...(own !== undefined ? [own] : [])]) {
    outcomes.set(sensitivity, await replayAt(options, sensitivity, from, statistics));
  }
  return summarize({
    outcomes, sensitivity: spec.detection.sensitivity, step, from, to: new Date(to), now: options.now,
  });
}

/** The replay at one sensitivity, in a throw-away in-memory store. */
async function replayAt(options: BacktestOptions, sensitivity: SensitivityWord | number, from: Date, statistics: StatisticsPort): Promise<SensitivityOutcome> {
  const { monitor } = options;
  const probe: ModelMonitor = {
    ...monitor,
    spec: { ...monitor.spec, detection: { ...monitor.spec.detection, sensitivity } },
  };
  delete probe.status;
  // memory: nothing is ever written to this directory (no flush).
  const store = embeddedStore(join(tmpdir(), 'alertiger-backtest'), probe, { memory: true });
  const result = await replay({
    monitor: probe,
    store,
    statistics: () => statistics,
    detector: options.detector,
    logger: options.logger.child({ backtest: String(sensitivity) }),
    from,
    to: options.to,
    // Rows before the read are unknown to a replay of a live source: ask for them if needed.
    rowsBefore: () => 1,
  });
  return { episodes: result.episodes, scoredRuns: result.runs.filter((r) => r.scoredSeries > 0).length };
}

export interface SummaryInput {
  outcomes: ReadonlyMap<SensitivityWord | number, SensitivityOutcome>;
  /** The monitor's own sensitivity. */
  sensitivity: SensitivityWord | number;
  step: number;
  from: Date;
  to: Date;
  now: Date;
}

/** The status block from the replays' outcomes. Pure. */
export function summarize(input: SummaryInput): BacktestStatus {
  const own = input.outcomes.get(input.sensitivity)!;
  const weeks = (own.scoredRuns * input.step) / WEEK_MS;
  const rate = (o: SensitivityOutcome): number => round(o.episodes.length / weeks);
  const base = {
    time: input.now.toISOString(),
    from: input.from.toISOString(),
    to: input.to.toISOString(),
    scoredWeeks: round(weeks),
    sensitivity: String(input.sensitivity),
  };
  if (weeks < MIN_SCORED_WEEKS) {
    return {
      ...base,
      message: `Not enough history for a backtest: the detector could score ${fmtWeeks(weeks)} of the source's history ` +
        `(it needs ${MIN_SCORED_WEEKS} week); the estimate comes with more history`,
    };
  }
  const bySensitivity = Object.fromEntries(WORDS.map((word) => [word, rate(input.outcomes.get(word)!)])) as Record<SensitivityWord, number>;
  const suggested = WORDS.find((w) => bySensitivity[w]! <= TARGET_ALERTS_PER_WEEK);
  const alertsPerWeek = rate(own);
  const top = [...own.episodes].sort((a, b) => b.peak.severity - a.peak.severity).slice(0, MAX_LISTED);
  const would = `Replayed over ${fmtWeeks(weeks)} of history, this monitor would have raised ${own.episodes.length} alert${own.episodes.length === 1 ? '' : 's'} ` +
    `(${alertsPerWeek} a week) at sensitivity ${String(input.sensitivity)}`;
  const advice = suggested === undefined
    ? `; even sensitivity low gives ${bySensitivity.low} a week: look at the listed anomalies (a data problem, or a change to accept)`
    : suggested === input.sensitivity ? '' : suggestion(suggested, bySensitivity[suggested], input.sensitivity, alertsPerWeek);
  return {
    ...base,
    alerts: own.episodes.length,
    alertsPerWeek,
    bySensitivity,
    ...(suggested !== undefined ? { suggestedSensitivity: suggested } : {}),
    anomalies: top.map((e) => ({
      category: e.category, subject: e.subject, statistic: e.statistic, start: e.start,
      ...(e.end !== undefined ? { end: e.end } : {}),
      severity: e.peak.severity,
    })),
    message: would + advice,
  };
}

/**
 * The advice for another word. A more sensitive word that stays at or under one alert a week is
 * worth taking (it catches smaller changes); said plainly when it costs no more alerts at all.
 */
function suggestion(word: SensitivityWord, rate: number, own: SensitivityWord | number, ownRate: number): string {
  const moreSensitive = typeof own === 'number' || WORDS.indexOf(word) < WORDS.indexOf(own);
  if (!moreSensitive) return `; sensitivity ${word} would give ${rate} a week`;
  return rate === ownRate
    ? `; sensitivity ${word} would give the same ${rate} a week and catch smaller changes`
    : `; sensitivity ${word} would give ${rate} a week and catch smaller changes`;
}

/**
 * A statistics port that reads each window once and serves it to every replay: the replays at
 * each sensitivity ask for the same range, and the first run has already read its newest windows
 * (`known`). Only the windows it does not hold are read (the older ones: one consecutive range).
 */
export function sharedRead(port: StatisticsPort, known: readonly WindowStatistics[] = []): StatisticsPort & { reads: number } {
  const byStart = new Map(known.map((w) => [w.window.start.getTime(), w]));
  const shared = {
    reads: 0,
    async windows(windows: readonly Window[]): Promise<WindowStatistics[]> {
      const missing = windows.filter((w) => !byStart.has(w.start.getTime()));
      if (missing.length > 0) {
        shared.reads++;
        for (const w of await port.windows(missing)) byStart.set(w.window.start.getTime(), w);
      }
      return windows.map((w) => byStart.get(w.start.getTime())!);
    },
  };
  return shared;
}

/** The backtest for the terminal: its message, and the episodes it would have raised. */
export function formatBacktest(b: BacktestStatus): string {
  const lines = [`Backtest: ${b.message}.`];
  if (b.bySensitivity !== undefined) {
    lines.push(`  alerts a week by sensitivity: ${Object.entries(b.bySensitivity).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  for (const a of b.anomalies ?? []) {
    lines.push(`  ${a.category} ${a.subject} ${a.statistic}: ${a.start.slice(0, 16).replace('T', ' ')} .. ${a.end?.slice(0, 16).replace('T', ' ') ?? 'open'} (severity ${round(a.severity)})`);
  }
  return lines.join('\n');
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function fmtWeeks(weeks: number): string {
  return weeks >= 2 ? `${round(weeks)} weeks` : `${round(weeks * 7)} days`;
}

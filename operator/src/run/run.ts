/**
 * One monitoring run (docs/design.md §4): plan the windows -> compute and store their statistics ->
 * read every statistic's history -> detect and filter -> store the scored points -> write the
 * status -> send and resolve alerts. The same function serves the CronJob (InfluxDB,
 * Kubernetes, Alertmanager) and the local commands (embedded store, no cluster): only the
 * ports differ.
 *
 * Failure rules: each dependency call is retried with backoff; past that the run fails, the
 * status says why (LastRunSucceeded=False, reason = the error code) and lastWindowEnd stays, so
 * the next run recomputes every window this one did not finish. Writes are idempotent, so a
 * window computed twice is stored once.
 */
import { withDefaults, type DefaultedSpec } from '../api/defaults.js';
import { granularityMs } from '../api/granularity.js';
import { ACCEPT_ANNOTATION, type AcceptedChange, type AnomalyStatus, type BacktestStatus, type ModelMonitor, type ModelMonitorStatus } from '../api/types.js';
import type { Logger } from '../log.js';
import { alertsForAnomalies, alertsForStatus, alertTarget, anomalyKey, monitorReportUrl, runAlertLifetime, resolvedAlerts, type PostableAlert } from '../alerting/payload.js';
import { SPECS } from '../detector/spec.js';
import { AlertigerError, describeError, errorCode } from '../errors.js';
import { withRetry } from '../retry.js';
import type { DetectResult } from './detect.js';
import { detectBySegment, groupSegmentAnomalies } from './segments.js';
import { acceptedChanges, acceptedMap, carriedOver, maskHistory, openBefore, verdictsOf, withEpisodeStart } from './lifecycle.js';
import { seriesKey } from './noise.js';
import { matureHistory, relabelWindows, scoringRanges } from './labels.js';
import { dataQualityCondition } from './quality.js';
import { acceptWithFalseAlarms, falseAlarmKeys, runFeedback, withAnomalyIds } from './feedback.js';
import { observeWorkload, withRollouts, withWorkload } from './rollouts.js';
import type { DetectionPoint, RunDeps, StatisticsPort, WindowStatistics } from './ports.js';
import { CONDITION_LAST_RUN, setCondition } from '../api/conditions.js';
import { buildJobStatus, rankAnomalies, type JobStatus, type RunOutcome } from './status.js';
import { firstWindowWithData, planWindows, type Window, type WindowPlan } from './windows.js';

export interface RunResult {
  status: JobStatus;
  plan: WindowPlan;
  /** Windows whose statistics were stored. */
  stored: WindowStatistics[];
  /** Scored points written this run (empty when the run failed before detection). */
  detections: DetectionPoint[];
  /** Alerts posted (firing, then resolved); empty in Shadow mode or without Alertmanager. */
  alerts: { firing: PostableAlert[]; resolved: PostableAlert[] };
  durationMs: number;
  /** The error that failed the run or its alerts. */
  error?: unknown;
}

/** How long an open anomaly outlives its series' silence (no point in the newest window). */
const CARRY_MS = 86_400_000;

/** Extra windows scored beyond the new ones, so the duration filter sees the points before. */
function scoredWindows(newWindows: number, durationWindow: number): number {
  return Math.max(newWindows, durationWindow);
}

/** What every phase of one run shares: the defaulted spec, the window plan, logging and retries. */
interface RunContext {
  monitor: ModelMonitor;
  deps: RunDeps;
  started: Date;
  log: Logger;
  spec: DefaultedSpec;
  /** Windows of history the detector needs before a point, and one window in ms. */
  history: number;
  step: number;
  plan: WindowPlan;
  retry: <T>(what: string, fn: () => Promise<T>) => Promise<T>;
}

export async function runMonitor(monitor: ModelMonitor, deps: RunDeps): Promise<RunResult> {
  const ctx = runContext(monitor, deps);
  const { plan, log, retry } = ctx;
  let stored: WindowStatistics[] = [];
  let detection: DetectResult | undefined;
  let outcome: RunOutcome;
  try {
    const read = await storeWindows(ctx);
    stored = read.stored;
    const found = await detectAnomalies(ctx, stored.length);
    detection = found.detection;
    // The model's workload: rollouts linked to the anomalies they precede, routing labels (docs/rollouts.md).
    const workload = await observeWorkload(ctx.spec.model, deps.workload, log);
    outcome = {
      ok: true,
      anomalies: workload === undefined ? found.anomalies : withRollouts(found.anomalies, workload.rollouts, ctx.spec.granularity),
      ...(workload !== undefined ? { workload: workload.status } : {}),
      accepted: found.accepted,
      // Verdicts given by kubectl annotate: stored, counted into status.feedback (run/feedback.ts).
      ...await runFeedback({ monitor, store: deps.feedback, open: found.anomalies, now: ctx.started, stepMs: ctx.step, maxGap: ctx.spec.detection.duration.window - ctx.spec.detection.duration.min, log }),
      scoredSeries: detection.scoredSeries,
      totalSeries: found.totalSeries,
      windowsComputed: stored.length,
      // Nothing stored on a first run (an empty source): keep backfilling on the next one.
      windowEnd: plan.firstRun && stored.length === 0 ? undefined : plan.latestEnd,
      historyWindows: ctx.history,
      skippedWindows: plan.skippedWindows,
      dataQuality: dataQualityCondition(read.computed),
      ...(plan.firstRun && stored.length > 0 ? await backtestOf(ctx, read.computed) : {}),
    };
  } catch (err) {
    log.error('Run failed', { code: errorCode(err), error: describeError(err) });
    outcome = { ok: false, error: err };
  }

  const now = deps.clock();
  const built = buildJobStatus({ previous: monitor.status, outcome, now, generation: monitor.metadata.generation });
  const sent = await sendAlerts(ctx, outcome, built, now);
  if (sent.status === built && outcome.ok && ctx.spec.mode === 'Shadow' && outcome.anomalies.length > 0) {
    log.info('Shadow mode: anomalies recorded, no alerts sent', { anomalies: outcome.anomalies.length });
  }
  const status = sent.status;
  await retry('write status', () => deps.status.write(monitor, status));
  const durationMs = deps.clock().getTime() - ctx.started.getTime();
  log.info('Run finished', { health: status.health, anomalies: status.anomalyCount, windows: stored.length, durationMs });
  const error = outcome.ok ? sent.error : outcome.error;
  return { status, plan, stored, detections: detection?.points ?? [], alerts: sent.alerts, durationMs, error };
}

/** The windows a run at `now` computes (also what each shard of a sharded run reads: shard/plan.ts). */
export function runPlan(spec: DefaultedSpec, lastWindowEnd: string | undefined, now: Date): WindowPlan {
  // The first run backfills the detector's history and the scored points, plus the label horizon:
  // label statistics are scored labelDelay windows back, so they need that much more history.
  const backfill = SPECS[spec.granularity].window + spec.detection.duration.window + spec.schema.labelDelay;
  return planWindows({
    granularity: spec.granularity,
    now,
    lastWindowEnd,
    backfillWindows: backfill,
    maxCatchUpWindows: 2 * backfill,
  });
}

function runContext(monitor: ModelMonitor, deps: RunDeps): RunContext {
  const started = deps.clock();
  const log = deps.logger.child({ monitor: `${monitor.metadata.namespace ?? 'default'}/${monitor.metadata.name}` });
  const spec = withDefaults(monitor.spec);
  const history = SPECS[spec.granularity].window;
  const plan = runPlan(spec, monitor.status?.lastWindowEnd, started);
  const retry = <T>(what: string, fn: () => Promise<T>): Promise<T> => withRetry(fn, {
    retries: deps.retries ?? 4,
    initialDelayMs: deps.retryDelayMs ?? 1000,
    maxDelayMs: 15_000,
    // Our adapters (InfluxDB, Alertmanager, Kubernetes) retry their own transient failures and
    // then throw an AlertigerError: retrying those again would only multiply the wait.
    retryable: (err) => !(err instanceof AlertigerError),
    sleep: deps.sleep,
    onRetry: (err, attempt, delayMs) => log.warn(`Retrying: ${what}`, { attempt, delayMs, error: describeError(err) }),
  });
  return { monitor, deps, started, log, spec, history, step: granularityMs(spec.granularity), plan, retry };
}

/**
 * A first run's backtest, when the deps provide one. It only informs: a failure is logged and
 * the run goes on without it.
 */
async function backtestOf(ctx: RunContext, computed: readonly WindowStatistics[]): Promise<{ backtest?: BacktestStatus }> {
  if (ctx.deps.backtest === undefined) return {};
  const started = Date.now();
  try {
    const backtest = await ctx.deps.backtest(ctx.plan.latestEnd, computed);
    ctx.log.info('Backtest', { message: backtest.message, ms: Date.now() - started });
    return { backtest };
  } catch (err) {
    ctx.log.warn('Backtest failed; the status goes without it', { code: errorCode(err), error: describeError(err) });
    return {};
  }
}

/**
 * Reads the source for the plan's windows (and the label horizon's) and stores their statistics;
 * returns the windows stored and those computed (a first run computes some it does not keep).
 */
async function storeWindows(ctx: RunContext): Promise<{ stored: WindowStatistics[]; computed: WindowStatistics[] }> {
  const { monitor, deps, spec, plan, log, retry } = ctx;
  // Stored windows still inside the label horizon: their late labels may have arrived since.
  const relabel = relabelWindows(plan, monitor.status?.lastWindowEnd, spec.granularity, spec.schema.labelDelay);
  log.info('Run started', { windows: plan.windows.length, relabel: relabel.length, from: plan.windows[0].start.toISOString(), to: plan.latestEnd.toISOString(), firstRun: plan.firstRun });
  const read = await readWindows(relabel, plan.windows, (windows) => retry('read the source', () => deps.statistics.windows(windows)));
  const computed = read.slice(relabel.length);
  // A first run keeps nothing before the source's first row: that is no history, not zero traffic.
  const stored = plan.firstRun ? computed.slice(firstWindowWithData(computed.map((w) => w.rows))) : computed;
  if (stored.length > 0) await retry('write statistics', () => deps.store.writeStatistics(stored));
  // Only their label statistics: the feature and score statistics stored earlier stay as they are.
  if (relabel.length > 0) await retry('rewrite label statistics', () => deps.store.writeStatistics(read.slice(0, relabel.length), 'label'));
  if (plan.skippedWindows > 0) log.warn('Missed windows beyond the catch-up limit were not computed', { skipped: plan.skippedWindows });
  return { stored, computed };
}

/**
 * Reads the history and the earlier verdicts, masks what was judged anomalous, scores, filters
 * and stores the scored points; returns the open anomalies with their episode starts.
 */
async function detectAnomalies(ctx: RunContext, storedWindows: number): Promise<{
  detection: DetectResult; anomalies: AnomalyStatus[]; accepted: AcceptedChange[]; totalSeries: number;
}> {
  const { monitor, deps, spec, plan, step, retry } = ctx;
  const scored = scoredWindows(storedWindows, spec.detection.duration.window);
  const latestStart = plan.latestEnd.getTime() - step;
  const ranges = scoringRanges({ latestEnd: plan.latestEnd.getTime(), granularity: spec.granularity, scored, labelDelay: spec.schema.labelDelay });
  // Label statistics are scored labelDelay windows back, so their history reaches that much further.
  const from = new Date(plan.latestEnd.getTime() - (ctx.history + scored + spec.schema.labelDelay) * step);
  const raw = matureHistory(await retry('read history', () => deps.store.readHistory(from, plan.latestEnd)), ranges);
  // Earlier verdicts: points judged anomalous enter later windows as their expected value.
  const verdicts = verdictsOf(await retry('read detections', () => deps.store.readDetections(from, plan.latestEnd)));
  const accepted = acceptedChanges({
    // A false-alarm verdict on an open anomaly accepts it as the new normal (docs/feedback.md).
    annotation: acceptWithFalseAlarms(monitor.metadata.annotations?.[ACCEPT_ANNOTATION], falseAlarmKeys(monitor, monitor.status?.anomalies ?? [])),
    open: monitor.status?.anomalies ?? [],
    previous: monitor.status?.accepted ?? [],
    now: ctx.started,
    oldest: from,
  });
  const acceptedSince = acceptedMap(accepted);
  const masked = maskHistory(raw, verdicts, { scoreFrom: (c) => ranges[c].scoreFrom, accepted: acceptedSince });
  if (masked.masked > 0) ctx.log.info('Masked anomalous history', { points: masked.masked });
  // Segment series (spec.schema.segments) are scored per segment; without any, this is detect().
  const detection = detectBySegment(deps.detector, masked.series, {
    openBefore: (key, time) => openBefore(verdicts, key, time, acceptedSince.get(key)),
    ranges,
    granularity: spec.granularity,
    scoreFrom: plan.latestEnd.getTime() - scored * step,
    latestStart,
    threshold: spec.detection.threshold,
    // The spec is defaulted once (api/defaults.ts); a partial duration gets its other half there.
    filters: { minSeverity: spec.detection.minSeverity, duration: spec.detection.duration, combine: spec.detection.combine },
    maxConcurrentFraction: spec.detection.maxConcurrentFraction,
    minTrafficRatio: spec.detection.minTrafficRatio,
    trafficShare: deps.trafficShare !== undefined ? await retry('read traffic share', () => deps.trafficShare!(latestStart)) : undefined,
    model: spec.model.name,
  });
  if (detection.points.length > 0) await retry('write detections', () => deps.store.writeDetections(detection.points));
  const maxGap = spec.detection.duration.window - spec.detection.duration.min;
  const found = detection.open.map((a) => withEpisodeStart(a, verdicts, step, maxGap));
  // A series with no point in its newest window (quiet hours) keeps its open anomaly for a day.
  const scoredNow = new Set(detection.points.filter((p) => p.category !== 'model' && p.time === ranges[p.category].latestStart).map((p) => seriesKey(p)));
  const carried = carriedOver({ previous: monitor.status?.anomalies ?? [], open: found, scoredNow, verdicts, now: latestStart, maxAgeMs: CARRY_MS });
  // One anomaly per statistic across segments: "in segment origin=BOS only", or grouped (run/segments.ts).
  const grouped = groupSegmentAnomalies([...found, ...carried], { points: detection.points, latestStart: (c) => (c === 'model' ? latestStart : ranges[c].latestStart) });
  const anomalies = withAnomalyIds(monitor, keepStarts(grouped, monitor.status?.anomalies ?? []));
  return { detection, anomalies, accepted, totalSeries: masked.series.length };
}

/**
 * Posts the alerts of a successful run: one per open anomaly (all of them, not only those the
 * status has room for), and a resolve for each alert of the previous status whose anomaly is no
 * longer open (never because it fell off the status list). A failed post keeps the anomalies
 * (the operator re-sends them from the status) and says why the run is not a success.
 */
async function sendAlerts(ctx: RunContext, outcome: RunOutcome, status: JobStatus, now: Date): Promise<{
  alerts: RunResult['alerts']; status: JobStatus; error?: unknown;
}> {
  const { monitor, deps, log } = ctx;
  const alerts = { firing: [] as PostableAlert[], resolved: [] as PostableAlert[] };
  const target = alertTarget(monitor, deps.alertmanagerUrl);
  if (!outcome.ok || deps.alerts === undefined || target === undefined) return { alerts, status };
  const alertNow = deps.alertClock?.() ?? now;
  const options = { now: alertNow, endsAfterMs: runAlertLifetime(ctx.spec.granularity), reportUrl: monitorReportUrl(deps.reportUrl, monitor) };
  // Firing alerts carry the routing labels this run read from the workload; resolves, the old ones.
  alerts.firing = alertsForAnomalies(withWorkload(monitor, status.workload), rankAnomalies(outcome.anomalies), options);
  alerts.resolved = resolvedAlerts(alertsForStatus(monitor, options), alerts.firing, alertNow);
  const batch = [...alerts.firing, ...alerts.resolved];
  if (batch.length === 0) return { alerts, status };
  try {
    await deps.alerts.post(target, batch);
    log.info('Sent alerts', { firing: alerts.firing.length, resolved: alerts.resolved.length, alertmanager: target });
    return { alerts, status };
  } catch (err) {
    log.error('Could not send alerts', { code: errorCode(err), error: describeError(err) });
    return { alerts, status: withAlertFailure(status, monitor.status, err, now, monitor.metadata.generation), error: err };
  }
}

/**
 * The statistics of the label horizon's windows, then of the plan's, in that order. When they
 * touch (the usual case) the source is read once for both; otherwise (missed windows skipped
 * between them) twice, so the gap is not read.
 */
export async function readWindows(relabel: readonly Window[], planned: readonly Window[], read: StatisticsPort['windows']): Promise<WindowStatistics[]> {
  if (relabel.length === 0) return read(planned);
  if (relabel[relabel.length - 1].end.getTime() === planned[0].start.getTime()) return read([...relabel, ...planned]);
  return [...await read(relabel), ...await read(planned)];
}

/**
 * An anomaly still open keeps the start the previous run saw: a run rescores only its last few
 * windows, so its own view of where an episode began can be later than the truth.
 */
function keepStarts(open: readonly AnomalyStatus[], previous: readonly AnomalyStatus[]): AnomalyStatus[] {
  const before = new Map(previous.map((a) => [anomalyKey(a), a.start]));
  return open.map((a) => {
    const start = before.get(anomalyKey(a));
    return start !== undefined && Date.parse(start) < Date.parse(a.start) ? { ...a, start } : a;
  });
}

/** The status of a run whose detection succeeded but whose alerts could not be delivered. */
function withAlertFailure(status: JobStatus, previous: ModelMonitorStatus | undefined, err: unknown, now: Date, generation?: number): JobStatus {
  const message = `Anomalies stored but alerts not delivered: ${describeError(err)}`.slice(0, 1000);
  const conditions = status.conditions.map((c) => c.type !== CONDITION_LAST_RUN ? c
    : setCondition(previous?.conditions ?? [], { type: CONDITION_LAST_RUN, status: 'False', reason: errorCode(err), message }, now, generation));
  return { ...status, lastSuccessfulRunTime: previous?.lastSuccessfulRunTime, conditions };
}

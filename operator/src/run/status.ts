/**
 * The part of a ModelMonitor's status that the job owns (health, anomalies, run times, the
 * Healthy and LastRunSucceeded conditions), decided from the previous status and the outcome of
 * one run. Pure, so the rules (what counts as Unknown, what a failure keeps) are tested alone.
 * The operator owns Ready, observedGeneration and cronJobName; server-side apply merges the two.
 */
import { segmentHeadline, segmentPhrase } from '../api/segments.js';
import {
  MAX_STATUS_ANOMALIES, type AcceptedChange, type AnomalyStatus, type BacktestStatus, type Condition, type Health, type ModelMonitorStatus,
  type WorkloadStatus,
} from '../api/types.js';
import type { FeedbackStatus } from '../api/types.js';
import { describeError, errorCode } from '../errors.js';
import { fmt } from '../alerting/payload.js';
import { CONDITION_DATA_QUALITY, CONDITION_HEALTHY, CONDITION_LAST_RUN, setCondition } from '../api/conditions.js';

/** The status fields the job writes, and nothing else (its server-side apply field set). */
export type JobStatus = Required<Pick<ModelMonitorStatus,
  'health' | 'anomalyCount' | 'anomalies' | 'lastRunTime' | 'conditions'>> &
  Pick<ModelMonitorStatus, 'lastSuccessfulRunTime' | 'lastWindowEnd' | 'scoredSeries' | 'totalSeries' | 'accepted' | 'backtest' | 'workload'> &
  Pick<ModelMonitorStatus, 'feedback'>;

/** Under this share of its series scored, a monitor without anomalies is not called Healthy. */
const MIN_SCORED_SHARE = 0.5;

export type RunOutcome =
  | {
    ok: true;
    /** Every open anomaly found, in any order; the status keeps the most severe. */
    anomalies: AnomalyStatus[];
    /** Series that had enough history to be scored; 0 means health Unknown. */
    scoredSeries: number;
    /** Series stored for the monitor (scored or not). */
    totalSeries: number;
    /** Changes accepted as the new normal (run/lifecycle.ts), to remember on the status. */
    accepted?: AcceptedChange[];
    /** The DataQuality condition of the windows this run read (run/quality.ts). */
    dataQuality?: Omit<Condition, 'lastTransitionTime'>;
    /** Windows computed and stored by this run, and the end of the newest (undefined: none yet). */
    windowsComputed: number;
    windowEnd: Date | undefined;
    /** History the detector needs before it scores a point, in windows. */
    historyWindows: number;
    /** Windows too old to catch up (see WindowPlan.skippedWindows). */
    skippedWindows: number;
    /** A first run's backtest; later runs keep the one on the status. */
    backtest?: BacktestStatus;
    /** The model's workload as this run read it (run/rollouts.ts); absent without spec.model.workloadRef. */
    workload?: WorkloadStatus;
    /** Feedback counted from the store (run/feedback.ts); absent: the previous status's is kept. */
    feedback?: FeedbackStatus;
  }
  | { ok: false; error: unknown };

export interface StatusInput {
  previous: ModelMonitorStatus | undefined;
  outcome: RunOutcome;
  now: Date;
  /** metadata.generation of the monitor the run read. */
  generation?: number;
}

/** Most severe first; ties broken by key so the order (and the apply) is stable. */
export function rankAnomalies(anomalies: readonly AnomalyStatus[]): AnomalyStatus[] {
  const key = (a: AnomalyStatus): string => `${a.category}/${a.subject}/${a.statistic}`;
  return [...anomalies].sort((a, b) => b.severity - a.severity || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export function buildJobStatus(input: StatusInput): JobStatus {
  const { previous, outcome, now } = input;
  const nowIso = now.toISOString();
  const conditions = previous?.conditions ?? [];
  if (!outcome.ok) {
    // The last known anomalies stay (the operator keeps re-sending their alerts); the window
    // marker stays so the next run recomputes everything this one did not store.
    const reason = errorCode(outcome.error);
    const message = `Run failed: ${describeError(outcome.error)}`.slice(0, 1000);
    return {
      health: 'Failed',
      anomalyCount: previous?.anomalyCount ?? 0,
      anomalies: previous?.anomalies ?? [],
      lastRunTime: nowIso,
      lastSuccessfulRunTime: previous?.lastSuccessfulRunTime,
      lastWindowEnd: previous?.lastWindowEnd,
      ...(previous?.scoredSeries !== undefined ? { scoredSeries: previous.scoredSeries } : {}),
      ...(previous?.totalSeries !== undefined ? { totalSeries: previous.totalSeries } : {}),
      ...(previous?.accepted !== undefined ? { accepted: previous.accepted } : {}),
      ...keptBacktest(undefined, previous),
      ...(previous?.workload !== undefined ? { workload: previous.workload } : {}),
      ...keptFeedback(undefined, previous),
      conditions: [
        setCondition(conditions, { type: CONDITION_HEALTHY, status: 'Unknown', reason: 'RunFailed', message }, now, input.generation),
        setCondition(conditions, { type: CONDITION_LAST_RUN, status: 'False', reason, message }, now, input.generation),
        // What the last successful run saw of the data stays until a run reads it again.
        ...conditions.filter((c) => c.type === CONDITION_DATA_QUALITY),
      ],
    };
  }
  const ranked = rankAnomalies(outcome.anomalies);
  const health = healthOf(outcome.scoredSeries, ranked.length, outcome.totalSeries);
  return {
    health,
    anomalyCount: ranked.length,
    anomalies: ranked.slice(0, MAX_STATUS_ANOMALIES),
    lastRunTime: nowIso,
    lastSuccessfulRunTime: nowIso,
    lastWindowEnd: outcome.windowEnd?.toISOString() ?? previous?.lastWindowEnd,
    scoredSeries: outcome.scoredSeries,
    totalSeries: outcome.totalSeries,
    ...(outcome.accepted !== undefined && outcome.accepted.length > 0 ? { accepted: outcome.accepted } : {}),
    ...keptBacktest(outcome.backtest, previous),
    ...(outcome.workload !== undefined ? { workload: outcome.workload } : {}),
    ...keptFeedback(outcome.feedback, previous),
    conditions: [
      setCondition(conditions, healthyCondition(health, ranked, outcome), now, input.generation),
      ...(outcome.dataQuality !== undefined ? [setCondition(conditions, outcome.dataQuality, now, input.generation)] : []),
      setCondition(conditions, {
        type: CONDITION_LAST_RUN,
        status: 'True',
        reason: 'RunSucceeded',
        message: (outcome.windowEnd !== undefined ? `Stored ${outcome.windowsComputed} window(s) up to ${outcome.windowEnd.toISOString()}; ` : 'The source holds no rows yet; ') +
          `scored ${outcome.scoredSeries} of ${outcome.totalSeries} series` +
          (outcome.skippedWindows > 0 ? `; ${outcome.skippedWindows} older missed window(s) were beyond the catch-up limit` : ''),
      }, now, input.generation),
    ],
  };
}

/** The job's apply owns only what it sends: the first run's backtest is sent on every run to stay. */
function keptBacktest(found: BacktestStatus | undefined, previous: ModelMonitorStatus | undefined): { backtest?: BacktestStatus } {
  const backtest = found ?? previous?.backtest;
  return backtest === undefined ? {} : { backtest };
}

/** status.feedback: this run's counts, else (no feedback store, or it failed) the previous ones, so the apply keeps them. */
function keptFeedback(found: FeedbackStatus | undefined, previous: ModelMonitorStatus | undefined): { feedback?: FeedbackStatus } {
  const feedback = found ?? previous?.feedback;
  return feedback === undefined ? {} : { feedback };
}

/**
 * Anomalous when anything is open; otherwise Healthy only when at least MIN_SCORED_SHARE of the
 * series could be scored: "no anomaly" in the few series a sparse log lets us score says
 * little about the rest. (`totalSeries` absent: the old rule, any series scored.)
 */
export function healthOf(scoredSeries: number, openAnomalies: number, totalSeries?: number): Health {
  if (openAnomalies > 0) return 'Anomalous';
  if (scoredSeries === 0) return 'Unknown';
  return totalSeries === undefined || scoredSeries >= MIN_SCORED_SHARE * totalSeries ? 'Healthy' : 'Unknown';
}

function healthyCondition(health: Health, ranked: AnomalyStatus[], outcome: Extract<RunOutcome, { ok: true }>): Omit<Condition, 'lastTransitionTime'> {
  if (health === 'Anomalous') {
    const top = ranked[0];
    return {
      type: CONDITION_HEALTHY,
      status: 'False',
      reason: 'AnomaliesFound',
      message: `${ranked.length} open anomal${ranked.length === 1 ? 'y' : 'ies'}; most severe: ` +
        // A segment anomaly reads "score mean dropped in segment origin=BOS only" (docs/segments.md).
        (segmentPhrase(top) !== '' ? segmentHeadline(top) : `${top.category} ${top.subject} ${top.statistic}`) +
        ` ${fmt(top.observed)} (expected ${fmt(top.expected)}, severity ${fmt(top.severity)})`,
    };
  }
  if (health === 'Unknown' && outcome.scoredSeries > 0) {
    return {
      type: CONDITION_HEALTHY,
      status: 'Unknown',
      reason: 'FewSeriesScored',
      message: `Scored ${outcome.scoredSeries} of ${outcome.totalSeries} series, none anomalous; the rest lack history or rows ` +
        '(sparse traffic, a new statistic): under half scored is not called Healthy',
    };
  }
  if (health === 'Unknown') {
    return {
      type: CONDITION_HEALTHY,
      status: 'Unknown',
      reason: 'NotEnoughHistory',
      message: `The detector needs ${outcome.historyWindows} windows of history before it scores a point; ` +
        `${outcome.totalSeries} series are stored so far`,
    };
  }
  return { type: CONDITION_HEALTHY, status: 'True', reason: 'NoAnomalies', message: `${outcome.scoredSeries} of ${outcome.totalSeries} series scored, none anomalous` };
}

/**
 * The report data of a monitor (report/types.ts) from what a run stores: each open anomaly's
 * recent history with the detector's band and flags, and the recent runs. Any store that can
 * read statistics and scored points serves (the embedded one locally; InfluxDB in a cluster).
 */
import { CONDITION_DATA_QUALITY, CONDITION_HEALTHY } from '../api/conditions.js';
import type { ModelMonitor, ModelMonitorStatus } from '../api/types.js';
import { anomalyKey, fmt } from '../alerting/payload.js';
import type { ReportAnomaly, ReportData, ReportRun, ReportSeries } from './types.js';
import type { DetectionPoint, StatSeries } from '../run/ports.js';
import { DEFAULTS } from '../api/defaults.js';
import { granularityMs } from '../api/granularity.js';

export interface ReportSource {
  readHistory(from: Date, to: Date): Promise<StatSeries[]>;
  readDetections(from: Date, to: Date): Promise<DetectionPoint[]>;
}

export interface ReportOptions {
  now: Date;
  /** Windows of history per chart (default 60). */
  windows?: number;
  runs?: ReportRun[];
  threshold?: number;
}

export async function buildReportData(monitor: ModelMonitor, status: ModelMonitorStatus, source: ReportSource, options: ReportOptions): Promise<ReportData> {
  const step = granularityMs(monitor.spec.granularity ?? DEFAULTS.granularity);
  const end = status.lastWindowEnd !== undefined ? new Date(status.lastWindowEnd) : options.now;
  const from = new Date(end.getTime() - (options.windows ?? 60) * step);
  const open = status.anomalies ?? [];
  const [history, detections] = open.length > 0
    ? await Promise.all([source.readHistory(from, end), source.readDetections(from, end)])
    : [[], []];
  const historyByKey = new Map(history.map((s) => [anomalyKey(s), s]));
  const detectionsByKey = new Map<string, DetectionPoint[]>();
  for (const p of detections) detectionsByKey.set(anomalyKey(p), [...(detectionsByKey.get(anomalyKey(p)) ?? []), p]);

  const anomalies: ReportAnomaly[] = open.map((a) => {
    const key = anomalyKey(a);
    const points = detectionsByKey.get(key) ?? [];
    const modelLevel = a.category === 'model';
    const latest = points[points.length - 1];
    const { members, rollout, ...rest } = a;
    const anomaly: ReportAnomaly = { ...rest, series: reportSeries(historyByKey.get(key), points) };
    if (rollout !== undefined) anomaly.rollout = rollout.message;
    if (modelLevel) {
      anomaly.modelLevel = true;
      // The status ranks the features that moved; older statuses only have the stored subjects.
      if (members !== undefined && members.length > 0) {
        anomaly.members = members.map((m) => `${m.subject} ${m.statistic}: ${fmt(m.observed)} (expected ${fmt(m.expected)}, severity ${fmt(m.severity)})`);
      } else if (latest?.members !== undefined) anomaly.members = latest.members;
    }
    return anomaly;
  });
  return {
    monitor: {
      namespace: monitor.metadata.namespace ?? 'default',
      name: monitor.metadata.name,
      model: monitor.spec.model.name,
      version: monitor.spec.model.version,
      health: status.health ?? 'Unknown',
      lastRunTime: status.lastRunTime,
      mode: monitor.spec.mode ?? 'Enforce',
      ...coverageOf(status),
    },
    anomalies,
    runs: options.runs ?? [],
    threshold: options.threshold,
    generatedAt: options.now.toISOString(),
  };
}

/**
 * One chart's series on the union of the stored windows and the scored ones: the observed value
 * from the statistics (or, for a model-level series, from its scored points), the band and score
 * where the detector scored the window.
 */
export function reportSeries(history: StatSeries | undefined, points: readonly DetectionPoint[]): ReportSeries {
  const observed = new Map<number, number>();
  history?.times.forEach((t, i) => observed.set(t, history.values[i]));
  const scored = new Map(points.map((p) => [p.time, p]));
  for (const p of points) if (!observed.has(p.time)) observed.set(p.time, p.observed);
  const times = [...observed.keys()].sort((a, b) => a - b);
  const pick = (t: number, f: (p: DetectionPoint) => number): number | null => {
    const p = scored.get(t);
    return p === undefined || !Number.isFinite(f(p)) ? null : f(p);
  };
  return {
    time: times.map((t) => new Date(t).toISOString()),
    observed: times.map((t) => observed.get(t) ?? null),
    baseline: times.map((t) => pick(t, (p) => p.baseline)),
    lower: times.map((t) => pick(t, (p) => p.lower)),
    upper: times.map((t) => pick(t, (p) => p.upper)),
    score: times.map((t) => pick(t, (p) => p.score)),
    flagged: times.map((t) => scored.get(t)?.anomaly === true),
  };
}

type StatusFacts = Pick<ReportData['monitor'], 'scoredSeries' | 'totalSeries' | 'healthMessage' | 'dataProblems' | 'backtest' | 'precision30d'>;

/** What the status says of coverage, data quality, the backtest and feedback, for the page. */
function coverageOf(status: ModelMonitorStatus): StatusFacts {
  const out: StatusFacts = {};
  if (status.scoredSeries !== undefined && status.totalSeries !== undefined) {
    out.scoredSeries = status.scoredSeries;
    out.totalSeries = status.totalSeries;
  }
  const healthy = status.conditions?.find((c) => c.type === CONDITION_HEALTHY);
  if (healthy !== undefined && healthy.status !== 'True') out.healthMessage = healthy.message;
  const quality = status.conditions?.find((c) => c.type === CONDITION_DATA_QUALITY);
  if (quality !== undefined && quality.status === 'False') out.dataProblems = quality.message;
  if (status.backtest !== undefined) out.backtest = status.backtest.message;
  const precision = status.feedback?.last30d.precision;
  if (precision !== undefined) out.precision30d = precision;
  return out;
}

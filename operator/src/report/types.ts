/**
 * What a monitor's report page shows (docs/design.md §7). Built by the run (demo, `alertiger run`)
 * and by the operator's web server from the status and InfluxDB; rendered by render.ts.
 */

/** One statistic's recent history as the detector saw it; all arrays have the length of `time`. */
export interface ReportSeries {
  /** ISO times of the windows, oldest first. */
  time: string[];
  observed: (number | null)[];
  baseline: (number | null)[];
  lower: (number | null)[];
  upper: (number | null)[];
  /** Stage-2 anomaly score in [0, 1]; null where the point had too little history. */
  score: (number | null)[];
  /** Points kept as anomalous after the filters. */
  flagged: boolean[];
}

export interface ReportAnomaly {
  /** feature | score | label | model. */
  category: string;
  subject: string;
  statistic: string;
  /** |observed - baseline| / |upper - lower| at the latest flagged point. */
  severity: number;
  score: number;
  /** ISO time the anomaly started. */
  start: string;
  observed: number;
  expected: number;
  lower: number;
  upper: number;
  /** The anomaly's id (run/feedback.ts): the page shows the feedback command for it. */
  id?: string;
  /** A model-level (concurrency, ModelInputShift) anomaly: shown before the per-statistic ones. */
  modelLevel?: boolean;
  /** For a model-level anomaly: the subjects that moved together. */
  members?: string[];
  /** A segment anomaly's segment, whether it is confined to it, the segments grouped (docs/segments.md). */
  segment?: string;
  confined?: boolean;
  segments?: string[];
  /** The workload rollout it started shortly after (run/rollouts.ts): "started 2 h after revision 14: image x -> y". */
  rollout?: string;
  series: ReportSeries;
}

export interface ReportRun {
  time: string;
  health: string;
  anomalyCount: number;
  durationMs?: number;
  error?: string;
}

export interface ReportMonitor {
  namespace: string;
  name: string;
  model: string;
  version?: string;
  /** Healthy | Anomalous | Unknown | Failed. */
  health: string;
  lastRunTime?: string;
  /** Enforce | Shadow; a Shadow monitor sends no alerts, which the page says. */
  mode?: string;
  /** Series the last run scored, of those stored. */
  scoredSeries?: number;
  totalSeries?: number;
  /** Why the health is what it is when it is not plain (the Healthy condition's message). */
  healthMessage?: string;
  /** The DataQuality condition's message when it is False. */
  dataProblems?: string;
  /** The first run's backtest, in its own words (status.backtest.message). */
  backtest?: string;
  /** Incidents over judged alerts in the last 30 days (status.feedback); absent with no verdict. */
  precision30d?: number;
}

export interface ReportData {
  monitor: ReportMonitor;
  anomalies: ReportAnomaly[];
  runs: ReportRun[];
  /** The stage-2 score threshold, drawn as a line on the score panels. */
  threshold?: number;
  /** When the page was made (ISO); shown in the footer. */
  generatedAt?: string;
}

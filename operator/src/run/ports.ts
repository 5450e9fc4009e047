/**
 * What one run needs from the outside, as narrow ports. The job wires them to the monitor's
 * source, InfluxDB, the detector, Alertmanager and the Kubernetes status; `alertiger run` and
 * `alertiger demo` wire the same run to a local file, the embedded store and no cluster.
 */
import type { AnomalyStatus, BacktestStatus, ModelMonitor } from '../api/types.js';
import type { Logger } from '../log.js';
import type { PostableAlert } from '../alerting/payload.js';
import type { ScoringDetector } from './detect.js';
import type { ScoredPoint } from './episodes.js';
import type { FeedbackStore } from './feedback.js';
import type { WorkloadPort } from './rollouts.js';
import type { JobStatus } from './status.js';
import type { Window } from './windows.js';
import type { DataQualityReport } from '../stats/quality.js';

export type StatCategory = Exclude<AnomalyStatus['category'], 'model'>;

/** One statistic of one subject in one window (a field of one InfluxDB point). */
export interface StatValue {
  category: StatCategory;
  subject: string;
  statistic: string;
  value: number;
}

export interface WindowStatistics {
  window: Window;
  /** Rows the source held for the window (0: nothing was logged). */
  rows: number;
  values: StatValue[];
  /** The window's data quality (stats/quality.ts); the newest window of a read also holds the read's findings. */
  quality?: DataQualityReport;
}

/** The statistics of consecutive windows, from one read of the monitor's source. */
export interface StatisticsPort {
  /** One result per window, in order; a window with no rows has rows = 0. */
  windows(windows: readonly Window[]): Promise<WindowStatistics[]>;
}

/** One stored statistic's history on the window grid of the requested range. */
export interface StatSeries {
  category: StatCategory;
  subject: string;
  statistic: string;
  /** Window starts (ms) and values, oldest first; windows with no value are absent. */
  times: number[];
  values: number[];
}

/** A scored point written back next to the statistics: the report and dashboards read them. */
export interface DetectionPoint extends ScoredPoint {
  category: AnomalyStatus['category'];
  subject: string;
  statistic: string;
  /** A model-level point: the features whose anomalies it stands for. */
  members?: string[];
}

export interface RunStore {
  /**
   * Idempotent: a window written again replaces its points (same series, same timestamp). With
   * `category`, only that category's points are replaced and the others are kept (late labels).
   */
  writeStatistics(windows: WindowStatistics[], category?: StatCategory): Promise<void>;
  /** Every statistic of the monitor with a window start in [from, to). */
  readHistory(from: Date, to: Date): Promise<StatSeries[]>;
  writeDetections(points: DetectionPoint[]): Promise<void>;
  /** The scored points of earlier runs with a window start in [from, to), oldest first. */
  readDetections(from: Date, to: Date): Promise<DetectionPoint[]>;
}

export interface AlertPort {
  /** Posts alerts (firing and resolved) to the Alertmanager at `url`. */
  post(url: string, alerts: PostableAlert[]): Promise<void>;
}

export interface StatusPort {
  /** Writes the job's part of the monitor's status. */
  write(monitor: ModelMonitor, status: JobStatus): Promise<void>;
}

export interface RunDeps {
  statistics: StatisticsPort;
  store: RunStore;
  /** The detector (detector/detector.ts), loaded once per process. */
  detector: ScoringDetector;
  /**
   * This model version's share of all its model's traffic in the window starting at the given
   * time (the traffic-ratio filter); absent or undefined: unknown, nothing is suppressed.
   */
  trafficShare?: (windowStart: number) => Promise<number | undefined>;
  /** Absent: no Alertmanager (local runs). */
  alerts?: AlertPort;
  status: StatusPort;
  clock: () => Date;
  /**
   * The clock of alert times (endsAt, resolves): Alertmanager compares them with its own clock,
   * so a run replayed at another `clock` time still stamps alerts with the real time. Default: clock.
   */
  alertClock?: () => Date;
  logger: Logger;
  /** The default Alertmanager (spec.alerting.alertmanagerURL overrides it). */
  alertmanagerUrl?: string;
  /** Base of the report links; the monitor's page is `${reportUrl}/monitors/NS/NAME`. */
  reportUrl?: string;
  /** Retries of each dependency call (default 4) and the first backoff delay (default 1 s). */
  retries?: number;
  retryDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * A first run's backtest (local/backtest.ts): the detector replayed over the history the source
   * holds, up to the end of the run's newest window; `computed` are the windows the run already
   * read, so only older ones are read again. Absent: no backtest (replays, tests).
   */
  backtest?: (latestEnd: Date, computed: readonly WindowStatistics[]) => Promise<BacktestStatus>;
  /** Where feedback verdicts are stored and flagged episodes read (run/feedback.ts). Absent: no status.feedback. */
  feedback?: FeedbackStore;
  /** Reads the workload spec.model names (its rollouts and labels: run/rollouts.ts). Absent: not read (local runs). */
  workload?: WorkloadPort;
}

/**
 * The ModelMonitor resource (docs/design.md §2), group alertiger.io, version v1alpha1.
 * These types mirror crds/modelmonitors.alertiger.io.yaml; test/unit/api checks they agree.
 */
export const GROUP = 'alertiger.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'ModelMonitor';
export const PLURAL = 'modelmonitors';

export type Granularity = '1d' | '1h';
export type SensitivityWord = 'low' | 'medium' | 'high';
export type Mode = 'Enforce' | 'Shadow';
export type Health = 'Healthy' | 'Anomalous' | 'Unknown' | 'Failed';
export type FileFormat = 'jsonl' | 'csv' | 'parquet';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
}

export interface ModelRef {
  name: string;
  version?: string;
  deploymentRef?: { name: string };
}

export interface InfluxSource {
  measurement: string;
  database: string;
  /** Tag equality filters, ANDed. */
  where?: Record<string, string>;
  /** InfluxDB URL of the source; defaults to the operator's InfluxDB. */
  url?: string;
  /** A Secret in the monitor's namespace with `username` and `password` (or `token`). */
  credentialsSecretRef?: { name: string };
}

export interface FileSource {
  /** A local path or glob, or an http(s) URL. */
  path: string;
  format?: FileFormat;
}

export interface Source {
  influx?: InfluxSource;
  file?: FileSource;
}

export interface Schema {
  score?: string;
  label?: string;
  timestamp?: string;
  categorical?: string[];
  /** Glob patterns of fields that are not features. */
  exclude?: string[];
  /** Score threshold for `positive_rate`; 0.5 by default. */
  threshold?: number;
  /** classifier (AUC, log loss, calibration) or regressor (MAE, RMSE); inferred when absent. */
  task?: 'classification' | 'regression';
  /**
   * The label horizon, in windows: labels of a window may still arrive this many windows after
   * it closes. Each run recomputes the label statistics of these windows, and label anomalies are
   * scored only on windows older than the horizon. Default 7 for 1d, 48 for 1h (api/defaults.ts).
   */
  labelDelay?: number;
}

export interface Detection {
  /**
   * A word, or the stage-2 threshold in (0, 1) as a number or a numeric string ("0.3"); the CRD
   * admits both spellings. api/defaults.ts `sensitivityThreshold` turns either into the number.
   */
  sensitivity?: SensitivityWord | number | string;
  minSeverity?: number;
  duration?: { window: number; min: number };
  maxConcurrentFraction?: number;
  minTrafficRatio?: number;
  /** How severity and duration combine; AND by default (docs/design.md §6). Either case, as the CLI's `--combine`. */
  combine?: 'And' | 'Or' | 'and' | 'or';
}

export interface Alerting {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  alertmanagerURL?: string;
}

export interface ModelMonitorSpec {
  model: ModelRef;
  source: Source;
  schema?: Schema;
  granularity?: Granularity;
  schedule?: string;
  detection?: Detection;
  alerting?: Alerting;
  mode?: Mode;
  suspend?: boolean;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface AnomalyStatus {
  category: 'feature' | 'score' | 'label' | 'data' | 'model';
  subject: string;
  statistic: string;
  start: string;
  severity: number;
  score: number;
  observed: number;
  expected: number;
  lower: number;
  upper: number;
  /** A model-level anomaly: the features that moved together, most severe first. */
  members?: AnomalyMember[];
}

/** One feature statistic behind a model-level anomaly. */
export interface AnomalyMember {
  subject: string;
  statistic: string;
  severity: number;
  observed: number;
  expected: number;
}

/** A change a person accepted as the new normal (annotation alertiger.io/accept). */
export interface AcceptedChange {
  /** category/subject/statistic of the anomaly accepted. */
  key: string;
  /** When a run first saw the acceptance: history from here on is taken as observed. */
  since: string;
}

export interface ModelMonitorStatus {
  observedGeneration?: number;
  health?: Health;
  anomalyCount?: number;
  lastRunTime?: string;
  lastSuccessfulRunTime?: string;
  /** End of the last window whose statistics are stored; the next run starts here. */
  lastWindowEnd?: string;
  cronJobName?: string;
  conditions?: Condition[];
  anomalies?: AnomalyStatus[];
  /** Series the last run could score (enough history, enough rows) and series stored. */
  scoredSeries?: number;
  totalSeries?: number;
  accepted?: AcceptedChange[];
  /** What the first run's replay over the source's history says the monitor would have raised. */
  backtest?: BacktestStatus;
}

/** The backtest of a monitor's first run (local/backtest.ts). */
export interface BacktestStatus {
  /** When it ran, and the history it replayed: [from, to). */
  time: string;
  from: string;
  to: string;
  /** Weeks of that history in which the detector could score (enough history before). */
  scoredWeeks: number;
  /** The monitor's sensitivity at the time. */
  sensitivity: string;
  /** Alerts (anomaly episodes) it would have raised at that sensitivity, and per week. */
  alerts?: number;
  alertsPerWeek?: number;
  /** Alerts per week at each sensitivity word. */
  bySensitivity?: Record<SensitivityWord, number>;
  /** The most sensitive word at or under one alert a week; absent when none is. */
  suggestedSensitivity?: SensitivityWord;
  /** The most severe of those episodes. */
  anomalies?: BacktestAnomaly[];
  message: string;
}

export interface BacktestAnomaly {
  category: AnomalyStatus['category'];
  subject: string;
  statistic: string;
  start: string;
  /** The start of the last window it was open in; absent while open at the backtest's end. */
  end?: string;
  severity: number;
}

export interface ModelMonitor {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: ModelMonitorSpec;
  status?: ModelMonitorStatus;
}

/** Most anomalies kept on the status; the rest are in InfluxDB and the report. */
export const MAX_STATUS_ANOMALIES = 20;
/** Most members listed on a model-level anomaly. */
export const MAX_ANOMALY_MEMBERS = 20;
/** Most accepted changes remembered on the status. */
export const MAX_ACCEPTED = 100;
/** The annotation by which a person accepts open anomalies as the new normal. */
export const ACCEPT_ANNOTATION = 'alertiger.io/accept';

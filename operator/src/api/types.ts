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
  /** Kept for compatibility: the same as workloadRef {kind: Deployment} (run/rollouts.ts). */
  deploymentRef?: { name: string };
  /** The workload serving the model, in the monitor's namespace: its rollouts and routing labels (docs/rollouts.md). */
  workloadRef?: WorkloadRef;
}

/** Kinds whose rollouts a run reads: apps/v1 Deployment and StatefulSet, KServe (serving.kserve.io) InferenceService (docs/rollouts.md). */
export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'InferenceService';

export interface WorkloadRef {
  kind: WorkloadKind;
  name: string;
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
  /**
   * Categorical columns whose top-K values get their own score and label statistics, the other
   * values pooled in one `(other)` segment (docs/segments.md). At most MAX_SEGMENT_COLUMNS.
   */
  segments?: SegmentColumn[];
}

/** One segment column: its top-K values (1..MAX_SEGMENT_TOP_K, 5 by default) are tracked. */
export interface SegmentColumn {
  column: string;
  topK?: number;
}

/** Bounds of spec.schema.segments: a monitor stores at most 3 x (20 + 1) segment subjects. */
export const MAX_SEGMENT_COLUMNS = 3;
export const MAX_SEGMENT_TOP_K = 20;

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
  /** A retrained detector in a ConfigMap of the monitor's namespace (docs/feedback.md); the pretrained one when absent. */
  model?: DetectorModelRef;
}

/** Where a monitor's detector model comes from: `alertiger train --feedback --configmap`. */
export interface DetectorModelRef {
  configMapRef: { name: string };
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
  /** How a run spreads over Pods (docs/sharding.md). */
  scale?: Scale;
}

/** spec.scale: how many Pods (shards) one run's statistics are read by. */
export interface Scale {
  /** 1..64; 1 (the default) is today's single-Pod run. */
  shards?: number;
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
  /** Short stable id (run/feedback.ts anomalyId): what feedback.alertiger.io/<id> annotations name. */
  id?: string;
  /** A model-level anomaly: the features that moved together, most severe first. */
  members?: AnomalyMember[];
  /** The rollout of the model's workload this anomaly started shortly after (run/rollouts.ts). */
  rollout?: AnomalyRollout;
  /** The segment (`column=value`) of an anomaly on a segment series (docs/segments.md). */
  segment?: string;
  /** True when the statistic is anomalous in this segment only: no other segment is. */
  confined?: boolean;
  /** The segments anomalous on the same statistic, grouped into this one anomaly (docs/segments.md). */
  segments?: string[];
}

export interface AnomalyRollout {
  revision: number;
  /** When the revision was rolled out. */
  time: string;
  /** "started 2 h after revision 14: image x -> y". */
  message: string;
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
  /** Feedback by kubectl (docs/feedback.md): verdicts counted over 30 and 90 days, annotations rejected. */
  feedback?: FeedbackStatus;
  /** The model's workload as the last run read it (spec.model.workloadRef): rollouts, routing labels, or why unread. */
  workload?: WorkloadStatus;
}

/** The workload serving the model, read by the job at run time (k8s/workload.ts). */
export interface WorkloadStatus {
  kind: WorkloadKind;
  name: string;
  /** Routing labels (team, owner) of the workload, inherited by alerts unless spec.alerting.labels sets them. */
  labels?: Record<string, string>;
  /** The newest rollouts, newest first, at most MAX_STATUS_ROLLOUTS. */
  rollouts?: Rollout[];
  /** Why the workload could not be read (NotFound, Forbidden, NotInstalled, PredictorNotFound, Unreadable); absent when it was. */
  reason?: string;
  message?: string;
}

/** One revision of a workload: a Deployment's ReplicaSet, a StatefulSet's ControllerRevision, or an InferenceService predictor's Knative Revision or ReplicaSet. */
export interface Rollout {
  revision: number;
  /** When the revision was created (the object's creationTimestamp). */
  time: string;
  images: ContainerImage[];
}

export interface ContainerImage {
  container: string;
  image: string;
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
/** Most rollouts of the model's workload kept on the status. */
export const MAX_STATUS_ROLLOUTS = 5;
/** Most accepted changes remembered on the status. */
export const MAX_ACCEPTED = 100;
/** The annotation by which a person accepts open anomalies as the new normal. */
export const ACCEPT_ANNOTATION = 'alertiger.io/accept';

/** status.feedback: what people said of the alerts (annotations feedback.alertiger.io/<id>; run/feedback.ts). */
export interface FeedbackStatus {
  /** Anomalies that started in the last 30 and 90 days. */
  last30d: FeedbackCounts;
  last90d: FeedbackCounts;
  /** Feedback annotations the job could not use, and why (at most 20). */
  rejected?: FeedbackRejection[];
}

export interface FeedbackCounts {
  incidents: number;
  falseAlarms: number;
  /** Anomaly episodes with no verdict. */
  unlabelled: number;
  /** incidents / (incidents + falseAlarms); absent with no verdict. */
  precision?: number;
}

export interface FeedbackRejection {
  /** The annotation's key. */
  annotation: string;
  message: string;
}

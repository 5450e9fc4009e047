/**
 * Alertmanager v2 alert payloads built from a ModelMonitor's status (docs/design.md §7). Pure: the
 * same monitor and options give the same alerts, so the job (after a run) and the operator (its
 * periodic re-send) post identical labels and Alertmanager dedupes them instead of paging twice.
 */
import { granularityMs, HOUR_MS } from '../api/granularity.js';
import type { AnomalyStatus, Granularity, ModelMonitor } from '../api/types.js';
import { OPERATOR_ALERT_LABELS } from '../api/validate.js';
import { segmentHeadline, segmentPhrase } from '../api/segments.js';

/** The body Alertmanager's `POST /api/v2/alerts` takes, one element per alert. */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
}

export interface AlertOptions {
  now: Date;
  /**
   * How long the alert stays firing if it is not re-sent. Alertmanager resolves an alert at
   * endsAt, so this must reach past the next run or re-send, or a live anomaly would flap.
   */
  endsAfterMs: number;
  /** The monitor's report page, linked from every alert. */
  reportUrl?: string;
}

export const ALERTNAME_ANOMALY = 'ModelHealthAnomaly';
/** A model-level alert raised by the concurrency filter: many features shifted at once. */
export const ALERTNAME_INPUT_SHIFT = 'ModelInputShift';
/** Severity (deviation in band widths) from which an alert is `critical` rather than `warning`. */
export const CRITICAL_SEVERITY = 2;

/** The labels that identify an alert; spec labels cannot override them (dedupe depends on it). */
const IDENTITY_LABELS = OPERATOR_ALERT_LABELS;

export function severityLevel(severity: number): 'warning' | 'critical' {
  return severity >= CRITICAL_SEVERITY ? 'critical' : 'warning';
}

/** The key of one anomalous (subject, statistic) of a monitor; one alert per key. */
export function anomalyKey(a: Pick<AnomalyStatus, 'category' | 'subject' | 'statistic'>): string {
  return `${a.category}/${a.subject}/${a.statistic}`;
}

/**
 * One alert per anomaly on the status (the status list is bounded and sorted most severe first,
 * so a duplicate key keeps its most severe entry). Shadow mode sends nothing: returns [].
 */
export function alertsForStatus(monitor: ModelMonitor, options: AlertOptions): PostableAlert[] {
  return alertsForAnomalies(monitor, monitor.status?.anomalies ?? [], options);
}

/** One alert per anomaly given (most severe first: a duplicate key keeps the first). */
export function alertsForAnomalies(monitor: ModelMonitor, anomalies: readonly AnomalyStatus[], options: AlertOptions): PostableAlert[] {
  if (monitor.spec.mode === 'Shadow') return [];
  const seen = new Set<string>();
  const alerts: PostableAlert[] = [];
  for (const anomaly of anomalies) {
    const key = anomalyKey(anomaly);
    if (seen.has(key)) continue;
    seen.add(key);
    alerts.push(alertFor(monitor, anomaly, options));
  }
  return alerts;
}

export function alertFor(monitor: ModelMonitor, anomaly: AnomalyStatus, options: AlertOptions): PostableAlert {
  const alert: PostableAlert = {
    labels: alertLabels(monitor, anomaly),
    annotations: alertAnnotations(monitor, anomaly, options.reportUrl),
    startsAt: anomaly.start,
    endsAt: new Date(options.now.getTime() + options.endsAfterMs).toISOString(),
  };
  if (options.reportUrl !== undefined && options.reportUrl !== '') alert.generatorURL = options.reportUrl;
  return alert;
}

/**
 * The alerts of `previous` that are absent from `current`, with endsAt = now: Alertmanager marks
 * them resolved and sends the resolve notification. Matching is by labels, as Alertmanager does.
 */
export function resolvedAlerts(previous: PostableAlert[], current: PostableAlert[], now: Date): PostableAlert[] {
  const open = new Set(current.map((a) => labelsKey(a.labels)));
  return previous
    .filter((a) => !open.has(labelsKey(a.labels)))
    .map((a) => ({ ...a, endsAt: now.toISOString() }));
}

/** Labels in a canonical order: Alertmanager's fingerprint ignores order, tests and logs do not. */
export function alertLabels(monitor: ModelMonitor, anomaly: AnomalyStatus): Record<string, string> {
  const core: Record<string, string> = {
    alertname: anomaly.category === 'model' ? ALERTNAME_INPUT_SHIFT : ALERTNAME_ANOMALY,
    severity: severityLevel(anomaly.severity),
    namespace: monitor.metadata.namespace ?? 'default',
    monitor: monitor.metadata.name,
    model: monitor.spec.model.name,
    // Alertmanager drops empty label values; leaving the label out keeps the fingerprint stable.
    model_version: monitor.spec.model.version ?? '',
    category: anomaly.category,
    subject: anomaly.subject,
    statistic: anomaly.statistic,
  };
  const labels: Record<string, string> = {};
  const extra = extraLabels(monitor);
  for (const name of Object.keys(extra).sort()) {
    if (!(IDENTITY_LABELS as readonly string[]).includes(name) && extra[name] !== '') labels[name] = extra[name];
  }
  for (const name of IDENTITY_LABELS) if (core[name] !== '') labels[name] = core[name];
  // A segment anomaly (docs/segments.md): its subject already tells it apart; the label is for routing.
  if (anomaly.segment !== undefined) labels.segment = anomaly.segment;
  return sortKeys(labels);
}

/**
 * spec.alerting.labels over the routing labels the last run read from the model's workload
 * (status.workload.labels: team, owner; docs/rollouts.md). A spec label set to "" still counts as
 * set: it keeps the inherited value off the alert.
 */
function extraLabels(monitor: ModelMonitor): Record<string, string> {
  return { ...(monitor.status?.workload?.labels ?? {}), ...(monitor.spec.alerting?.labels ?? {}) };
}

function alertAnnotations(monitor: ModelMonitor, anomaly: AnomalyStatus, reportUrl: string | undefined): Record<string, string> {
  const who = `${monitor.metadata.namespace ?? 'default'}/${monitor.metadata.name}`;
  const since = `severity ${fmt(anomaly.severity)} band widths, anomaly score ${fmt(anomaly.score)}, since ${anomaly.start}.`;
  // A model-level anomaly (concurrency filter): observed is the share of features anomalous at
  // once and the band's upper edge the share the spec tolerates.
  const [summary, description] = anomaly.category === 'model'
    ? [
      `${who}: ${percent(anomaly.observed)} of the features of model ${monitor.spec.model.name} are anomalous at once${memberSubjects(anomaly)} (an upstream or pipeline change?)`,
      `${percent(anomaly.observed)} of the features are anomalous in the same window, above the ${percent(anomaly.upper)} ` +
        `that maxConcurrentFraction tolerates. ${membersLine(anomaly)}Most severe member: ${since}`,
    ]
    : segmentPhrase(anomaly) !== ''
    ? [
      `${who}: ${segmentHeadline(anomaly)}: ${fmt(anomaly.observed)}, expected ${fmt(anomaly.expected)}`,
      `${anomaly.statistic} of ${anomaly.category} ${anomaly.subject} observed ${fmt(anomaly.observed)}, ` +
        `expected ${fmt(anomaly.expected)} within [${fmt(anomaly.lower)}, ${fmt(anomaly.upper)}]; ${since}`,
    ]
    : [
      `${who}: ${anomaly.category} ${anomaly.subject}: ${anomaly.statistic} is ${fmt(anomaly.observed)}, expected ${fmt(anomaly.expected)}`,
      `${anomaly.statistic} of ${anomaly.category} ${anomaly.subject} observed ${fmt(anomaly.observed)}, ` +
        `expected ${fmt(anomaly.expected)} within [${fmt(anomaly.lower)}, ${fmt(anomaly.upper)}]; ${since}`,
    ];
  // A rollout just before the anomaly is the first thing on-call should know: it leads the summary's tail too.
  const headline = anomaly.rollout !== undefined ? `${summary} (${anomaly.rollout.message})` : summary;
  const annotations: Record<string, string> = { ...(monitor.spec.alerting?.annotations ?? {}), summary: headline, description };
  if (anomaly.rollout !== undefined) annotations.rollout = anomaly.rollout.message;
  if (reportUrl !== undefined && reportUrl !== '') annotations.report_url = reportUrl;
  Object.assign(annotations, feedbackAnnotations(monitor, anomaly));
  return sortKeys(annotations);
}

/**
 * The anomaly's id and the two commands that give feedback on it (docs/feedback.md), ready to
 * copy from Alertmanager; none for an anomaly without an id (a status from before ids).
 */
export function feedbackAnnotations(monitor: ModelMonitor, anomaly: AnomalyStatus): Record<string, string> {
  if (anomaly.id === undefined || anomaly.id === '') return {};
  const command = (verdict: string): string =>
    `kubectl -n ${monitor.metadata.namespace ?? 'default'} annotate --overwrite modelmonitor ${monitor.metadata.name} feedback.alertiger.io/${anomaly.id}=${verdict}`;
  return { anomaly_id: anomaly.id, feedback_incident: command('incident'), feedback_false_alarm: command('false-alarm') };
}

/** ": a, b, c and 4 more": the distinct features of a model-level anomaly, most severe first. */
function memberSubjects(anomaly: AnomalyStatus): string {
  const subjects = [...new Set((anomaly.members ?? []).map((m) => m.subject))];
  if (subjects.length === 0) return '';
  const shown = subjects.slice(0, 3);
  return `: ${shown.join(', ')}${subjects.length > shown.length ? ` and ${subjects.length - shown.length} more` : ''}`;
}

/** The features behind a model-level anomaly, most severe first, for the alert's description. */
function membersLine(anomaly: AnomalyStatus): string {
  const members = anomaly.members ?? [];
  if (members.length === 0) return 'The per-feature anomalies are in the report. ';
  const shown = members.slice(0, 8).map((m) => `${m.subject} ${m.statistic} ${fmt(m.observed)} (expected ${fmt(m.expected)})`);
  return `Moved: ${shown.join('; ')}${members.length > shown.length ? `; and ${members.length - shown.length} more` : ''}. `;
}

function percent(share: number): string {
  return `${fmt(Math.round(share * 1000) / 10)}%`;
}

/** The Alertmanager a monitor's alerts go to (its own, else the configured one), or undefined when none is. */
export function alertTarget(monitor: ModelMonitor, fallback: string | undefined): string | undefined {
  const own = monitor.spec.alerting?.alertmanagerURL;
  if (own !== undefined && own !== '') return own;
  return fallback !== undefined && fallback !== '' ? fallback : undefined;
}

/**
 * How long a run's firing alert lives without another send: past the next scheduled run (two
 * windows and an hour), so a live anomaly does not lapse between runs; the operator's re-send
 * never sets a shorter one (Alertmanager keeps the latest endsAt).
 */
export function runAlertLifetime(granularity: Granularity): number {
  return 2 * granularityMs(granularity) + HOUR_MS;
}

/** The report page of a monitor under the operator's report base URL (the server serves it there). */
export function monitorReportUrl(base: string | undefined, monitor: ModelMonitor): string | undefined {
  if (base === undefined || base === '') return undefined;
  return `${base.replace(/\/+$/, '')}/monitors/${monitor.metadata.namespace ?? 'default'}/${monitor.metadata.name}`;
}

/** A number short enough for a pager line and exact enough to compare with the band. */
export function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e6 || abs < 1e-3) return value.toExponential(3).replace(/\.?0+e/, 'e');
  return String(Number(value.toPrecision(4)));
}

function labelsKey(labels: Record<string, string>): string {
  return JSON.stringify(sortKeys(labels));
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

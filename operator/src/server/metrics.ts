/**
 * The operator's Prometheus metrics, on a registry passed in (never prom-client's global one),
 * all prefixed `alertiger_`, with bounded labels: result and reason are stable codes, namespace
 * and monitor name one series per monitor.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { CONDITION_LAST_RUN, CONDITION_READY } from '../api/conditions.js';
import { defaultSchedule } from '../api/cron.js';
import { DEFAULTS } from '../api/defaults.js';
import type { Health, ModelMonitor } from '../api/types.js';
import type { RequestStats } from '../k8s/port.js';
import { ScheduleGaps } from './schedule.js';

export const METRIC_PREFIX = 'alertiger_';

/** monitor_health values. */
const HEALTH_VALUE: Readonly<Record<Health, number>> = { Healthy: 0, Anomalous: 1, Unknown: 2, Failed: 3 };

export class OperatorMetrics {
  readonly reconciles: Counter<'result'>;
  readonly reconcileErrors: Counter<'reason'>;
  readonly reconcileDuration: Histogram<never>;
  readonly queueDepth: Gauge<never>;
  readonly monitorHealth: Gauge<'namespace' | 'monitor'>;
  readonly openAnomalies: Gauge<'namespace' | 'monitor'>;
  readonly isLeader: Gauge<never>;
  private readonly registers: Registry[];

  constructor(registry: Registry) {
    const registers = [registry];
    this.registers = registers;
    this.reconciles = new Counter({
      name: `${METRIC_PREFIX}reconciles_total`, help: 'Reconcile passes by result (synced, invalid, blocked, deleting, deleted, error).',
      labelNames: ['result'], registers,
    });
    this.reconcileErrors = new Counter({
      name: `${METRIC_PREFIX}reconcile_errors_total`, help: 'Failed reconcile passes by error code.',
      labelNames: ['reason'], registers,
    });
    this.reconcileDuration = new Histogram({
      name: `${METRIC_PREFIX}reconcile_duration_seconds`, help: 'Duration of one reconcile pass.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers,
    });
    this.queueDepth = new Gauge({ name: `${METRIC_PREFIX}queue_depth`, help: 'Monitors waiting to be reconciled.', registers });
    this.monitorHealth = new Gauge({
      name: `${METRIC_PREFIX}monitor_health`, help: 'Health of each monitor: 0 healthy, 1 anomalous, 2 unknown, 3 failed.',
      labelNames: ['namespace', 'monitor'], registers,
    });
    this.openAnomalies = new Gauge({
      name: `${METRIC_PREFIX}monitor_open_anomalies`, help: 'Open anomalies of each monitor after filtering.',
      labelNames: ['namespace', 'monitor'], registers,
    });
    this.isLeader = new Gauge({ name: `${METRIC_PREFIX}leader`, help: '1 when this replica holds the leader lease.', registers });
  }

  /** Sets a monitor's gauges from its status (no status yet: unknown, no anomalies). */
  setMonitor(namespace: string, monitor: string, health: Health | undefined, openAnomalies: number | undefined): void {
    this.monitorHealth.set({ namespace, monitor }, HEALTH_VALUE[health ?? 'Unknown']);
    this.openAnomalies.set({ namespace, monitor }, openAnomalies ?? 0);
  }

  /**
   * `alertiger_kube_requests_total{type}`: the API requests the operator made (read, list,
   * watch, write, lease_write), and `alertiger_kube_writes_total{kind}` its writes by object
   * kind, read from the port's counters at scrape time.
   */
  trackRequests(stats: () => RequestStats): void {
    new Counter({
      name: `${METRIC_PREFIX}kube_requests_total`,
      help: 'Requests to the Kubernetes API by type (read, list, watch, write, lease_write).',
      labelNames: ['type'],
      registers: this.registers,
      collect() {
        const s = stats();
        this.reset();
        for (const [type, value] of [['read', s.reads], ['list', s.lists], ['watch', s.watches], ['write', s.writes], ['lease_write', s.leaseWrites]] as const) {
          this.inc({ type }, value);
        }
      },
    });
    new Counter({
      name: `${METRIC_PREFIX}kube_writes_total`,
      help: 'Writes to the Kubernetes API by object kind (CronJob, ModelMonitor/status, Event, and the job identity\'s ServiceAccount, Role, RoleBinding); Lease renewals apart.',
      labelNames: ['kind'],
      registers: this.registers,
      collect() {
        this.reset();
        for (const [kind, value] of Object.entries(stats().writesByKind)) this.inc({ kind }, value);
      },
    });
  }

  /**
   * The per-monitor facts the chart's PrometheusRule and dashboard alert on, read from the
   * operator's informer cache at scrape time (so a deleted monitor's series go with it):
   * - `alertiger_monitor_ready` 1 when the operator's Ready condition is True, else 0;
   * - `alertiger_monitor_last_run_succeeded` 1/0 from the job's LastRunSucceeded condition (absent before a run);
   * - `alertiger_monitor_last_run_timestamp_seconds` and `alertiger_monitor_last_success_timestamp_seconds`
   *   from status.lastRunTime and status.lastSuccessfulRunTime (absent until there is one);
   * - `alertiger_monitor_created_timestamp_seconds`, so a monitor that never succeeded can be stale too;
   * - `alertiger_monitor_schedule_interval_seconds`: the longest gap between two runs of its
   *   schedule (absent when suspended or the schedule never fires), the unit of staleness.
   * Every replica exports them from its own cache: aggregate with max by (namespace, monitor).
   */
  trackMonitors(list: () => Iterable<ModelMonitor>): void {
    const gaps = new ScheduleGaps();
    // The cache replaces an object when it changes, so facts are computed once per version, not per gauge and scrape.
    const known = new WeakMap<ModelMonitor, MonitorFacts>();
    const factsOf = (m: ModelMonitor): MonitorFacts => {
      let facts = known.get(m);
      if (facts === undefined) known.set(m, facts = monitorFacts(m, gaps));
      return facts;
    };
    const gauge = (name: keyof MonitorFacts, metric: string, help: string): void => {
      new Gauge({
        name: `${METRIC_PREFIX}${metric}`, help, labelNames: ['namespace', 'monitor'], registers: this.registers,
        collect() {
          this.reset();
          for (const m of list()) {
            const value = factsOf(m)[name];
            if (value !== undefined) this.set({ namespace: m.metadata.namespace ?? '', monitor: m.metadata.name }, value);
          }
        },
      });
    };
    gauge('ready', 'monitor_ready', "1 when the operator's Ready condition of the monitor is True, else 0.");
    gauge('lastRunSucceeded', 'monitor_last_run_succeeded', "1 when the monitor's last job run succeeded, 0 when it failed (LastRunSucceeded condition).");
    gauge('lastRun', 'monitor_last_run_timestamp_seconds', 'Unix time of the last job run of the monitor (status.lastRunTime).');
    gauge('lastSuccess', 'monitor_last_success_timestamp_seconds', 'Unix time of the last successful job run of the monitor (status.lastSuccessfulRunTime).');
    gauge('created', 'monitor_created_timestamp_seconds', 'Unix time the monitor was created.');
    gauge('scheduleInterval', 'monitor_schedule_interval_seconds', "Longest time between two runs of the monitor's schedule; absent when suspended.");
    this.trackFeedback(list);
  }

  /**
   * Feedback by kubectl (docs/feedback.md), from each cached monitor's status.feedback:
   * - `alertiger_alert_precision{window="30d"|"90d"}`: incidents / (incidents + false alarms), absent with no feedback;
   * - `alertiger_alert_feedback{window, verdict="incident"|"false_alarm"|"unlabelled"}`: anomalies by verdict;
   * - `alertiger_feedback_rejected`: feedback annotations the last run could not use.
   */
  trackFeedback(list: () => Iterable<ModelMonitor>): void {
    const registers = this.registers;
    const windows = [['30d', 'last30d'], ['90d', 'last90d']] as const;
    new Gauge({
      name: `${METRIC_PREFIX}alert_precision`, help: 'Share of the alerts people marked incident among those they marked (incident or false alarm), by anomaly start window.',
      labelNames: ['namespace', 'monitor', 'window'], registers,
      collect() {
        this.reset();
        for (const m of list()) {
          for (const [window, field] of windows) {
            const precision = m.status?.feedback?.[field]?.precision;
            if (precision !== undefined) this.set({ namespace: m.metadata.namespace ?? '', monitor: m.metadata.name, window }, precision);
          }
        }
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}alert_feedback`, help: 'Anomalies of the window by the verdict people gave (incident, false_alarm) or unlabelled.',
      labelNames: ['namespace', 'monitor', 'window', 'verdict'], registers,
      collect() {
        this.reset();
        for (const m of list()) {
          for (const [window, field] of windows) {
            const counts = m.status?.feedback?.[field];
            if (counts === undefined) continue;
            const labels = { namespace: m.metadata.namespace ?? '', monitor: m.metadata.name, window };
            this.set({ ...labels, verdict: 'incident' }, counts.incidents);
            this.set({ ...labels, verdict: 'false_alarm' }, counts.falseAlarms);
            this.set({ ...labels, verdict: 'unlabelled' }, counts.unlabelled);
          }
        }
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}feedback_rejected`, help: 'Feedback annotations of the monitor its last run could not use (status.feedback.rejected).',
      labelNames: ['namespace', 'monitor'], registers,
      collect() {
        this.reset();
        for (const m of list()) {
          const feedback = m.status?.feedback;
          if (feedback !== undefined) this.set({ namespace: m.metadata.namespace ?? '', monitor: m.metadata.name }, feedback.rejected?.length ?? 0);
        }
      },
    });
  }

  /** Drops a deleted monitor's series, so the gauges count live monitors only. */
  removeMonitor(namespace: string, monitor: string): void {
    this.monitorHealth.remove({ namespace, monitor });
    this.openAnomalies.remove({ namespace, monitor });
  }
}

/** What trackMonitors exports of one monitor; undefined leaves the series out. */
export interface MonitorFacts {
  ready: number;
  lastRunSucceeded: number | undefined;
  lastRun: number | undefined;
  lastSuccess: number | undefined;
  created: number | undefined;
  scheduleInterval: number | undefined;
}

/** The metric values of one cached monitor (pure apart from the gap cache). */
export function monitorFacts(monitor: ModelMonitor, gaps: ScheduleGaps): MonitorFacts {
  const condition = (type: string): string | undefined => monitor.status?.conditions?.find((c) => c.type === type)?.status;
  const seconds = (time: string | undefined): number | undefined => {
    const ms = time === undefined ? NaN : Date.parse(time);
    return Number.isNaN(ms) ? undefined : ms / 1000;
  };
  const lastRun = condition(CONDITION_LAST_RUN);
  const spec = monitor.spec ?? {};
  const schedule = spec.schedule ?? defaultSchedule(spec.granularity ?? DEFAULTS.granularity);
  return {
    ready: condition(CONDITION_READY) === 'True' ? 1 : 0,
    lastRunSucceeded: lastRun === 'True' ? 1 : lastRun === 'False' ? 0 : undefined,
    lastRun: seconds(monitor.status?.lastRunTime),
    lastSuccess: seconds(monitor.status?.lastSuccessfulRunTime),
    created: seconds(monitor.metadata.creationTimestamp),
    scheduleInterval: spec.suspend === true ? undefined : gaps.get(schedule),
  };
}

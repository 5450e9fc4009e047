/**
 * The operator's Prometheus metrics, on a registry passed in (never prom-client's global one),
 * all prefixed `alertiger_`, with bounded labels: result and reason are stable codes, namespace
 * and monitor name one series per monitor.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Health } from '../api/types.js';
import type { RequestStats } from '../k8s/port.js';

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
   * watch, write, lease_write), read from the port's counters at scrape time.
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
  }

  /** Drops a deleted monitor's series, so the gauges count live monitors only. */
  removeMonitor(namespace: string, monitor: string): void {
    this.monitorHealth.remove({ namespace, monitor });
    this.openAnomalies.remove({ namespace, monitor });
  }
}

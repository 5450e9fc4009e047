/**
 * `startOperator`: the whole operator in-process (caches, workers, leader election, HTTP server),
 * given its configuration and a KubePort. The `operator` command calls it with the client-node
 * adapter; tests and the benchmark call it against the test API server.
 */
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import type { ModelMonitor } from '../api/types.js';
import type { OperatorConfig } from '../config.js';
import { jobTemplateConfig } from '../jobs/index.js';
import type { KubePort } from '../k8s/port.js';
import { createLogger, type Logger } from '../log.js';
import { reportTokenSource } from '../server/access.js';
import { createApp, listen, type ReportHandler } from '../server/app.js';
import { METRIC_PREFIX, OperatorMetrics } from '../server/metrics.js';
import { alertmanagerHooks, type AlertHooks } from './alerts.js';
import { Controller } from './controller.js';
import { LeaderElector } from './leader.js';

export interface OperatorDeps {
  port: KubePort;
  log?: Logger;
  /** Defaults to posting to the configured Alertmanager with operator/src/alerting. */
  alerts?: AlertHooks;
  /** Serves `/monitors/:ns/:name/report`; 404 without one. */
  reportHandler?: ReportHandler;
  /** Defaults to a new registry with the process metrics. */
  registry?: Registry;
  /** The replica's identity in the Lease. */
  identity: string;
}

export interface RunningOperator {
  /** The HTTP server's port (useful with a :0 listen address). */
  httpPort: number;
  registry: Registry;
  controller: Controller;
  isLeader(): boolean;
  /** Why the operator is not ready, or undefined. */
  notReadyReason(): string | undefined;
  /** Stops everything; a leader releases its Lease unless `release` is false (a crash). */
  stop(options?: { release?: boolean }): Promise<void>;
}

export async function startOperator(config: OperatorConfig, deps: OperatorDeps): Promise<RunningOperator> {
  const log = deps.log ?? createLogger({ context: { component: 'operator' } });
  const registry = deps.registry ?? new Registry();
  if (deps.registry === undefined) collectDefaultMetrics({ register: registry });
  const metrics = new OperatorMetrics(registry);
  metrics.trackRequests(() => deps.port.stats());
  const alerts = deps.alerts ?? alertmanagerHooks({
    alertmanagerUrl: config.alertmanagerUrl, reportUrl: config.reportUrl, resendIntervalMs: config.resendInterval, log,
  });
  const controller = new Controller({
    port: deps.port, config, job: jobTemplateConfig(config), log, metrics, alerts, identity: deps.identity,
  });
  metrics.trackMonitors(() => controller.monitors.list());
  let elector: LeaderElector | undefined;
  const notReadyReason = (): string | undefined => {
    if (!controller.synced()) return 'caches not synced';
    if (elector !== undefined && !elector.stateKnown()) return 'leader election state unknown';
    // A replica that cannot even reach its Lease would never lead: say so rather than look fine.
    const leaseProblem = elector?.problem();
    if (leaseProblem !== undefined) return leaseProblem;
    return undefined;
  };
  const server = await listen(createApp({
    registry,
    notReadyReason,
    lookupMonitor: (ns, name): ModelMonitor | undefined => controller.monitors.get(ns, name),
    ...(deps.reportHandler ? { reportHandler: deps.reportHandler } : {}),
    reportToken: reportTokenSource(config),
  }), config.listen.host, config.listen.port);
  const syncStarted = Date.now();
  try {
    await controller.start();
    log.info('Caches synced', { durationMs: Date.now() - syncStarted, monitors: controller.monitors.list().length });
  } catch (err) {
    await server.close();
    throw err;
  }
  if (config.leaderElect) {
    const leaseErrors = new Counter({
      name: `${METRIC_PREFIX}leader_election_errors_total`,
      help: 'Failed attempts to read or write the leader Lease, by error code (a lost race is not counted).',
      labelNames: ['reason'], registers: [registry],
    });
    elector = new LeaderElector({
      port: deps.port,
      namespace: config.operatorNamespace,
      name: config.leaseName,
      identity: deps.identity,
      leaseDurationMs: config.leaseDuration,
      renewDeadlineMs: config.renewDeadline,
      retryPeriodMs: config.retryPeriod,
      log,
      onStartedLeading: () => controller.setLeading(true),
      onStoppedLeading: () => controller.setLeading(false),
      onError: (reason) => leaseErrors.inc({ reason }),
    });
    elector.start();
  } else {
    controller.setLeading(true);
  }
  log.info('Operator started', {
    identity: deps.identity, namespaces: config.namespaces.length > 0 ? config.namespaces : 'all', httpPort: server.port, leaderElection: config.leaderElect,
  });
  return {
    httpPort: server.port,
    registry,
    controller,
    isLeader: () => (elector === undefined ? true : elector.isLeader()),
    notReadyReason,
    async stop(options = {}) {
      await elector?.stop(options.release ?? true);
      await controller.stop();
      await server.close();
      log.info('Operator stopped', { identity: deps.identity });
    },
  };
}

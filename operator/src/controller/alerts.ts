/**
 * The operator's two alerting duties (docs/design.md §7), as hooks the controller calls:
 * - re-send: Alertmanager forgets an alert that is not re-sent and loses everything on restart,
 *   so the leader re-posts every monitor's open anomalies from its status on an interval;
 * - resolve: when a monitor is deleted, its open alerts are resolved (endsAt = now).
 * The payloads come from operator/src/alerting, the same builder the job uses, so labels match
 * and Alertmanager dedupes instead of paging twice.
 */
import { DEFAULTS } from '../api/defaults.js';
import type { Granularity, ModelMonitor } from '../api/types.js';
import { alertsForStatus, alertTarget, monitorReportUrl, postAlerts, runAlertLifetime, type PostableAlert } from '../alerting/index.js';
import type { Logger } from '../log.js';

export interface AlertHooks {
  /** Re-posts the open anomalies of these monitors (Shadow monitors send nothing). */
  resend(monitors: readonly ModelMonitor[], now: Date): Promise<void>;
  /** Resolves every open alert of a deleted monitor. */
  resolve(monitor: ModelMonitor, now: Date): Promise<void>;
}

export interface AlertmanagerHookOptions {
  /** The operator's Alertmanager; a monitor's spec.alerting.alertmanagerURL overrides it. */
  alertmanagerUrl?: string;
  reportUrl?: string;
  resendIntervalMs: number;
  log: Logger;
  post?: typeof postAlerts;
}

/**
 * How long a re-sent alert lives without another re-send: at least three intervals (one missed
 * re-send, a leader change, does not resolve a live anomaly), and never shorter than the run
 * itself sets (two windows and an hour, operator/src/run): Alertmanager keeps the latest endsAt,
 * so a shorter one here would let a live anomaly lapse whenever the operator is down.
 */
export function resendLifetime(resendIntervalMs: number, granularity: Granularity = DEFAULTS.granularity): number {
  return Math.max(3 * resendIntervalMs, runAlertLifetime(granularity));
}

/** Groups alerts by Alertmanager, one post per target. */
export function resendBatches(monitors: readonly ModelMonitor[], options: Omit<AlertmanagerHookOptions, 'log' | 'post'>, now: Date): Map<string, PostableAlert[]> {
  const batches = new Map<string, PostableAlert[]>();
  for (const monitor of monitors) {
    const target = alertTarget(monitor, options.alertmanagerUrl);
    if (target === undefined || monitor.metadata.deletionTimestamp !== undefined) continue;
    const endsAfterMs = resendLifetime(options.resendIntervalMs, monitor.spec.granularity ?? DEFAULTS.granularity);
    const alerts = alertsForStatus(monitor, { now, endsAfterMs, reportUrl: monitorReportUrl(options.reportUrl, monitor) });
    if (alerts.length === 0) continue;
    batches.set(target, [...(batches.get(target) ?? []), ...alerts]);
  }
  return batches;
}

export function alertmanagerHooks(options: AlertmanagerHookOptions): AlertHooks {
  const post = options.post ?? postAlerts;
  return {
    async resend(monitors, now) {
      const batches = resendBatches(monitors, options, now);
      const failures: unknown[] = [];
      for (const [target, alerts] of batches) {
        try {
          await post(target, alerts);
          options.log.debug('Re-sent open alerts', { alertmanager: target, alerts: alerts.length });
        } catch (err) {
          failures.push(err);
          options.log.warn('Could not re-send alerts', { alertmanager: target, alerts: alerts.length, error: (err as Error).message });
        }
      }
      if (failures.length > 0) throw failures[0];
    },
    async resolve(monitor, now) {
      const target = alertTarget(monitor, options.alertmanagerUrl);
      if (target === undefined) return;
      const open = alertsForStatus(monitor, { now, endsAfterMs: 0, reportUrl: monitorReportUrl(options.reportUrl, monitor) });
      if (open.length === 0) return;
      await post(target, open.map((a) => ({ ...a, endsAt: now.toISOString() })));
      options.log.info('Resolved the alerts of a deleted monitor', { monitor: `${monitor.metadata.namespace}/${monitor.metadata.name}`, alerts: open.length });
    },
  };
}

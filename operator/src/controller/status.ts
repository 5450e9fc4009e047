/**
 * The operator's share of a ModelMonitor's status, and how it is written.
 *
 * Field ownership (server-side apply on the status subresource, one field manager each):
 * - `alertiger-operator` (this controller) owns `observedGeneration`, `cronJobName` and the
 *   `Ready` entry of `conditions` (a list-map keyed by type): is the monitor's CronJob in place
 *   for the current spec, and if not, why.
 * - `alertiger-job` (the run, operator/src/run/status.ts) owns `health`, `anomalyCount`,
 *   `anomalies`, `lastRunTime`, `lastSuccessfulRunTime`, `lastWindowEnd` and the `Healthy` and
 *   `LastRunSucceeded` and `DataQuality` conditions (and `scoredSeries`, `totalSeries`, `accepted`).
 * Each side applies only its own fields, so neither can erase the other's, and neither needs a
 * read-modify-write. The controller reads the job's fields only to raise Events and metrics.
 */
import type { Condition, ModelMonitor, ModelMonitorStatus } from '../api/types.js';
import { API_VERSION, KIND } from '../api/types.js';
import { contentHash } from '../jobs/hash.js';
import type { KubeObject } from '../k8s/types.js';

import { CONDITION_READY, setCondition } from '../api/conditions.js';

/** Reasons of the Ready condition (stable CamelCase words). */
export const REASONS = {
  reconciled: 'Reconciled',
  invalidSpec: 'InvalidSpec',
} as const;

export type ReadyCondition = Omit<Condition, 'type' | 'lastTransitionTime'>;

/** What the operator wants its status fields to say. */
export interface OperatorStatus {
  observedGeneration: number;
  cronJobName?: string;
  ready: ReadyCondition;
}

/** The facts the operator owns, as found on a live status (undefined when absent). */
export function observedOperatorStatus(status: ModelMonitorStatus | undefined): OperatorStatus | undefined {
  const ready = status?.conditions?.find((c) => c.type === CONDITION_READY);
  if (status === undefined || ready === undefined) return undefined;
  const out: OperatorStatus = {
    observedGeneration: status.observedGeneration ?? -1,
    ready: { status: ready.status, reason: ready.reason, message: ready.message, observedGeneration: ready.observedGeneration },
  };
  if (status.cronJobName !== undefined) out.cronJobName = status.cronJobName;
  return out;
}

/** A hash of the operator's status facts; equal hashes mean no status write is needed. */
export function operatorStatusHash(status: OperatorStatus | undefined): string | undefined {
  return status === undefined ? undefined : contentHash(status);
}

/**
 * The status-subresource apply body: only the fields the operator owns. lastTransitionTime is
 * kept from the live condition when the status value did not change.
 */
export function statusApplyBody(monitor: ModelMonitor, desired: OperatorStatus, now: Date): KubeObject {
  const condition = setCondition(monitor.status?.conditions ?? [], { type: CONDITION_READY, ...desired.ready }, now);
  const status: ModelMonitorStatus = { observedGeneration: desired.observedGeneration, conditions: [condition] };
  if (desired.cronJobName !== undefined) status.cronJobName = desired.cronJobName;
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name: monitor.metadata.name, namespace: monitor.metadata.namespace },
    status,
  };
}

/** Ready=False for a pass whose writes failed: the reason is the error's stable code. */
export function failedStatus(monitor: ModelMonitor, cronJobName: string | undefined, code: string, message: string): OperatorStatus {
  const generation = monitor.metadata.generation ?? 0;
  const out: OperatorStatus = {
    observedGeneration: generation,
    ready: { status: 'False', reason: code, message: message.slice(0, 1000), observedGeneration: generation },
  };
  if (cronJobName !== undefined) out.cronJobName = cronJobName;
  return out;
}

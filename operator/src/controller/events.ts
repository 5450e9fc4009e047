/**
 * Kubernetes Events for what a user should notice on `kubectl describe mm`: the CronJob created
 * or updated, an invalid spec, a failed run, anomalies found. An Event's name is derived from
 * what it reports, so a restarted operator, or a second pass over the same state, creates it at
 * most once (the API server answers 409 for the copy).
 */
import type { ModelMonitor } from '../api/types.js';
import { API_VERSION, KIND } from '../api/types.js';
import { contentHash } from '../jobs/hash.js';
import type { KubeObject } from '../k8s/types.js';

export const EVENT_REASONS = {
  cronJobUpdated: 'CronJobUpdated',
  invalidSpec: 'InvalidSpec',
  runFailed: 'RunFailed',
  anomalyFound: 'AnomalyFound',
} as const;

export interface EventSpec {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** What makes this occurrence distinct (same key, same Event). */
  key: string;
}

const EVENT_SOURCE = 'alertiger-operator';

export function eventName(monitor: ModelMonitor, spec: EventSpec): string {
  const prefix = monitor.metadata.name.slice(0, 200).replace(/[.-]+$/, '');
  return `${prefix}.${contentHash([monitor.metadata.uid ?? '', spec.reason, spec.key])}`;
}

export function buildEvent(monitor: ModelMonitor, spec: EventSpec, now: Date, identity: string): KubeObject {
  const time = now.toISOString();
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: eventName(monitor, spec), namespace: monitor.metadata.namespace },
    involvedObject: {
      apiVersion: API_VERSION,
      kind: KIND,
      name: monitor.metadata.name,
      namespace: monitor.metadata.namespace,
      uid: monitor.metadata.uid,
      resourceVersion: monitor.metadata.resourceVersion,
    },
    type: spec.type,
    reason: spec.reason,
    message: spec.message.slice(0, 1024),
    source: { component: EVENT_SOURCE },
    reportingComponent: EVENT_SOURCE,
    reportingInstance: identity,
    firstTimestamp: time,
    lastTimestamp: time,
    count: 1,
  };
}

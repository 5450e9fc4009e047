import { API_VERSION, KIND } from '../api/types.js';
import type { OwnerReference } from '../k8s/types.js';
import type { MonitorIdentity } from './input.js';

/**
 * The controller owner reference to the monitor: garbage collection deletes the children with
 * it, and `blockOwnerDeletion` keeps a foreground deletion of the monitor waiting for them.
 */
export function ownerReference(monitor: MonitorIdentity): OwnerReference {
  return { apiVersion: API_VERSION, kind: KIND, name: monitor.name, uid: monitor.uid, controller: true, blockOwnerDeletion: true };
}

/** The monitor a child belongs to, from its controller owner reference. */
export function ownerMonitor(obj: { metadata: { namespace?: string; ownerReferences?: OwnerReference[] } }): string | undefined {
  const ref = obj.metadata.ownerReferences?.find((r) => r.controller === true && r.kind === KIND && r.apiVersion === API_VERSION);
  return ref === undefined ? undefined : `${obj.metadata.namespace ?? ''}/${ref.name}`;
}

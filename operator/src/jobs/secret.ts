/**
 * The mirror of the operator's InfluxDB credentials in a monitor's namespace, owned by the
 * monitor. The job's pod reads it by secretKeyRef, so credentials never appear in the
 * ModelMonitor or the CronJob, and the job's ServiceAccount needs no right to read Secrets.
 */
import type { V1Secret } from '@kubernetes/client-node';
import type { KubeObject } from '../k8s/types.js';
import { withHash } from './hash.js';
import { childLabels, childName, MONITOR_ANNOTATION } from './names.js';
import type { ChildrenInput } from './input.js';
import { ownerReference } from './owner.js';

export function buildCredentialsSecret(input: ChildrenInput & { credentials: Record<string, string> }): KubeObject {
  const { monitor } = input;
  const data: Record<string, string> = {};
  for (const key of Object.keys(input.credentials).sort()) data[key] = input.credentials[key]!;
  const secret: V1Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: childName(monitor.name),
      namespace: monitor.namespace,
      labels: childLabels(),
      annotations: { [MONITOR_ANNOTATION]: `${monitor.namespace}/${monitor.name}` },
      ownerReferences: [ownerReference(monitor)],
    },
    type: 'Opaque',
    data,
  };
  return withHash(secret as unknown as KubeObject);
}

/**
 * The jobs' identity, one per namespace: a ServiceAccount `alertiger-job`, a Role that lets it get
 * the namespace's ModelMonitors and write their status, and read the workloads monitors name
 * (get Deployments, StatefulSets and KServe InferenceServices, list ReplicaSets, ControllerRevisions
 * and Knative Revisions: their rollouts),
 * nothing more, and the RoleBinding between
 * them. One per namespace rather than one per monitor because the namespace is the boundary
 * anyway: any Pod in a namespace may run as any ServiceAccount of that namespace, so whoever can
 * create Pods there already holds every per-monitor identity (docs/security.md). The objects have
 * no owner: the operator creates them when a namespace has monitors and deletes them when its last
 * monitor goes (controller/reconciler.ts). The operator holds a superset of these rules, which the
 * API server requires before it lets it grant them.
 */
import type { V1ObjectMeta, V1Role, V1RoleBinding, V1ServiceAccount } from '@kubernetes/client-node';
import type { KubeObject } from '../k8s/types.js';
import { GROUP, PLURAL } from '../api/types.js';
import { withHash } from './hash.js';
import { identityLabels, JOB_IDENTITY } from './names.js';

function identityMeta(namespace: string): V1ObjectMeta {
  return { name: JOB_IDENTITY, namespace, labels: identityLabels() };
}

// Each object is typed as its client-node class so the compiler checks field names.
const asObject = (obj: V1ServiceAccount | V1Role | V1RoleBinding): KubeObject => withHash(obj as unknown as KubeObject);

/** The identity every job of `namespace` runs as, in apply order (the account before the grant). */
export function buildJobIdentity(namespace: string): KubeObject[] {
  const sa: V1ServiceAccount = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: identityMeta(namespace) };
  const role: V1Role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: identityMeta(namespace),
    rules: [
      { apiGroups: [GROUP], resources: [PLURAL], verbs: ['get'] },
      { apiGroups: [GROUP], resources: [`${PLURAL}/status`], verbs: ['patch', 'update'] },
      // spec.model.workloadRef: the workload and its revisions, read-only (k8s/workload.ts, docs/rollouts.md).
      { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['get'] },
      { apiGroups: ['apps'], resources: ['replicasets', 'controllerrevisions'], verbs: ['list'] },
      // A KServe InferenceService and its predictor's Knative Revisions (k8s/kserve.ts); fine without their CRDs.
      { apiGroups: ['serving.kserve.io'], resources: ['inferenceservices'], verbs: ['get'] },
      { apiGroups: ['serving.knative.dev'], resources: ['revisions'], verbs: ['list'] },
    ],
  };
  const binding: V1RoleBinding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: identityMeta(namespace),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: JOB_IDENTITY },
    subjects: [{ kind: 'ServiceAccount', name: JOB_IDENTITY, namespace }],
  };
  return [asObject(sa), asObject(role), asObject(binding)];
}

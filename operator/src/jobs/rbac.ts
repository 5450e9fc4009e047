/**
 * The job's identity: a ServiceAccount per monitor, and a Role that lets it read its own
 * ModelMonitor and write that monitor's status, nothing more (docs/design.md §3). The operator holds
 * a superset of these rules, which the API server requires before it lets it grant them.
 */
import type { V1ObjectMeta, V1Role, V1RoleBinding, V1ServiceAccount } from '@kubernetes/client-node';
import type { KubeObject } from '../k8s/types.js';
import { GROUP, PLURAL } from '../api/types.js';
import { withHash } from './hash.js';
import { childLabels, childName, MONITOR_ANNOTATION } from './names.js';
import type { ChildrenInput } from './input.js';
import { ownerReference } from './owner.js';

function childMeta(input: ChildrenInput): V1ObjectMeta {
  const { monitor } = input;
  return {
    name: childName(monitor.name),
    namespace: monitor.namespace,
    labels: childLabels(),
    annotations: { [MONITOR_ANNOTATION]: `${monitor.namespace}/${monitor.name}` },
    ownerReferences: [ownerReference(monitor)],
  };
}

// Each object is typed as its client-node class so the compiler checks field names.
const asObject = (obj: V1ServiceAccount | V1Role | V1RoleBinding): KubeObject => withHash(obj as unknown as KubeObject);

export function buildServiceAccount(input: ChildrenInput): KubeObject {
  const sa: V1ServiceAccount = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: childMeta(input) };
  return asObject(sa);
}

export function buildRole(input: ChildrenInput): KubeObject {
  const name = input.monitor.name;
  const role: V1Role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: childMeta(input),
    rules: [
      { apiGroups: [GROUP], resources: [PLURAL], resourceNames: [name], verbs: ['get'] },
      { apiGroups: [GROUP], resources: [`${PLURAL}/status`], resourceNames: [name], verbs: ['patch', 'update'] },
    ],
  };
  return asObject(role);
}

export function buildRoleBinding(input: ChildrenInput): KubeObject {
  const name = childName(input.monitor.name);
  const binding: V1RoleBinding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: childMeta(input),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ kind: 'ServiceAccount', name, namespace: input.monitor.namespace }],
  };
  return asObject(binding);
}

/** Everything the operator owns for one monitor, in the order it is applied. */
import type { KubeObject } from '../k8s/types.js';
import { buildCronJob } from './cronjob.js';
import type { ChildrenInput } from './input.js';
import { buildRole, buildRoleBinding, buildServiceAccount } from './rbac.js';
import { buildCredentialsSecret } from './secret.js';

export type { ChildrenInput, JobSpecInput, JobTemplateConfig, MonitorIdentity } from './input.js';
export { jobTemplateConfig } from './input.js';
export { childName, childLabels, FIELD_MANAGER, MANAGED_SELECTOR } from './names.js';
export { HASH_ANNOTATION, contentHash, hashOf, stableStringify, withHash } from './hash.js';
export { ownerMonitor, ownerReference } from './owner.js';
export { buildCronJob } from './cronjob.js';
export { fingerprint } from './fingerprint.js';

/**
 * The children in apply order: identity and rights first, the CronJob last, so a run never
 * starts before its ServiceAccount can read the monitor.
 */
export function buildChildren(input: ChildrenInput): KubeObject[] {
  const objects: KubeObject[] = [buildServiceAccount(input), buildRole(input), buildRoleBinding(input)];
  if (input.credentials !== undefined) objects.push(buildCredentialsSecret({ ...input, credentials: input.credentials }));
  objects.push(buildCronJob(input));
  return objects;
}

/** Everything the operator owns for one monitor, and the per-namespace job identity. */
import type { KubeObject } from '../k8s/types.js';
import { buildCronJob } from './cronjob.js';
import type { ChildrenInput } from './input.js';

export type { ChildrenInput, JobSpecInput, JobTemplateConfig, MonitorIdentity } from './input.js';
export { jobTemplateConfig } from './input.js';
export { childName, childLabels, FIELD_MANAGER, JOB_IDENTITY, MANAGED_SELECTOR } from './names.js';
export { HASH_ANNOTATION, contentHash, hashOf, stableStringify, withHash } from './hash.js';
export { ownerMonitor, ownerReference } from './owner.js';
export { buildCronJob } from './cronjob.js';
export { cacheView, fingerprint } from './fingerprint.js';
export { buildJobIdentity } from './rbac.js';

/**
 * A monitor's own objects: its CronJob, and nothing else. The identity it runs as is the
 * namespace's (`buildJobIdentity`), and its credentials are a Secret the user keeps, so a monitor
 * costs one object write and one status write.
 */
export function buildChildren(input: ChildrenInput): KubeObject[] {
  return [buildCronJob(input)];
}

/**
 * Names and labels of the objects the operator creates: a monitor's CronJob has a deterministic
 * name, and so has the per-namespace job identity, so a restarted operator finds what an earlier
 * one created and never makes a second copy.
 */
import { createHash } from 'node:crypto';

export const CHILD_SUFFIX = '-alertiger';
/** The API server refuses longer CronJob names (the Job name adds 11 characters, a label max 63). */
export const MAX_CRONJOB_NAME = 52;
const HASH_LENGTH = 8;

export { FIELD_MANAGER } from '../k8s/field-managers.js';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'alertiger-operator';
/** Selects every object the operator owns (informers watch only these). */
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;
export const MONITOR_ANNOTATION = 'alertiger.io/monitor';
/** The ServiceAccount, Role and RoleBinding every job of a namespace runs as (jobs/rbac.ts). */
export const JOB_IDENTITY = 'alertiger-job';

/**
 * `<monitor>-alertiger`, or when that exceeds 52 characters, the monitor name cut short plus a
 * hash of the whole name (so two long names sharing a prefix still differ).
 */
export function childName(monitorName: string): string {
  const plain = `${monitorName}${CHILD_SUFFIX}`;
  if (plain.length <= MAX_CRONJOB_NAME) return plain;
  const hash = createHash('sha256').update(monitorName).digest('hex').slice(0, HASH_LENGTH);
  const keep = MAX_CRONJOB_NAME - CHILD_SUFFIX.length - HASH_LENGTH - 1;
  // A cut may end on '.' or '-', which a DNS name may not; "a.-b" is invalid too.
  const head = monitorName.slice(0, keep).replace(/[.-]+$/, '');
  return `${head}-${hash}${CHILD_SUFFIX}`;
}

/** Labels on every child: the standard app labels, so `kubectl get -l` finds them. */
export function childLabels(): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'alertiger',
    'app.kubernetes.io/component': 'monitor-job',
    [MANAGED_BY_LABEL]: MANAGED_BY,
  };
}

/** Labels of the per-namespace job identity. */
export function identityLabels(): Record<string, string> {
  return { ...childLabels(), 'app.kubernetes.io/component': 'job-identity' };
}

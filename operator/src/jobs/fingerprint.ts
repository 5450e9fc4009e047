/**
 * A fingerprint of the fields of a child that the operator sets and the API server never
 * defaults: the CronJob's schedule, suspension, policy, identity and job container; a Role's
 * rules; a RoleBinding's role and subjects. The hash annotation tells whether the operator's
 * *input* changed; the fingerprint tells whether *someone else* changed the live object (a
 * `kubectl edit` of the schedule, a rule added to the job's Role), so that drift is put right
 * without rewriting unchanged objects.
 *
 * Only fields the operator writes are read: a field another client added and the operator does
 * not set survives a server-side apply, so counting it would make every pass "fix" it again.
 */
import { contentHash } from './hash.js';
import { JOB_CONTAINER } from './cronjob.js';

interface Container {
  name?: string;
  image?: string;
  args?: unknown;
  command?: unknown;
  env?: { name: string }[];
  securityContext?: Record<string, unknown>;
}

interface Fingerprintable {
  kind: string;
  metadata: { ownerReferences?: { uid: string }[] };
  [field: string]: unknown;
}

const POD_SECURITY = ['runAsNonRoot', 'runAsUser', 'runAsGroup', 'fsGroup', 'seccompProfile'];
const CONTAINER_SECURITY = ['allowPrivilegeEscalation', 'privileged', 'readOnlyRootFilesystem', 'runAsNonRoot', 'capabilities'];

function pick(record: Record<string, unknown> | undefined, keys: readonly string[]): unknown[] {
  return keys.map((k) => record?.[k] ?? null);
}

/** The fingerprint of a built or live child; undefined for kinds without one. */
export function fingerprint(obj: Fingerprintable): string | undefined {
  const owners = (obj.metadata.ownerReferences ?? []).map((r) => r.uid);
  switch (obj.kind) {
    case 'CronJob': {
      const spec = (obj.spec ?? {}) as Record<string, unknown>;
      const template = ((spec.jobTemplate as { spec?: { template?: { spec?: Record<string, unknown> } } } | undefined)?.spec?.template?.spec ?? {});
      const job = ((template.containers ?? []) as Container[]).find((c) => c.name === JOB_CONTAINER);
      const env = (job?.env ?? []).filter((e) => e.name.startsWith('ALERTIGER_'));
      return contentHash([
        owners, spec.schedule, spec.timeZone ?? null, spec.suspend ?? false, spec.concurrencyPolicy,
        template.serviceAccountName, pick(template.securityContext as Record<string, unknown> | undefined, POD_SECURITY),
        job === undefined ? null : [job.image, job.command ?? null, job.args ?? null, env, pick(job.securityContext, CONTAINER_SECURITY)],
      ]);
    }
    case 'Role':
      return contentHash([owners, obj.rules ?? []]);
    case 'RoleBinding':
      return contentHash([owners, obj.roleRef, obj.subjects ?? []]);
    default:
      return undefined;
  }
}

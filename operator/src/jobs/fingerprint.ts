/**
 * A fingerprint of the fields of a child that the operator sets and the API server never
 * defaults: the CronJob's schedule, suspension, policy, identity and job container; a Role's
 * rules; a RoleBinding's role and subjects. The hash annotation tells whether the operator's
 * *input* changed; the fingerprint tells whether *someone else* changed the live object (a
 * `kubectl edit` of the schedule, a rule added to the job's Role), so that drift is put right
 * without rewriting unchanged objects.
 *
 * The CronJob is owned whole: a field the operator does not set at all (a `command`, a sidecar,
 * a hostPath volume) cannot be compared with anything built, so the fingerprint also names every
 * other field manager that owns part of the spec (`metadata.managedFields`; the API server's own
 * defaulting has no manager, the CronJob controller writes only `status`). The operator's repair
 * is a replace of the whole object, which drops those fields and with them the foreign manager.
 */
import { FIELD_MANAGER } from '../k8s/field-managers.js';
import type { KubeObject } from '../k8s/types.js';
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

interface ManagedFields {
  manager?: string;
  subresource?: string;
  fieldsV1?: Record<string, unknown>;
}

interface Fingerprintable {
  kind: string;
  metadata: { ownerReferences?: { uid: string }[]; managedFields?: unknown[] };
  [field: string]: unknown;
}

/** Managers other than the operator that own fields of the spec, sorted (none on a built object). */
export function foreignSpecManagers(obj: Fingerprintable): string[] {
  const managers = ((obj.metadata.managedFields ?? []) as ManagedFields[])
    .filter((m) => m.manager !== FIELD_MANAGER && (m.subresource ?? '') === '' && m.fieldsV1?.['f:spec'] !== undefined)
    .map((m) => m.manager ?? '');
  return [...new Set(managers)].sort();
}

const POD_SECURITY = ['runAsNonRoot', 'runAsUser', 'runAsGroup', 'fsGroup', 'seccompProfile'];
const CONTAINER_SECURITY = ['allowPrivilegeEscalation', 'privileged', 'readOnlyRootFilesystem', 'runAsNonRoot', 'capabilities'];

function pick(record: Record<string, unknown> | undefined, keys: readonly string[]): unknown[] {
  return keys.map((k) => record?.[k] ?? null);
}

/** Where a cached object keeps the fingerprint taken before the rest of it was dropped. */
const CACHED_FINGERPRINT = 'alertigerFingerprint';

/**
 * What the controller's cache keeps of a live CronJob: its identity, labels, annotations (the hash),
 * owner and fingerprint. At 10,000 monitors the whole objects, with their managed fields, would be
 * most of the operator's memory, and the controller reads nothing else of them.
 */
export function cacheView(obj: KubeObject): KubeObject {
  const { name, namespace, uid, resourceVersion, labels, annotations, ownerReferences } = obj.metadata;
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: { name, namespace, uid, resourceVersion, labels, annotations, ownerReferences },
    [CACHED_FINGERPRINT]: fingerprint(obj),
  };
}

/**
 * Fingerprints already taken, by object: every pass compares the same cached live objects and the
 * same built identity objects again. Objects from the cache and from the builders are never
 * changed in place (a change is a new object), so identity is a safe key.
 */
const taken = new WeakMap<object, string | undefined>();

/** The fingerprint of a built or live child (or of a cache view); undefined for kinds without one. */
export function fingerprint(obj: Fingerprintable): string | undefined {
  const cached = obj[CACHED_FINGERPRINT];
  if (typeof cached === 'string') return cached;
  if (taken.has(obj)) return taken.get(obj);
  const value = computeFingerprint(obj);
  taken.set(obj, value);
  return value;
}

function computeFingerprint(obj: Fingerprintable): string | undefined {
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
        foreignSpecManagers(obj),
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

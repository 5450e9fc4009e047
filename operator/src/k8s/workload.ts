/**
 * The job's read of the workload that serves its model (docs/rollouts.md): a Deployment and its
 * ReplicaSets, or a StatefulSet and its ControllerRevisions, in the monitor's namespace. Each
 * revision is one rollout: its number, its creationTimestamp and its pod template's images.
 *
 * The job reads them at run time rather than the operator through informers: a run needs them
 * once a window, the job's Role grants get/list on those kinds in its own namespace only, and the
 * rollouts ride on the job's status apply, so there is no extra write and no cache of every
 * Deployment of the cluster in the operator's memory.
 *
 * A workload that is missing or unreadable is no failure of the run: the status says why
 * (reason NotFound, Forbidden or the API error's code) and the anomalies go without rollouts.
 */
import { AppsV1Api, type KubeConfig } from '@kubernetes/client-node';
import { MAX_STATUS_ROLLOUTS, type ContainerImage, type Rollout, type WorkloadRef, type WorkloadStatus } from '../api/types.js';
import { withRetry } from '../retry.js';
import { routingLabels, type WorkloadObservation, type WorkloadPort } from '../run/rollouts.js';
import { KubeApiError, isRetryable, toKubeError } from './errors.js';

/** The annotation in which the deployment controller numbers a ReplicaSet's revision. */
export const DEPLOYMENT_REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

/** The fields read, as plain JSON: enough of a Deployment, StatefulSet, ReplicaSet or ControllerRevision. */
export interface PlainMeta {
  name?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string | Date;
  ownerReferences?: { uid: string; controller?: boolean }[];
}

interface PlainContainer {
  name: string;
  image?: string;
}

interface PlainPodTemplate {
  spec?: { containers?: PlainContainer[] };
}

export interface PlainWorkload {
  metadata?: PlainMeta;
  spec?: { selector?: { matchLabels?: Record<string, string> } };
}

export interface PlainReplicaSet {
  metadata?: PlainMeta;
  spec?: { template?: PlainPodTemplate };
}

export interface PlainControllerRevision {
  metadata?: PlainMeta;
  revision?: number;
  /** For a StatefulSet, a patch holding spec.template. */
  data?: unknown;
}

function ownedBy(meta: PlainMeta | undefined, uid: string | undefined): boolean {
  return uid !== undefined && (meta?.ownerReferences ?? []).some((o) => o.uid === uid && o.controller === true);
}

function imagesOf(template: PlainPodTemplate | undefined): ContainerImage[] {
  // At most 20, as the CRD bounds status.workload.rollouts[].images.
  return (template?.spec?.containers ?? []).slice(0, 20).map((c) => ({ container: c.name, image: c.image ?? '' }));
}

function timeOf(meta: PlainMeta | undefined): string | undefined {
  const t = meta?.creationTimestamp;
  if (t === undefined) return undefined;
  const ms = new Date(t).getTime();
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** A Deployment's rollouts: the ReplicaSets it controls, numbered by the deployment controller. */
export function deploymentRollouts(deployment: PlainWorkload, replicaSets: readonly PlainReplicaSet[]): Rollout[] {
  const rollouts: Rollout[] = [];
  for (const rs of replicaSets) {
    if (!ownedBy(rs.metadata, deployment.metadata?.uid)) continue;
    const revision = Number(rs.metadata?.annotations?.[DEPLOYMENT_REVISION_ANNOTATION]);
    const time = timeOf(rs.metadata);
    if (!Number.isInteger(revision) || time === undefined) continue;
    rollouts.push({ revision, time, images: imagesOf(rs.spec?.template) });
  }
  return rollouts;
}

/** A StatefulSet's rollouts: its ControllerRevisions, whose data holds the pod template. */
export function statefulSetRollouts(statefulSet: PlainWorkload, revisions: readonly PlainControllerRevision[]): Rollout[] {
  const rollouts: Rollout[] = [];
  for (const cr of revisions) {
    if (!ownedBy(cr.metadata, statefulSet.metadata?.uid)) continue;
    const time = timeOf(cr.metadata);
    if (!Number.isInteger(cr.revision) || time === undefined) continue;
    const template = (cr.data as { spec?: { template?: PlainPodTemplate } } | undefined)?.spec?.template;
    rollouts.push({ revision: cr.revision!, time, images: imagesOf(template) });
  }
  return rollouts;
}

/** The observation of a workload read: the newest rollouts and its routing labels on the status. */
export function observed(ref: WorkloadRef, workload: PlainWorkload, rollouts: Rollout[]): WorkloadObservation {
  const newest = [...rollouts].sort((a, b) => b.revision - a.revision);
  const labels = routingLabels(workload.metadata?.labels);
  const status: WorkloadStatus = { kind: ref.kind, name: ref.name, ...(labels !== undefined ? { labels } : {}) };
  if (newest.length > 0) status.rollouts = newest.slice(0, MAX_STATUS_ROLLOUTS);
  return { status, rollouts: newest };
}

/** The observation of a workload that could not be read, saying why. */
export function unread(ref: WorkloadRef, namespace: string, err: unknown): WorkloadObservation {
  const status = err instanceof KubeApiError ? err.status : 0;
  const [reason, message] = status === 404
    ? ['NotFound', `${ref.kind} ${namespace}/${ref.name} not found: spec.model.workloadRef names no workload; anomalies go without rollouts`]
    : status === 403
      ? ['Forbidden', `the job may not read ${ref.kind} ${namespace}/${ref.name} (its Role alertiger-job grants get and list on them; docs/security.md): ${errMessage(err)}`]
      : [err instanceof KubeApiError ? err.code : 'Unreadable', `could not read ${ref.kind} ${namespace}/${ref.name}: ${errMessage(err)}`];
  return { status: { kind: ref.kind, name: ref.name, reason, message: message.slice(0, 1000) }, rollouts: [] };
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** "a=b,c=d": a selector's matchLabels (the owner check keeps only the workload's own revisions). */
export function labelSelector(workload: PlainWorkload): string | undefined {
  const labels = workload.spec?.selector?.matchLabels ?? {};
  const parts = Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`);
  return parts.length > 0 ? parts.join(',') : undefined;
}

export interface WorkloadReaderOptions {
  retries?: number;
  retryDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** The job's workload port over client-node: reads in `namespace` only. */
export function kubeWorkloadReader(kc: KubeConfig, namespace: string, options: WorkloadReaderOptions = {}): WorkloadPort {
  const api = kc.makeApiClient(AppsV1Api);
  const call = <T>(what: string, fn: () => Promise<T>): Promise<T> => withRetry(async () => {
    try {
      return await fn();
    } catch (err) {
      throw toKubeError(what, err);
    }
  }, { retries: options.retries ?? 3, initialDelayMs: options.retryDelayMs ?? 500, maxDelayMs: 4000, retryable: isRetryable, sleep: options.sleep });
  const plain = <T>(value: unknown): T => JSON.parse(JSON.stringify(value)) as T;
  return async (ref) => {
    try {
      if (ref.kind === 'Deployment') {
        const d = plain<PlainWorkload>(await call(`get Deployment ${namespace}/${ref.name}`, () => api.readNamespacedDeployment({ namespace, name: ref.name })));
        const list = await call(`list ReplicaSets of ${namespace}/${ref.name}`, () => api.listNamespacedReplicaSet({ namespace, labelSelector: labelSelector(d) }));
        return observed(ref, d, deploymentRollouts(d, plain<{ items: PlainReplicaSet[] }>(list).items));
      }
      const s = plain<PlainWorkload>(await call(`get StatefulSet ${namespace}/${ref.name}`, () => api.readNamespacedStatefulSet({ namespace, name: ref.name })));
      const list = await call(`list ControllerRevisions of ${namespace}/${ref.name}`, () => api.listNamespacedControllerRevision({ namespace, labelSelector: labelSelector(s) }));
      return observed(ref, s, statefulSetRollouts(s, plain<{ items: PlainControllerRevision[] }>(list).items));
    } catch (err) {
      return unread(ref, namespace, err);
    }
  };
}

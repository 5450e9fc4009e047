/**
 * The job's read of the workload that serves its model (docs/rollouts.md): a Deployment and its
 * ReplicaSets, a StatefulSet and its ControllerRevisions, or a KServe InferenceService and its
 * predictor's Knative Revisions or Deployment (kserve.ts), in the monitor's namespace. Each
 * revision is one rollout: its number, its creationTimestamp and its pod template's images.
 *
 * The job reads them at run time rather than the operator through informers: a run needs them
 * once a window, the job's Role grants get/list on those kinds in its own namespace only, and the
 * rollouts ride on the job's status apply, so there is no extra write and no cache of every
 * Deployment of the cluster in the operator's memory.
 *
 * A workload that is missing or unreadable is no failure of the run: the status says why
 * (reason NotFound, NotInstalled, Forbidden, PredictorNotFound or the API error's code) and the
 * anomalies go without rollouts.
 */
import { AppsV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { MAX_STATUS_ROLLOUTS, type ContainerImage, type Rollout, type WorkloadRef, type WorkloadStatus } from '../api/types.js';
import { withRetry } from '../retry.js';
import { routingLabels, type WorkloadObservation, type WorkloadPort } from '../run/rollouts.js';
import { isNotFound, isRetryable, KubeApiError, toKubeError } from './errors.js';
import {
  INFERENCE_SERVICE_PLURAL, INFERENCE_SERVICE_VERSION, isPredictorOf, KNATIVE_SERVING_GROUP, KSERVE_GROUP, predictorDeploymentNames,
  predictorSelector, resourceNotServed, REVISION_PLURAL, REVISION_VERSION, revisionRollouts, type PlainRevision,
} from './kserve.js';

/** The annotation in which the deployment controller numbers a ReplicaSet's revision. */
export const DEPLOYMENT_REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

/** The fields read, as plain JSON: enough of a Deployment, StatefulSet, ReplicaSet, ControllerRevision, InferenceService or Knative Revision. */
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
  const [reason, message] = whyUnread(ref, namespace, err);
  return { status: { kind: ref.kind, name: ref.name, reason, message: message.slice(0, 1000) }, rollouts: [] };
}

function whyUnread(ref: WorkloadRef, namespace: string, err: unknown): [string, string] {
  const status = err instanceof KubeApiError ? err.status : 0;
  // A 404 of the resource itself: its CRD is not installed (KServe, or Knative for Revisions).
  if (resourceNotServed(err)) {
    const what = ref.kind === 'InferenceService' ? `${INFERENCE_SERVICE_PLURAL}.${KSERVE_GROUP} (KServe is not installed)` : 'the resource';
    return ['NotInstalled', `the API server serves no ${what}: ${errMessage(err)}; anomalies go without rollouts`];
  }
  if (status === 404) return ['NotFound', `${ref.kind} ${namespace}/${ref.name} not found: spec.model.workloadRef names no workload; anomalies go without rollouts`];
  if (status === 403) return ['Forbidden', `the job may not read ${ref.kind} ${namespace}/${ref.name} (its Role alertiger-job grants get and list on them; docs/security.md): ${errMessage(err)}`];
  return [err instanceof KubeApiError ? err.code : 'Unreadable', `could not read ${ref.kind} ${namespace}/${ref.name}: ${errMessage(err)}`];
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
  const custom = kc.makeApiClient(CustomObjectsApi);

  const deploymentRolloutsOf = async (d: PlainWorkload, name: string): Promise<Rollout[]> => {
    const list = await call(`list ReplicaSets of ${namespace}/${name}`, () => api.listNamespacedReplicaSet({ namespace, labelSelector: labelSelector(d) }));
    return deploymentRollouts(d, plain<{ items: PlainReplicaSet[] }>(list).items);
  };

  /** The predictor's Deployment of RawDeployment mode, when KServe made one (by name, checked by its labels). */
  const predictorDeployment = async (isvc: string): Promise<PlainWorkload | undefined> => {
    for (const name of predictorDeploymentNames(isvc)) {
      try {
        const d = plain<PlainWorkload>(await call(`get Deployment ${namespace}/${name}`, () => api.readNamespacedDeployment({ namespace, name })));
        if (isPredictorOf(d.metadata, isvc)) return d;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return undefined;
  };

  const inferenceService = async (ref: WorkloadRef): Promise<WorkloadObservation> => {
    const isvc = plain<PlainWorkload>(await call(`get InferenceService ${namespace}/${ref.name}`, () => custom.getNamespacedCustomObject({
      group: KSERVE_GROUP, version: INFERENCE_SERVICE_VERSION, namespace, plural: INFERENCE_SERVICE_PLURAL, name: ref.name,
    })));
    // Serverless: the predictor's Knative Revisions. A cluster without Knative (RawDeployment only) has none.
    let revisions: PlainRevision[] = [];
    try {
      revisions = plain<{ items: PlainRevision[] }>(await call(`list Revisions of InferenceService ${namespace}/${ref.name}`, () => custom.listNamespacedCustomObject({
        group: KNATIVE_SERVING_GROUP, version: REVISION_VERSION, namespace, plural: REVISION_PLURAL, labelSelector: predictorSelector(ref.name),
      }))).items;
    } catch (err) {
      if (!resourceNotServed(err)) throw err;
    }
    const serverless = revisionRollouts(ref.name, revisions);
    if (serverless.length > 0) return observed(ref, isvc, serverless);
    const d = await predictorDeployment(ref.name);
    if (d !== undefined) return observed(ref, isvc, await deploymentRolloutsOf(d, d.metadata?.name ?? ref.name));
    const seen = observed(ref, isvc, []);
    seen.status.reason = 'PredictorNotFound';
    seen.status.message = `InferenceService ${namespace}/${ref.name} has no predictor to read: no Knative Revision labelled ${predictorSelector(ref.name)} `
      + `and no Deployment ${predictorDeploymentNames(ref.name).join(' or ')} with those labels; anomalies go without rollouts (its labels are still inherited)`;
    return seen;
  };

  return async (ref) => {
    try {
      if (ref.kind === 'InferenceService') return await inferenceService(ref);
      if (ref.kind === 'Deployment') {
        const d = plain<PlainWorkload>(await call(`get Deployment ${namespace}/${ref.name}`, () => api.readNamespacedDeployment({ namespace, name: ref.name })));
        return observed(ref, d, await deploymentRolloutsOf(d, ref.name));
      }
      const s = plain<PlainWorkload>(await call(`get StatefulSet ${namespace}/${ref.name}`, () => api.readNamespacedStatefulSet({ namespace, name: ref.name })));
      const list = await call(`list ControllerRevisions of ${namespace}/${ref.name}`, () => api.listNamespacedControllerRevision({ namespace, labelSelector: labelSelector(s) }));
      return observed(ref, s, statefulSetRollouts(s, plain<{ items: PlainControllerRevision[] }>(list).items));
    } catch (err) {
      return unread(ref, namespace, err);
    }
  };
}

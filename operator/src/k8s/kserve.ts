/**
 * A KServe InferenceService as the model's workload (docs/rollouts.md): which objects serve its
 * predictor and how their rollouts read. Pure; the reads are in workload.ts.
 *
 * KServe labels what it creates for a component with `serving.kserve.io/inferenceservice=<name>`
 * and `component=<predictor|transformer|explainer>` (kserve pkg/constants: InferenceServicePodLabelKey,
 * KServiceComponentLabel), in both modes:
 * - Serverless: a Knative Service per component, whose Configuration makes one Revision per
 *   change of the template; Knative numbers it in the label `serving.knative.dev/configurationGeneration`.
 * - RawDeployment: a Deployment per component, `<name>-predictor` (`<name>-predictor-default`
 *   before KServe 0.9), whose ReplicaSets are its rollouts as for any Deployment.
 * Only the predictor is read: it is what serves the model; a transformer's or explainer's rollout
 * is not linked to anomalies.
 */
import type { ContainerImage, Rollout } from '../api/types.js';
import { KubeApiError } from './errors.js';
import type { PlainMeta } from './workload.js';

export const KSERVE_GROUP = 'serving.kserve.io';
export const INFERENCE_SERVICE_VERSION = 'v1beta1';
export const INFERENCE_SERVICE_PLURAL = 'inferenceservices';
export const KNATIVE_SERVING_GROUP = 'serving.knative.dev';
export const REVISION_VERSION = 'v1';
export const REVISION_PLURAL = 'revisions';

export const INFERENCE_SERVICE_LABEL = 'serving.kserve.io/inferenceservice';
export const COMPONENT_LABEL = 'component';
export const PREDICTOR = 'predictor';
export const CONFIGURATION_GENERATION_LABEL = 'serving.knative.dev/configurationGeneration';

/** The fields read of a Knative Revision: its labels, creationTimestamp and containers. */
export interface PlainRevision {
  metadata?: PlainMeta;
  spec?: { containers?: { name?: string; image?: string }[] };
}

/** The label selector of the objects KServe made for an InferenceService's predictor. */
export function predictorSelector(inferenceService: string): string {
  return `${INFERENCE_SERVICE_LABEL}=${inferenceService},${COMPONENT_LABEL}=${PREDICTOR}`;
}

/** Whether an object carries the labels of the predictor of `inferenceService`. */
export function isPredictorOf(meta: PlainMeta | undefined, inferenceService: string): boolean {
  return meta?.labels?.[INFERENCE_SERVICE_LABEL] === inferenceService && meta.labels[COMPONENT_LABEL] === PREDICTOR;
}

/** The names KServe gives the predictor's Deployment in RawDeployment mode, newest convention first. */
export function predictorDeploymentNames(inferenceService: string): string[] {
  return [`${inferenceService}-${PREDICTOR}`, `${inferenceService}-${PREDICTOR}-default`];
}

/**
 * The predictor's rollouts in Serverless mode: each Revision labelled as its predictor, numbered
 * by its Configuration's generation, dated by its creationTimestamp, with its containers' images.
 * A Revision without a number or a time is skipped (it cannot be placed).
 */
export function revisionRollouts(inferenceService: string, revisions: readonly PlainRevision[]): Rollout[] {
  const rollouts: Rollout[] = [];
  for (const r of revisions) {
    if (!isPredictorOf(r.metadata, inferenceService)) continue;
    const revision = Number(r.metadata?.labels?.[CONFIGURATION_GENERATION_LABEL]);
    const created = r.metadata?.creationTimestamp;
    const ms = created === undefined ? NaN : new Date(created).getTime();
    if (!Number.isInteger(revision) || !Number.isFinite(ms)) continue;
    // At most 20, as the CRD bounds status.workload.rollouts[].images.
    const images: ContainerImage[] = (r.spec?.containers ?? []).slice(0, 20).map((c, i) => ({ container: c.name ?? `container-${i}`, image: c.image ?? '' }));
    rollouts.push({ revision, time: new Date(ms).toISOString(), images });
  }
  return rollouts;
}

/**
 * Whether a 404 is the API server not serving the resource at all (KServe or Knative not
 * installed) rather than a missing object of a served resource. kube-apiserver answers a group it
 * does not serve with a plain-text "404 page not found", a served group's unknown resource with a
 * Status "the server could not find the requested resource", and a missing object with a Status
 * `<resource> "<name>" not found`.
 */
export function resourceNotServed(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 404 && /could not find the requested resource|404 page not found/i.test(err.message);
}

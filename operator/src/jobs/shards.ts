/**
 * A sharded run's Job (spec.scale.shards > 1, docs/sharding.md): an Indexed Job whose Pods are
 * the shards. Kubernetes gives each Pod its index in JOB_COMPLETION_INDEX; the builder adds the
 * shard count and the Job's name (the run's id, from the label the Job controller puts on its
 * Pods), so the shards of one run find each other's summaries in InfluxDB. Pure.
 */
import type { V1EnvVar, V1JobSpec } from '@kubernetes/client-node';

/** The environment a shard reads (shard/settings.ts). */
export const SHARD_ENV = {
  /** The run's shard count: fixed by the Job, so a spec edited mid-run cannot split it two ways. */
  shards: 'ALERTIGER_SHARDS',
  /** Set by Kubernetes in every Pod of an Indexed Job. */
  index: 'JOB_COMPLETION_INDEX',
  /** The Job's name: one id per run, the same in every shard (and in a retried Pod). */
  runId: 'ALERTIGER_RUN_ID',
} as const;

/** The label the Job controller sets on its Pods (Kubernetes 1.27+). */
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';

/** The Job spec fields of an Indexed Job with one Pod per shard, all running at once. */
export function indexedJobFields(shards: number): Pick<V1JobSpec, 'completionMode' | 'completions' | 'parallelism' | 'backoffLimit'> {
  // A retried shard rewrites the same summary (same run id), so each shard may fail twice on average.
  return { completionMode: 'Indexed', completions: shards, parallelism: shards, backoffLimit: 2 * shards };
}

/** The shard count and the run id, for the job container. */
export function shardEnv(shards: number): V1EnvVar[] {
  return [
    { name: SHARD_ENV.shards, value: String(shards) },
    { name: SHARD_ENV.runId, valueFrom: { fieldRef: { fieldPath: `metadata.labels['${JOB_NAME_LABEL}']` } } },
  ];
}

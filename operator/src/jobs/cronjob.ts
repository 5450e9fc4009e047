/**
 * The CronJob that runs one monitor: the operator's own image in job mode
 * (`alertiger job --monitor NS/NAME`), one run at a time, with bounded history and deadlines, as
 * a non-root user on a read-only root file system. Pure and deterministic.
 */
import type { V1Container, V1CronJob, V1EnvVar } from '@kubernetes/client-node';
import type { KubeObject } from '../k8s/types.js';
import { JOB_ENV } from '../config.js';
import { withHash } from './hash.js';
import { childLabels, childName, JOB_IDENTITY, MONITOR_ANNOTATION } from './names.js';
import type { ChildrenInput } from './input.js';
import { ownerReference } from './owner.js';
import { indexedJobFields, shardEnv } from './shards.js';
import { modelEnv, modelVolume, modelVolumeMount } from './model.js';

/** The uid/gid the job runs as: the image's non-root user (the Dockerfile's `USER 10001:10001`). */
export const JOB_USER = 10001;
export const JOB_CONTAINER = 'job';

/**
 * Deadlines by granularity. A daily run that cannot start within an hour of its slot is skipped
 * (the next run catches up its window); an hourly run must end before the next one is due.
 */
const DEADLINES = {
  '1d': { startingDeadlineSeconds: 3600, activeDeadlineSeconds: 3600 },
  '1h': { startingDeadlineSeconds: 600, activeDeadlineSeconds: 3000 },
} as const;

export function buildCronJob(input: ChildrenInput): KubeObject {
  const { monitor, spec, job } = input;
  const name = childName(monitor.name);
  const labels = childLabels();
  const deadlines = DEADLINES[spec.granularity];
  const container: V1Container = {
    name: JOB_CONTAINER,
    image: job.image,
    args: ['job', '--monitor', `${monitor.namespace}/${monitor.name}`],
    env: jobEnv(input),
    resources: job.resources,
    // privileged is set (to false) so a server-side apply takes it back from anyone who set it.
    securityContext: {
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    },
    // The detector's backend and the sources may write scratch files; the root fs is read-only.
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...(spec.modelConfigMap !== undefined ? [modelVolumeMount()] : [])],
  };
  if (job.imagePullPolicy !== undefined) container.imagePullPolicy = job.imagePullPolicy;
  // Typed as client-node's V1CronJob so the compiler checks every field name.
  const cronJob: V1CronJob = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: {
      name,
      namespace: monitor.namespace,
      labels,
      annotations: { [MONITOR_ANNOTATION]: `${monitor.namespace}/${monitor.name}` },
      ownerReferences: [ownerReference(monitor)],
    },
    spec: {
      schedule: spec.schedule,
      // The schedule is validated and documented in UTC (api/cron.ts), whatever the node's zone.
      timeZone: 'Etc/UTC',
      suspend: spec.suspend,
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: deadlines.startingDeadlineSeconds,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels },
        spec: {
          backoffLimit: 2,
          // spec.scale.shards > 1: one Pod per shard (jobs/shards.ts); 1 keeps the single-Pod Job.
          ...(sharded(spec.shards) ? indexedJobFields(spec.shards) : {}),
          activeDeadlineSeconds: deadlines.activeDeadlineSeconds,
          template: {
            metadata: { labels },
            spec: {
              // The namespace's job identity (jobs/rbac.ts), not one per monitor.
              serviceAccountName: JOB_IDENTITY,
              restartPolicy: 'Never',
              securityContext: {
                runAsNonRoot: true,
                runAsUser: JOB_USER,
                runAsGroup: JOB_USER,
                fsGroup: JOB_USER,
                seccompProfile: { type: 'RuntimeDefault' },
              },
              containers: [container],
              volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '512Mi' } }, ...(spec.modelConfigMap !== undefined ? [modelVolume(spec.modelConfigMap)] : [])],
            },
          },
        },
      },
    },
  };
  return withHash(cronJob as unknown as KubeObject);
}

function jobEnv(input: ChildrenInput): V1EnvVar[] {
  const { job, spec } = input;
  const env: V1EnvVar[] = [
    { name: JOB_ENV.influxUrl, value: job.influxUrl },
    { name: JOB_ENV.influxDatabase, value: job.influxDatabase },
  ];
  if (job.alertmanagerUrl !== undefined) env.push({ name: JOB_ENV.alertmanagerUrl, value: job.alertmanagerUrl });
  if (job.reportUrl !== undefined) env.push({ name: JOB_ENV.reportUrl, value: job.reportUrl });
  // Credentials never sit in the CronJob: each is a reference to a key of a Secret the user keeps
  // in the monitor's namespace (the operator neither reads nor writes it); `optional` because a
  // Secret holds either username/password or a token, and because a missing Secret should fail
  // the run with InfluxDB's answer in the status, not leave a Pod that never starts.
  const fromSecret = (name: string, secret: string, key: string): V1EnvVar =>
    ({ name, valueFrom: { secretKeyRef: { name: secret, key, optional: true } } });
  if (job.influxSecret !== undefined) {
    const secret = job.influxSecret;
    env.push(
      fromSecret(JOB_ENV.influxUsername, secret, 'username'),
      fromSecret(JOB_ENV.influxPassword, secret, 'password'),
      fromSecret(JOB_ENV.influxToken, secret, 'token'),
    );
  }
  if (sharded(spec.shards)) env.push(...shardEnv(spec.shards));
  if (spec.sourceCredentialsSecret !== undefined) {
    const secret = spec.sourceCredentialsSecret;
    env.push(
      fromSecret(JOB_ENV.sourceInfluxUsername, secret, 'username'),
      fromSecret(JOB_ENV.sourceInfluxPassword, secret, 'password'),
      fromSecret(JOB_ENV.sourceInfluxToken, secret, 'token'),
    );
  }
  if (spec.modelConfigMap !== undefined) env.push(modelEnv());
  return env;
}

function sharded(shards: number | undefined): shards is number {
  return shards !== undefined && shards > 1;
}

/**
 * The input of the child builders: everything that decides what the operator writes for one
 * monitor, and nothing else (no clock, no random id), so equal inputs give byte-identical objects.
 */
import type { Granularity } from '../api/types.js';
import type { OperatorConfig, PullPolicy } from '../config.js';

export interface MonitorIdentity {
  name: string;
  namespace: string;
  /** The monitor's uid, for the owner references that let garbage collection delete children. */
  uid: string;
}

/** The parts of a (defaulted) spec that shape the CronJob. */
export interface JobSpecInput {
  schedule: string;
  suspend: boolean;
  granularity: Granularity;
  /** spec.source.influx.credentialsSecretRef.name: the source InfluxDB's credentials, if any. */
  sourceCredentialsSecret?: string;
  /** spec.scale.shards; absent or 1: a single-Pod Job, as before sharding existed. */
  shards?: number;
  /** spec.detection.model.configMapRef.name: a retrained detector the job mounts and loads (jobs/model.ts). */
  modelConfigMap?: string;
}

/** Operator-wide settings of every job. */
export interface JobTemplateConfig {
  image: string;
  imagePullPolicy?: PullPolicy;
  influxUrl: string;
  influxDatabase: string;
  alertmanagerUrl?: string;
  reportUrl?: string;
  /**
   * The Secret, in each monitor's namespace, holding the job's InfluxDB credentials (keys
   * username/password or token); created by the user, referenced by the CronJob, never read by
   * the operator. Undefined: the InfluxDB needs no credentials.
   */
  influxSecret?: string;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
}

export interface ChildrenInput {
  monitor: MonitorIdentity;
  spec: JobSpecInput;
  job: JobTemplateConfig;
}

export function jobTemplateConfig(config: OperatorConfig): JobTemplateConfig {
  const pick = (entries: [string, string][]): Record<string, string> =>
    Object.fromEntries(entries.filter(([, v]) => v !== ''));
  const job: JobTemplateConfig = {
    image: config.jobImage,
    influxUrl: config.influxUrl,
    influxDatabase: config.influxDatabase,
    resources: {
      requests: pick([['cpu', config.jobCpuRequest], ['memory', config.jobMemoryRequest]]),
      limits: pick([['cpu', config.jobCpuLimit], ['memory', config.jobMemoryLimit]]),
    },
  };
  if (config.jobImagePullPolicy !== undefined) job.imagePullPolicy = config.jobImagePullPolicy;
  if (config.alertmanagerUrl !== undefined) job.alertmanagerUrl = config.alertmanagerUrl;
  if (config.reportUrl !== undefined) job.reportUrl = config.reportUrl;
  if (config.influxSecret !== undefined) job.influxSecret = config.influxSecret;
  return job;
}

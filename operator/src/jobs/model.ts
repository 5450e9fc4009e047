/**
 * A retrained detector for a monitor's jobs (spec.detection.model.configMapRef, docs/feedback.md):
 * the CronJob mounts the ConfigMap read-only and points the job at it with ALERTIGER_DETECTOR
 * (config.ts), so the job loads it as any detector directory (detector/bundle.ts: the keys are a
 * flat detector directory). The volume is `optional` so that a missing ConfigMap does not leave
 * a Pod that never starts: the job then fails its run naming the ConfigMap (commands/job.ts).
 * Pure.
 */
import type { V1EnvVar, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { AlertigerError, describeError, errorCode } from '../errors.js';

export const MODEL_VOLUME = 'detector-model';
export const MODEL_MOUNT_PATH = '/etc/alertiger/model';
/** The job's detector directory setting (config.ts `--detector`). */
export const DETECTOR_ENV = 'ALERTIGER_DETECTOR';

export function modelVolume(configMap: string): V1Volume {
  return { name: MODEL_VOLUME, configMap: { name: configMap, optional: true } };
}

export function modelVolumeMount(): V1VolumeMount {
  return { name: MODEL_VOLUME, mountPath: MODEL_MOUNT_PATH, readOnly: true };
}

export function modelEnv(): V1EnvVar {
  return { name: DETECTOR_ENV, value: MODEL_MOUNT_PATH };
}

/**
 * The error of a run whose model ConfigMap cannot be loaded, naming the ConfigMap: ModelNotFound
 * when the mount holds no detector.json (the ConfigMap is missing, or not a model), ModelInvalid
 * when it does not load.
 */
export function modelConfigMapError(namespace: string, configMap: string, cause: unknown): AlertigerError {
  const notFound = errorCode(cause) === 'ModelNotFound';
  const what = `the model ConfigMap ${namespace}/${configMap} (spec.detection.model.configMapRef)`;
  return notFound
    ? new AlertigerError('ModelNotFound', `${what} is missing or holds no detector.json; publish one with alertiger train --feedback --configmap ${namespace}/${configMap}`, { cause })
    : new AlertigerError('ModelInvalid', `${what} does not load: ${describeError(cause)}`, { cause });
}

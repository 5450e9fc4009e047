/**
 * The job's two Kubernetes calls: read its ModelMonitor, and server-side apply its part of the
 * status with its own field manager, `alertiger-job`. The operator applies Ready,
 * observedGeneration and cronJobName as `alertiger-operator`; because conditions are a list-map
 * keyed by type, each manager owns only its own conditions and neither erases the other's.
 * The job's Role allows exactly these two verbs on exactly this object.
 */
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION, type ModelMonitor } from '../api/types.js';
import { isRetryable, toKubeError } from './errors.js';
import { withRetry } from '../retry.js';
import type { StatusPort } from '../run/ports.js';
import type { JobStatus } from '../run/status.js';

import { JOB_FIELD_MANAGER } from './field-managers.js';

export { JOB_FIELD_MANAGER };

export interface MonitorClient extends StatusPort {
  get(namespace: string, name: string): Promise<ModelMonitor>;
}

export interface MonitorClientOptions {
  retries?: number;
  retryDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** The status apply body: identity plus the job-owned fields only (see JobStatus). */
export function statusApplyBody(monitor: ModelMonitor, status: JobStatus): Record<string, unknown> {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name: monitor.metadata.name, namespace: monitor.metadata.namespace },
    status: dropUndefined(status),
  };
}

export function kubeMonitorClient(kc: KubeConfig, options: MonitorClientOptions = {}): MonitorClient {
  const api = kc.makeApiClient(CustomObjectsApi);
  const retry = <T>(fn: () => Promise<T>): Promise<T> => withRetry(fn, {
    retries: options.retries ?? 4,
    initialDelayMs: options.retryDelayMs ?? 1000,
    maxDelayMs: 8000,
    retryable: isRetryable,
    sleep: options.sleep,
  });
  return {
    get: (namespace, name) => retry(() => call(`get ModelMonitor ${namespace}/${name}`, async () =>
      plain(await api.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name })) as ModelMonitor)),
    write: async (monitor, status) => {
      const namespace = monitor.metadata.namespace ?? 'default';
      const name = monitor.metadata.name;
      await retry(() => call(`apply ModelMonitor/status ${namespace}/${name}`, () => api.patchNamespacedCustomObjectStatus(
        { group: GROUP, version: VERSION, namespace, plural: PLURAL, name, body: statusApplyBody(monitor, status), fieldManager: JOB_FIELD_MANAGER, force: true },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply))));
    },
  };
}

async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toKubeError(what, err);
  }
}

function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The real servers every integration and end-to-end test talks to: a Kubernetes control plane
 * (etcd + kube-apiserver, kubectl), InfluxDB and Alertmanager. Started once per test process,
 * on first use (or by the mocha global fixture), and stopped when the run ends, also when it
 * fails or is interrupted. Nothing here is a fake.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKube, type KubeControlPlane } from './kube.js';
import { startInflux, type InfluxServer } from './influx.js';
import { startAlertmanager, type AlertmanagerServer } from './alertmanager.js';
import { startWithFreshPorts } from './process.js';

export type { KubeControlPlane, KubectlResult } from './kube.js';
export type { InfluxServer } from './influx.js';
export type { AlertmanagerServer, WebhookNotification } from './alertmanager.js';

export interface RealServers {
  dir: string;
  kube: KubeControlPlane;
  influx: InfluxServer;
  alertmanager: AlertmanagerServer;
  /** One line naming each real component and its version. */
  componentsLine: string;
}

let started: Promise<RealServers> | undefined;

export function realServers(): Promise<RealServers> {
  started ??= startAll();
  return started;
}

/** True once the servers have been asked for in this process. */
export function realServersStarted(): boolean {
  return started !== undefined;
}

async function startAll(): Promise<RealServers> {
  const dir = mkdtempSync(join(tmpdir(), 'alertiger-test-'));
  const results = await Promise.allSettled([
    startWithFreshPorts((attempt) => startKube(join(dir, `kube-${attempt}`))),
    startWithFreshPorts((attempt) => startInflux(join(dir, `influx-${attempt}`))),
    startWithFreshPorts((attempt) => startAlertmanager(join(dir, `alertmanager-${attempt}`))),
  ]);
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length > 0) {
    await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
    throw new Error(`real servers did not start (logs kept in ${dir}):\n` +
      failures.map((f) => (f.reason instanceof Error ? f.reason.message : String(f.reason))).join('\n'));
  }
  const [kube, influx, alertmanager] = results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [KubeControlPlane, InfluxServer, AlertmanagerServer];
  const componentsLine = `real components: kube-apiserver ${kube.versions.apiserver}, etcd ${kube.versions.etcd}, ` +
    `kubectl ${kube.versions.kubectl}, influxd ${influx.version}, alertmanager ${alertmanager.version}`;
  return { dir, kube, influx, alertmanager, componentsLine };
}

/** Stops whatever was started and removes the temp dir (kept when ALERTIGER_KEEP_TEST_DIR=1). */
export async function stopRealServers(): Promise<void> {
  if (started === undefined) return;
  const servers = await started.catch(() => undefined);
  started = undefined;
  if (servers === undefined) return;
  await Promise.all([servers.kube.stop(), servers.influx.stop(), servers.alertmanager.stop()]);
  if (process.env.ALERTIGER_KEEP_TEST_DIR !== '1') rmSync(servers.dir, { recursive: true, force: true });
}

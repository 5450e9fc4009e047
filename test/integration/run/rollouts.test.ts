/**
 * Rollout-aware anomalies on the real servers (docs/rollouts.md): kube-controller-manager's
 * deployment and replicaset controllers roll a Deployment out three times (two image changes);
 * monitors name it by spec.model.workloadRef; the operator writes their CronJobs and the job
 * identity; each job runs as the CronJob's pod would (its ServiceAccount's token, so the Role is
 * what lets it read the ReplicaSets) on a real public log (vega-datasets bird strikes) with a
 * unit fault. The fault that starts the day after the last rollout says so in status and in the
 * real Alertmanager's alert, which also carries the Deployment's team label; the fault that starts
 * days later says nothing about rollouts; a monitor naming a missing Deployment still runs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { AnomalyStatus, ModelMonitor } from '../../../operator/src/api/types.js';
import { DAY_MS } from '../../fixtures/reallog/build.js';
import { runCronJobOnce, type JobRun } from '../../e2e/kubelet.js';
import { applyWorkloadMonitor } from './workload-monitor.js';
import {
  getJson, getMonitor, kubectlOk, newNamespace, servers, startTestOperator, testConfig, waitFor, type TestOperator,
} from '../operator/helpers.js';
import type { RealServers } from '../../harness/index.js';
import { loadKubeConfig } from '../../../operator/src/k8s/kubeconfig.js';
import { kubeWorkloadReader } from '../../../operator/src/k8s/workload.js';
import { withRollouts } from '../../../operator/src/run/rollouts.js';

const HOUR = 3_600_000;
const DEPLOYMENT = 'ranker';
const IMAGES = ['registry.example/ranker:1.0', 'registry.example/ranker:1.1', 'registry.example/ranker:1.2'];
/** ALERTIGER_TEST_DETECTOR points the jobs at another detector directory (default: the pretrained one). */
const detectorEnv: Record<string, string> = process.env.ALERTIGER_TEST_DETECTOR ? { ALERTIGER_DETECTOR: process.env.ALERTIGER_TEST_DETECTOR } : {};

interface ReplicaSetList {
  items: { metadata: { annotations?: Record<string, string>; creationTimestamp: string } }[];
}

function deploymentYaml(namespace: string, image: string): string {
  return yaml.dump({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: DEPLOYMENT, namespace, labels: { app: DEPLOYMENT, team: 'feed', owner: 'ana' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: DEPLOYMENT } },
      template: { metadata: { labels: { app: DEPLOYMENT } }, spec: { containers: [{ name: 'server', image }] } },
    },
  });
}

describe('rollout-aware anomalies (real API server, controllers, InfluxDB, Alertmanager)', function () {
  this.timeout(600_000);
  let env: RealServers;
  let ns: string;
  let dir = '';
  let op: TestOperator | undefined;
  /** When the last revision (3) was rolled out, and the midnight UTC of that day. */
  let rolledOut: number;
  let day: number;
  const runs: { what: string; run: JobRun }[] = [];

  /** Rolls the Deployment out with `image` and waits for the deployment controller's ReplicaSet of `revision`. */
  async function rollOut(image: string, revision: number): Promise<number> {
    await kubectlOk(['apply', '-f', '-'], { input: deploymentYaml(ns, image) });
    const rs = await waitFor(`ReplicaSet of revision ${revision}`, async () => {
      const list = await getJson<ReplicaSetList>(['-n', ns, 'get', 'replicasets', '-l', `app=${DEPLOYMENT}`]);
      return list.items.find((i) => i.metadata.annotations?.['deployment.kubernetes.io/revision'] === String(revision));
    }, 60_000);
    return Date.parse(rs.metadata.creationTimestamp);
  }

  /** A monitor of the real log with the unit fault from day `faultDay` (0 = the last rollout's day). */
  async function monitor(name: string, faultDay: number, workload: string): Promise<void> {
    await applyWorkloadMonitor({ namespace: ns, dir, name, day, faultDay, workloadRef: { kind: 'Deployment', name: workload } });
  }

  /** Runs the monitor's CronJob once as at 02:00 on day `runDay` (its windows end at that midnight). */
  async function runAt(name: string, runDay: number): Promise<ModelMonitor> {
    const run = await runCronJobOnce(env, ns, `${name}-alertiger`, { ...detectorEnv, ALERTIGER_NOW: new Date(day + runDay * DAY_MS + 2 * HOUR).toISOString() });
    runs.push({ what: name, run });
    assert.equal(run.code, 0, `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr.slice(-4000)}`);
    return getMonitor(ns, name);
  }

  async function alertsOf(name: string): Promise<{ labels: Record<string, string>; annotations: Record<string, string> }[]> {
    const filter = [`monitor="${name}"`, `namespace="${ns}"`].map((f) => `filter=${encodeURIComponent(f)}`).join('&');
    const res = await fetch(`${env.alertmanager.url}/api/v2/alerts?${filter}`);
    assert.equal(res.status, 200);
    return (await res.json()) as { labels: Record<string, string>; annotations: Record<string, string> }[];
  }

  const speed = (m: ModelMonitor): AnomalyStatus | undefined => m.status?.anomalies?.find((a) => a.subject === 'speed_knots' && a.statistic === 'mean');

  before(async () => {
    env = await servers();
    await env.kube.startControllerManager({ controllers: ['deployment-controller', 'replicaset-controller', 'statefulset-controller'] });
    ns = await newNamespace('rollouts');
    dir = mkdtempSync(join(tmpdir(), 'alertiger-rollouts-'));
    await rollOut(IMAGES[0], 1);
    await rollOut(IMAGES[1], 2);
    rolledOut = await rollOut(IMAGES[2], 3);
    day = Math.floor(rolledOut / DAY_MS) * DAY_MS;
    op = await startTestOperator(testConfig([ns]), 'rollouts');
  });

  after(async () => {
    await op?.running.stop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
    for (const { what, run } of runs) process.stdout.write(`      job run (${what}): ${(run.durationMs / 1000).toFixed(1)} s, exit ${run.code}\n`);
  });

  it('links a fault starting the day after the last rollout to it, in status and in the Alertmanager alert, with the inherited team label', async () => {
    await monitor('after-rollout', 1, DEPLOYMENT);
    const m = await runAt('after-rollout', 3);
    const workload = m.status?.workload;
    assert.deepEqual(workload?.labels, { team: 'feed', owner: 'ana' });
    assert.deepEqual(workload?.rollouts?.map((r) => [r.revision, r.images[0]?.image]), [[3, IMAGES[2]], [2, IMAGES[1]], [1, IMAGES[0]]]);
    assert.equal(workload?.reason, undefined);
    const anomaly = speed(m);
    assert.ok(anomaly !== undefined, `no speed_knots mean anomaly: ${JSON.stringify(m.status?.anomalies?.map((a) => `${a.subject} ${a.statistic} ${a.start}`))}`);
    assert.equal(Date.parse(anomaly.start), day + DAY_MS, `the fault's first day: ${anomaly.start}`);
    const hours = Math.floor((day + DAY_MS - rolledOut) / HOUR);
    assert.equal(anomaly.rollout?.revision, 3);
    assert.equal(anomaly.rollout?.message, `started ${hours} h after revision 3: image ${IMAGES[1]} -> ${IMAGES[2]}`);

    const alert = (await alertsOf('after-rollout')).find((a) => a.labels.subject === 'speed_knots' && a.labels.statistic === 'mean');
    assert.ok(alert !== undefined, 'the alert is in Alertmanager');
    assert.equal(alert.annotations.rollout, anomaly.rollout?.message);
    assert.equal(alert.labels.team, 'feed');
    assert.equal(alert.labels.owner, 'ana');
  });

  it('says nothing about rollouts for a fault that starts days after the last one', async () => {
    // Two days on: past the day a daily anomaly is linked, and (the rollout being today) not so far
    // ahead of the wall clock that Alertmanager refuses an alert that starts after it ends.
    await monitor('far-from-rollout', 2, DEPLOYMENT);
    const m = await runAt('far-from-rollout', 4);
    const anomaly = speed(m);
    assert.ok(anomaly !== undefined, `no speed_knots mean anomaly: ${JSON.stringify(m.status?.anomalies)}`);
    assert.ok(Date.parse(anomaly.start) - rolledOut > DAY_MS, anomaly.start);
    assert.equal(anomaly.rollout, undefined);
    assert.equal(m.status?.workload?.rollouts?.[0]?.revision, 3, 'the rollouts were read');
    const alert = (await alertsOf('far-from-rollout')).find((a) => a.labels.subject === 'speed_knots' && a.labels.statistic === 'mean');
    assert.ok(alert !== undefined);
    assert.equal(alert.annotations.rollout, undefined);
    assert.equal(alert.labels.team, 'feed');
  });

  it('runs on when the workload does not exist, and says why on the status', async () => {
    await monitor('no-workload', 1, 'gone');
    const m = await runAt('no-workload', 3);
    assert.equal(m.status?.workload?.reason, 'NotFound');
    assert.match(m.status?.workload?.message ?? '', /Deployment .*\/gone not found/);
    assert.equal(m.status?.conditions?.find((c) => c.type === 'LastRunSucceeded')?.status, 'True');
    assert.ok(speed(m) !== undefined && speed(m)!.rollout === undefined);
  });

  it("reads a StatefulSet's rollouts from the ControllerRevisions the statefulset controller writes, as the job identity", async () => {
    const sts = (image: string): string => yaml.dump({
      apiVersion: 'apps/v1', kind: 'StatefulSet',
      metadata: { name: 'ranker-db', namespace: ns, labels: { team: 'storage' } },
      spec: {
        serviceName: 'ranker-db', replicas: 1, selector: { matchLabels: { app: 'ranker-db' } },
        template: { metadata: { labels: { app: 'ranker-db' } }, spec: { containers: [{ name: 'db', image }] } },
      },
    });
    const revisions = async (n: number): Promise<true | undefined> =>
      (await getJson<{ items: unknown[] }>(['-n', ns, 'get', 'controllerrevisions', '-l', 'app=ranker-db'])).items.length >= n || undefined;
    await kubectlOk(['apply', '-f', '-'], { input: sts('postgres:15') });
    await waitFor('the first ControllerRevision', () => revisions(1), 60_000);
    await kubectlOk(['apply', '-f', '-'], { input: sts('postgres:16') });
    await waitFor('the second ControllerRevision', () => revisions(2), 60_000);

    // The job's own identity (the Role the operator wrote for this namespace), not the admin.
    const token = (await kubectlOk(['-n', ns, 'create', 'token', 'alertiger-job'])).trim();
    const kubeconfig = join(dir, 'job.kubeconfig');
    writeFileSync(kubeconfig, readFileSync(env.kube.kubeconfig, 'utf8').replace(/token: .*/, `token: ${token}`));
    const seen = await kubeWorkloadReader(loadKubeConfig(kubeconfig), ns)({ kind: 'StatefulSet', name: 'ranker-db' });
    assert.equal(seen.status.reason, undefined, seen.status.message);
    assert.deepEqual(seen.status.labels, { team: 'storage' });
    assert.deepEqual(seen.rollouts.map((r) => [r.revision, r.images]), [[2, [{ container: 'db', image: 'postgres:16' }]], [1, [{ container: 'db', image: 'postgres:15' }]]]);
    const start = Math.floor(Date.parse(seen.rollouts[0].time) / HOUR) * HOUR + HOUR;
    const [linked] = withRollouts([{
      category: 'feature', subject: 'x', statistic: 'mean', start: new Date(start).toISOString(), severity: 2, score: 0.9, observed: 1, expected: 0, lower: 0, upper: 0.5,
    }], seen.rollouts, '1h');
    assert.match(linked.rollout?.message ?? '', /^started \d+ min after revision 2: image postgres:15 -> postgres:16$/);
  });
});

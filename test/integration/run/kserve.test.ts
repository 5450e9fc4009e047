/**
 * A KServe InferenceService as the model's workload (docs/rollouts.md), on the real servers. The
 * API server first has no KServe: a monitor naming an InferenceService still runs and says
 * NotInstalled. Then minimal InferenceService and Knative Revision CRDs are installed (no KServe or
 * Knative controllers: the objects they would make are made here with the labels they set):
 * - Serverless: an InferenceService with the team label and two predictor Revisions (and a
 *   transformer Revision, not read); the fault the day after the newer Revision is linked to it.
 * - RawDeployment: an InferenceService whose predictor is a real Deployment `<name>-predictor`
 *   rolled out twice by kube-controller-manager's deployment controller; linked likewise.
 * Each job runs as its CronJob's pod would (the job identity's token: the Role must grant the
 * reads) on a real public log (vega-datasets bird strikes) with a unit fault, and the alert in the
 * real Alertmanager carries the rollout and the team label inherited from the InferenceService.
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

const HOUR = 3_600_000;
const detectorEnv: Record<string, string> = process.env.ALERTIGER_TEST_DETECTOR ? { ALERTIGER_DETECTOR: process.env.ALERTIGER_TEST_DETECTOR } : {};
const ISVC_LABEL = 'serving.kserve.io/inferenceservice';
const GENERATION_LABEL = 'serving.knative.dev/configurationGeneration';

/** A CRD that serves `kind` and stores anything: enough to stand in for KServe's and Knative's. */
function looseCrd(group: string, version: string, kind: string, plural: string): string {
  return yaml.dump({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group, scope: 'Namespaced',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [{ name: version, served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  });
}
const CRDS = [
  ['serving.kserve.io', 'v1beta1', 'InferenceService', 'inferenceservices'],
  ['serving.knative.dev', 'v1', 'Revision', 'revisions'],
] as const;

interface Meta {
  metadata: { creationTimestamp: string; annotations?: Record<string, string> };
}

describe('KServe InferenceService rollouts (real API server, controllers, InfluxDB, Alertmanager)', function () {
  this.timeout(600_000);
  let env: RealServers;
  let ns: string;
  let dir = '';
  let op: TestOperator | undefined;
  let crdsInstalled = false;
  const runs: { what: string; run: JobRun }[] = [];

  async function apply(obj: Record<string, unknown>): Promise<void> {
    await kubectlOk(['apply', '-f', '-'], { input: yaml.dump(obj) });
  }

  function inferenceService(name: string, labels: Record<string, string>): Record<string, unknown> {
    return {
      apiVersion: 'serving.kserve.io/v1beta1', kind: 'InferenceService', metadata: { name, namespace: ns, labels },
      spec: { predictor: { sklearn: { storageUri: `gs://models/${name}` } } },
    };
  }

  /** A Knative Revision as Knative makes it for KServe's component `component` of `isvc`. */
  async function revision(isvc: string, component: string, generation: number, image: string): Promise<number> {
    const name = `${isvc}-${component}-${String(generation).padStart(5, '0')}`;
    await apply({
      apiVersion: 'serving.knative.dev/v1', kind: 'Revision',
      metadata: { name, namespace: ns, labels: { [ISVC_LABEL]: isvc, component, [GENERATION_LABEL]: String(generation) } },
      spec: { containers: [{ name: 'kserve-container', image }] },
    });
    return Date.parse((await getJson<Meta>(['-n', ns, 'get', 'revisions.serving.knative.dev', name])).metadata.creationTimestamp);
  }

  /** A monitor of the real log naming InferenceService `isvc`, with the unit fault from day 40 + faultDay (day 40 = `day`). */
  async function monitor(name: string, isvc: string, day: number, faultDay: number): Promise<void> {
    await applyWorkloadMonitor({ namespace: ns, dir, name, day, faultDay, workloadRef: { kind: 'InferenceService', name: isvc } });
  }

  async function runAt(name: string, at: number): Promise<ModelMonitor> {
    const run = await runCronJobOnce(env, ns, `${name}-alertiger`, { ...detectorEnv, ALERTIGER_NOW: new Date(at).toISOString() });
    runs.push({ what: name, run });
    assert.equal(run.code, 0, `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr.slice(-4000)}`);
    return getMonitor(ns, name);
  }

  async function alertOf(name: string): Promise<{ labels: Record<string, string>; annotations: Record<string, string> } | undefined> {
    const filter = [`monitor="${name}"`, `namespace="${ns}"`, 'subject="speed_knots"', 'statistic="mean"'].map((f) => `filter=${encodeURIComponent(f)}`).join('&');
    const res = await fetch(`${env.alertmanager.url}/api/v2/alerts?${filter}`);
    assert.equal(res.status, 200);
    return ((await res.json()) as { labels: Record<string, string>; annotations: Record<string, string> }[])[0];
  }

  const speed = (m: ModelMonitor): AnomalyStatus | undefined => m.status?.anomalies?.find((a) => a.subject === 'speed_knots' && a.statistic === 'mean');
  const midnight = (t: number): number => Math.floor(t / DAY_MS) * DAY_MS;

  /** Runs a monitor whose fault starts the day after `rolledOut`, and checks the link to `revision` and the inherited labels. */
  async function assertLinked(name: string, isvc: string, rolledOut: number, revision: number, images: [string, string], team: string): Promise<ModelMonitor> {
    const day = midnight(rolledOut);
    await monitor(name, isvc, day, 1);
    const m = await runAt(name, day + 3 * DAY_MS + 2 * HOUR);
    assert.equal(m.status?.workload?.reason, undefined, m.status?.workload?.message);
    assert.equal(m.status?.workload?.kind, 'InferenceService');
    assert.equal(m.status?.workload?.labels?.team, team);
    const anomaly = speed(m);
    assert.ok(anomaly !== undefined, `no speed_knots mean anomaly: ${JSON.stringify(m.status?.anomalies?.map((a) => `${a.subject} ${a.statistic} ${a.start}`))}`);
    assert.equal(Date.parse(anomaly.start), day + DAY_MS, `the fault's first day: ${anomaly.start}`);
    const hours = Math.floor((day + DAY_MS - rolledOut) / HOUR);
    assert.equal(anomaly.rollout?.revision, revision);
    assert.equal(anomaly.rollout?.message, `started ${hours} h after revision ${revision}: image ${images[0]} -> ${images[1]}`);
    const alert = await alertOf(name);
    assert.ok(alert !== undefined, 'the alert is in Alertmanager');
    assert.equal(alert.annotations.rollout, anomaly.rollout?.message);
    assert.equal(alert.labels.team, team);
    return m;
  }

  before(async () => {
    env = await servers();
    await env.kube.startControllerManager({ controllers: ['deployment-controller', 'replicaset-controller'] });
    ns = await newNamespace('kserve');
    dir = mkdtempSync(join(tmpdir(), 'alertiger-kserve-'));
    op = await startTestOperator(testConfig([ns]), 'kserve');
  });

  after(async () => {
    await op?.running.stop();
    if (crdsInstalled) await kubectlOk(['delete', 'crd', ...CRDS.map(([g, , , p]) => `${p}.${g}`), '--wait=false']);
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
    for (const { what, run } of runs) process.stdout.write(`      job run (${what}): ${(run.durationMs / 1000).toFixed(1)} s, exit ${run.code}\n`);
  });

  it('runs on a cluster without KServe and says NotInstalled on the status', async () => {
    const day = midnight(Date.now());
    await monitor('no-kserve', 'churn', day, 1);
    const m = await runAt('no-kserve', day + 3 * DAY_MS + 2 * HOUR);
    assert.equal(m.status?.workload?.reason, 'NotInstalled', JSON.stringify(m.status?.workload));
    assert.match(m.status?.workload?.message ?? '', /inferenceservices\.serving\.kserve\.io \(KServe is not installed\)/);
    assert.equal(m.status?.conditions?.find((c) => c.type === 'LastRunSucceeded')?.status, 'True');
    assert.ok(speed(m) !== undefined && speed(m)!.rollout === undefined);
  });

  it("links a fault to the predictor's newer Knative Revision (Serverless), with the InferenceService's team label", async () => {
    for (const [group, version, kind, plural] of CRDS) await kubectlOk(['apply', '-f', '-'], { input: looseCrd(group, version, kind, plural) });
    crdsInstalled = true;
    for (const [group, , , plural] of CRDS) await kubectlOk(['wait', '--for', 'condition=established', '--timeout=60s', `crd/${plural}.${group}`]);
    await apply(inferenceService('churn', { team: 'ml-serving', owner: 'bo' }));
    await revision('churn', 'predictor', 1, 'kserve/sklearnserver:v0.13');
    // Creation timestamps have a one-second resolution: keep the two revisions apart.
    await new Promise((r) => setTimeout(r, 1100));
    const rolledOut = await revision('churn', 'predictor', 2, 'kserve/sklearnserver:v0.14');
    // A transformer's Revision is no rollout of the model.
    await revision('churn', 'transformer', 3, 'example/transformer:v1');
    const m = await assertLinked('churn-monitor', 'churn', rolledOut, 2, ['kserve/sklearnserver:v0.13', 'kserve/sklearnserver:v0.14'], 'ml-serving');
    assert.deepEqual(m.status?.workload?.labels, { team: 'ml-serving', owner: 'bo' });
    assert.deepEqual(m.status?.workload?.rollouts?.map((r) => [r.revision, r.images[0]?.image]), [[2, 'kserve/sklearnserver:v0.14'], [1, 'kserve/sklearnserver:v0.13']]);
  });

  it("links a fault to the predictor Deployment's newer ReplicaSet (RawDeployment), rolled out by the deployment controller", async () => {
    await apply(inferenceService('fraud', { team: 'risk' }));
    const images = ['example/fraud-model:1.0', 'example/fraud-model:1.1'] as [string, string];
    const predictor = (image: string): Record<string, unknown> => ({
      apiVersion: 'apps/v1', kind: 'Deployment',
      // The labels KServe puts on the predictor's Deployment; the team is on the InferenceService only.
      metadata: { name: 'fraud-predictor', namespace: ns, labels: { [ISVC_LABEL]: 'fraud', component: 'predictor' } },
      spec: {
        replicas: 1, selector: { matchLabels: { app: 'fraud-predictor' } },
        template: { metadata: { labels: { app: 'fraud-predictor' } }, spec: { containers: [{ name: 'kserve-container', image }] } },
      },
    });
    let rolledOut = 0;
    for (const [i, image] of images.entries()) {
      await apply(predictor(image));
      const rs = await waitFor(`ReplicaSet of revision ${i + 1}`, async () => (await getJson<{ items: Meta[] }>(['-n', ns, 'get', 'replicasets', '-l', 'app=fraud-predictor']))
        .items.find((r) => r.metadata.annotations?.['deployment.kubernetes.io/revision'] === String(i + 1)), 60_000);
      rolledOut = Date.parse(rs.metadata.creationTimestamp);
    }
    const m = await assertLinked('fraud-monitor', 'fraud', rolledOut, 2, images, 'risk');
    assert.deepEqual(m.status?.workload?.rollouts?.map((r) => [r.revision, r.images[0]?.image]), [[2, images[1]], [1, images[0]]]);
  });

  it('says PredictorNotFound, keeping the labels, for an InferenceService with neither Revisions nor a predictor Deployment', async () => {
    await apply(inferenceService('pending', { team: 'ml-serving' }));
    // A Deployment of that name without KServe's labels is not taken for the predictor.
    await apply({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'pending-predictor', namespace: ns },
      spec: { replicas: 0, selector: { matchLabels: { app: 'pending' } }, template: { metadata: { labels: { app: 'pending' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } } },
    });
    // As the job identity: its Role is what lets it read all of this.
    const token = (await kubectlOk(['-n', ns, 'create', 'token', 'alertiger-job'])).trim();
    const kubeconfig = join(dir, 'job.kubeconfig');
    writeFileSync(kubeconfig, readFileSync(env.kube.kubeconfig, 'utf8').replace(/token: .*/, `token: ${token}`));
    const read = kubeWorkloadReader(loadKubeConfig(kubeconfig), ns);
    const seen = await read({ kind: 'InferenceService', name: 'pending' });
    assert.equal(seen.status.reason, 'PredictorNotFound', seen.status.message);
    assert.deepEqual(seen.status.labels, { team: 'ml-serving' });
    assert.deepEqual(seen.rollouts, []);
    const missing = await read({ kind: 'InferenceService', name: 'gone' });
    assert.equal(missing.status.reason, 'NotFound', missing.status.message);
    assert.match(missing.status.message ?? '', /InferenceService .*\/gone not found/);
  });
});

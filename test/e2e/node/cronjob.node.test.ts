/**
 * The node tier (issue 11): the operator and the monitor's CronJob run by a real node, not by a
 * stand-in. `helm install` of the chart (CRD, RBAC, the operator's Deployment from the product
 * image, loaded into the node's containerd) -> the operator's Pod runs on the node and leads ->
 * a ModelMonitor is applied -> the operator writes the CronJob -> `kubectl create job
 * --from=cronjob/...` -> kube-controller-manager's Job controller makes the Pod, kube-scheduler
 * binds it, the kubelet runs it with containerd + runc from the product image (built from the
 * Dockerfile by test/image/build.sh, imported with `ctr images import`), with the projected
 * token of the namespace's job ServiceAccount -> `alertiger job --monitor NS/NAME` in the Pod reads the
 * inference log from InfluxDB and writes the ModelMonitor's status.
 *
 * Needs root and what .ci/run installs and builds (test/controlplane/node/build.sh,
 * test/image/build.sh). Skipped, saying why, when those are missing, unless
 * ALERTIGER_REQUIRE_NODE=1 (as .ci/run sets it), which turns the skip into a failure.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelMonitor } from '../../../operator/src/api/types.js';
import { realServers, type RealServers } from '../../harness/index.js';
import { nodeUnavailable, startNode, type TestNode } from '../../harness/node.js';
import { chartDir, helm } from '../../integration/chart/helm.js';
import { writeInferenceLog } from '../influx-log.js';

interface ImageInfo { image: string; archive: string; pauseImage: string; pauseArchive: string; sizeBytes: number; startSeconds: number }

const DAY = 86_400_000;
const today = Math.floor(Date.now() / DAY) * DAY;
const MODEL = 'node-ranker';
const OPERATOR_NS = 'alertiger-system';

function imageInfo(): ImageInfo | string {
  const file = process.env.ALERTIGER_IMAGE_INFO ?? join(process.env.ALERTIGER_IMAGE_CACHE ?? join(homedir(), '.cache/alertiger/images'), 'alertiger-image.json');
  if (!existsSync(file)) return `no image built (${file} is missing): run test/image/build.sh`;
  const info = JSON.parse(readFileSync(file, 'utf8')) as ImageInfo;
  for (const f of [info.archive, info.pauseArchive]) if (!existsSync(f)) return `${f} is missing: run test/image/build.sh`;
  return info;
}

describe('A real node runs the monitor\'s CronJob (kubelet, containerd, runc, the product image)', function () {
  this.timeout(900_000);
  let env: RealServers;
  let node: TestNode | undefined;
  let info: ImageInfo;
  let ns: string;
  let firstRun: string | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'alertiger-node-'));
  const kubectlOk = async (args: string[], input?: string): Promise<string> => {
    const r = await node!.kubectl(args, input !== undefined ? { input } : {});
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  const report: string[] = [];
  const started = Date.now();

  before(async function () {
    const found = imageInfo();
    const reason = nodeUnavailable() ?? (typeof found === 'string' ? found : undefined);
    if (reason !== undefined) {
      if (process.env.ALERTIGER_REQUIRE_NODE === '1') throw new Error(`the node tier cannot run: ${reason}`);
      process.stdout.write(`      node tier skipped: ${reason}\n`);
      this.skip();
    }
    info = found as ImageInfo;
    env = await realServers();
    node = await startNode(join(dir, 'node'), { sandboxImage: { image: info.pauseImage, archive: info.pauseArchive } });
    const importSeconds = await node.importImage(info.archive);
    report.push(`node up in ${node.timings.total.toFixed(1)} s (${Object.entries(node.timings).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')}); ` +
      `image ${info.image} (${(info.sizeBytes / 1e6).toFixed(0)} MB) imported in ${importSeconds.toFixed(1)} s; ${Object.values(node.versions).join('; ')}`);

    ns = `node-${Date.now().toString(36)}`;
    await kubectlOk(['create', 'namespace', ns]);
    // 40 days of log, an incident in the last 3: missing purchase_amount on half the rows.
    await writeInferenceLog(env.influx.url, 'models', 'inference_log', { model: MODEL, ns }, {
      seed: 21, days: 42, rowsPerDay: 150, start: new Date(today - 40 * DAY),
      incidents: [{ kind: 'missing', feature: 'purchase_amount', rate: 0.5, fromDay: 37, toDay: 40 }], asOf: new Date(today + 60 * DAY),
    });

    // The operator as a user installs it: `helm install` of the chart (CRD, RBAC, Deployment),
    // its Pod run by this node from the same image, reaching the API server in-cluster.
    const t0 = Date.now();
    const [repository, tag] = [info.image.slice(0, info.image.lastIndexOf(':')), info.image.slice(info.image.lastIndexOf(':') + 1)];
    const install = await helm(['install', 'alertiger', chartDir, '--kubeconfig', node.kubeconfig, '-n', OPERATOR_NS, '--create-namespace',
      '--set', `image.repository=${repository}`, '--set', `image.tag=${tag}`, '--set', 'image.pullPolicy=Never',
      // What the operator and the job's Pod are given: the servers as a Pod reaches them.
      '--set', `influx.url=${node.podUrl(env.influx.url)}`, '--set', `alertmanager.url=${node.podUrl(env.alertmanager.url)}`,
      '--set', `watchNamespaces={${ns}}`, '--set', 'resyncInterval=30s', '--set', 'logLevel=debug',
      '--set', 'leaderElection.leaseDuration=3s', '--set', 'leaderElection.renewDeadline=2s', '--set', 'leaderElection.retryPeriod=500ms',
      '--wait', '--timeout', '5m']);
    assert.equal(install.code, 0, `helm install: ${install.stdout}\n${install.stderr}`);
    const operatorPod = JSON.parse(await kubectlOk(['-n', OPERATOR_NS, 'get', 'pods', '-l', 'app.kubernetes.io/name=alertiger', '-o', 'json'])) as { items: PodJson[] };
    const running = operatorPod.items.find((p) => p.status.phase === 'Running');
    assert.ok(running !== undefined, `no running operator Pod: ${JSON.stringify(operatorPod.items.map((p) => p.status.phase))}`);
    assert.equal(running.spec.nodeName, node.nodeName);
    report.push(`helm install (chart, operator Pod ${running.metadata.name} Ready on the node) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    // The CRD came with the chart; the node e2e's monitor goes through the API server's admission.
    await kubectlOk(['wait', '--for', 'condition=established', '--timeout=60s', 'crd/modelmonitors.alertiger.io']);
  });

  after(async () => {
    if (node === undefined && report.length === 0) {
      rmSync(dir, { recursive: true, force: true });
      return;
    }
    if (node !== undefined) {
      const pods = await node.kubectl(['get', 'pods', '-A', '-o', 'wide']);
      process.stdout.write(`      pods at the end:\n${pods.stdout.replace(/^/gm, '        ')}`);
      await node.stop();
    }
    report.push(`node tier wall time ${((Date.now() - started) / 1000).toFixed(1)} s`);
    for (const line of report) process.stdout.write(`      ${line}\n`);
    if (process.env.ALERTIGER_KEEP_TEST_DIR !== '1') rmSync(dir, { recursive: true, force: true });
    else process.stdout.write(`      node tier logs kept in ${dir}\n`);
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed' || node === undefined) return;
    const all = await node.kubectl(['-n', ns, 'get', 'modelmonitors,cronjobs,jobs,pods,events', '-o', 'wide']);
    const logs = await node.kubectl(['-n', ns, 'logs', '-l', 'job-name', '--tail=60', '--all-containers']);
    const operatorLogs = await node.kubectl(['-n', OPERATOR_NS, 'logs', '-l', 'app.kubernetes.io/name=alertiger', '--tail=80']);
    process.stdout.write(`--- ${ns}:\n${all.stdout}${all.stderr}\n--- job logs:\n${logs.stdout.slice(-8000)}${logs.stderr}\n` +
      `--- operator logs:\n${operatorLogs.stdout.slice(-8000)}${operatorLogs.stderr}\n--- logs in ${dir} (ALERTIGER_KEEP_TEST_DIR=1 keeps them)\n`);
  });

  it('runs `alertiger job` in a Pod of the CronJob on the node, which writes the monitor\'s status', async () => {
    await kubectlOk(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', metadata: { name: MODEL, namespace: ns },
      spec: {
        model: { name: MODEL, version: 'v1' },
        source: { influx: { database: 'models', measurement: 'inference_log', where: { model: MODEL, ns } } },
        schema: { score: 'score', label: 'label', timestamp: 'ts', categorical: ['country', 'device', 'channel'], task: 'classification' },
        granularity: '1d', schedule: '15 2 * * *',
      },
    }));
    const cronJob = `${MODEL}-alertiger`;
    await waitFor('the operator to write the CronJob', async () => (await node!.kubectl(['-n', ns, 'get', 'cronjob', cronJob])).code === 0, 60_000);

    const t0 = Date.now();
    await kubectlOk(['-n', ns, 'create', 'job', 'run-1', `--from=cronjob/${cronJob}`]);
    const pod = await waitFor('the job\'s Pod to finish', async () => {
      const r = await node!.kubectl(['-n', ns, 'get', 'pods', '-l', 'job-name=run-1', '-o', 'json']);
      const items = r.code === 0 ? (JSON.parse(r.stdout) as { items: PodJson[] }).items : [];
      return items.find((p) => p.status.phase === 'Succeeded' || p.status.phase === 'Failed');
    }, 300_000, 1000);
    const podSeconds = (Date.now() - t0) / 1000;
    const logs = await node!.kubectl(['-n', ns, 'logs', pod.metadata.name]);
    assert.equal(logs.code, 0, `kubectl logs (API server -> kubelet): ${logs.stderr}`);
    assert.equal(pod.status.phase, 'Succeeded', `pod ${pod.metadata.name}: ${JSON.stringify(pod.status, null, 1)}\n${logs.stdout.slice(-6000)}`);

    // A real Pod of that Job, on this node, from the image, with the ServiceAccount's projected token.
    assert.equal(pod.spec.nodeName, node!.nodeName);
    assert.equal(pod.metadata.ownerReferences?.[0]?.kind, 'Job');
    assert.equal(pod.spec.serviceAccountName, 'alertiger-job', "the namespace's job identity");
    assert.ok(pod.spec.volumes.some((v) => v.projected?.sources?.some((s) => s.serviceAccountToken !== undefined)), 'the ServiceAccount token is projected');
    const container = pod.status.containerStatuses[0];
    assert.equal(container.image.replace(/^docker\.io\//, ''), info.image.replace(/^docker\.io\//, ''));
    assert.deepEqual(pod.spec.containers[0].args, ['job', '--monitor', `${ns}/${MODEL}`]);
    assert.equal(container.state.terminated?.exitCode, 0);
    const ran = container.state.terminated!;
    const containerSeconds = (Date.parse(ran.finishedAt) - Date.parse(ran.startedAt)) / 1000;
    const pending = (Date.parse(ran.startedAt) - Date.parse(pod.metadata.creationTimestamp)) / 1000;

    const monitor = JSON.parse(await kubectlOk(['-n', ns, 'get', 'modelmonitor', MODEL, '-o', 'json', '--show-managed-fields'])) as ModelMonitor & { metadata: { managedFields: Array<{ manager: string; subresource?: string }> } };
    const status = monitor.status ?? {};
    assert.ok(status.lastRunTime !== undefined && Date.parse(status.lastRunTime) >= t0 - 5000, JSON.stringify(status, null, 1));
    assert.equal(status.health, 'Anomalous', JSON.stringify(status, null, 1));
    assert.ok(status.anomalies?.some((a) => a.subject === 'purchase_amount'), JSON.stringify(status.anomalies));
    assert.equal(status.conditions?.find((c) => c.type === 'LastRunSucceeded')?.status, 'True');
    assert.ok(monitor.metadata.managedFields.some((m) => m.manager === 'alertiger-job' && m.subresource === 'status'), 'the job wrote the status with its own field manager');
    // The operator's Pod wrote Ready, the job's Pod the rest: both on the node.
    assert.equal(status.conditions?.find((c) => c.type === 'Ready')?.status, 'True', JSON.stringify(status.conditions));
    const table = await kubectlOk(['-n', ns, 'get', 'mm', MODEL]);
    assert.match(table.split('\n')[1] ?? '', new RegExp(`^${MODEL}\\s+${MODEL}\\s+True\\s+Reconciled\\s+Anomalous\\s`), table);
    report.push(`pod ${pod.metadata.name} on ${pod.spec.nodeName}: ${pod.status.phase}; job created -> pod done ${podSeconds.toFixed(1)} s ` +
      `(created -> container started ${pending.toFixed(1)} s, container ran ${containerSeconds.toFixed(1)} s); status: health ${status.health}, ` +
      `lastRunTime ${status.lastRunTime}, anomalies ${status.anomalyCount}`);
    report.push(`kubectl logs ${pod.metadata.name} (last line): ${logs.stdout.trim().split('\n').at(-1)?.slice(0, 300) ?? ''}`);
    report.push(`kubectl get mm:\n        ${table.trim().replace(/\n/g, '\n        ')}`);
    firstRun = status.lastRunTime;
  });

  it('runs the job again when the CronJob controller fires on its schedule', async () => {
    assert.ok(firstRun !== undefined, 'the first run did not pass');
    const cronJob = `${MODEL}-alertiger`;
    // Every minute, through the monitor (the operator owns the CronJob).
    await kubectlOk(['-n', ns, 'patch', 'modelmonitor', MODEL, '--type=merge', '-p', JSON.stringify({ spec: { schedule: '* * * * *' } })]);
    const t0 = Date.now();
    const job = await waitFor('a Job created by the CronJob controller', async () => {
      const r = await node!.kubectl(['-n', ns, 'get', 'jobs', '-o', 'json']);
      const items = r.code === 0 ? (JSON.parse(r.stdout) as { items: Array<{ metadata: { name: string; ownerReferences?: Array<{ kind: string; name: string }> } }> }).items : [];
      // Not run-1: `kubectl create job --from` also names the CronJob as its owner.
      return items.find((j) => j.metadata.name !== 'run-1' && j.metadata.ownerReferences?.some((o) => o.kind === 'CronJob' && o.name === cronJob));
    }, 150_000, 1000);
    const pod = await waitFor('the scheduled job\'s Pod to finish', async () => {
      const r = await node!.kubectl(['-n', ns, 'get', 'pods', '-l', `job-name=${job.metadata.name}`, '-o', 'json']);
      const items = r.code === 0 ? (JSON.parse(r.stdout) as { items: PodJson[] }).items : [];
      return items.find((p) => p.status.phase === 'Succeeded' || p.status.phase === 'Failed');
    }, 300_000, 1000);
    await kubectlOk(['-n', ns, 'patch', 'modelmonitor', MODEL, '--type=merge', '-p', JSON.stringify({ spec: { suspend: true } })]);
    assert.equal(pod.status.phase, 'Succeeded', JSON.stringify(pod.status, null, 1));
    assert.equal(pod.spec.nodeName, node!.nodeName);
    const status = JSON.parse(await kubectlOk(['-n', ns, 'get', 'modelmonitor', MODEL, '-o', 'json'])).status as NonNullable<ModelMonitor['status']>;
    assert.ok(Date.parse(status.lastRunTime ?? '') > Date.parse(firstRun), `lastRunTime ${status.lastRunTime} is not after ${firstRun}`);
    report.push(`CronJob controller fired ${job.metadata.name} ${((Date.now() - t0) / 1000).toFixed(1)} s after the schedule change; pod ${pod.metadata.name} ${pod.status.phase}; lastRunTime ${status.lastRunTime}, health ${status.health}`);
  });
});

interface PodJson {
  metadata: { name: string; creationTimestamp: string; ownerReferences?: Array<{ kind: string; name: string }> };
  spec: {
    nodeName?: string; serviceAccountName: string;
    containers: Array<{ args?: string[] }>;
    volumes: Array<{ name: string; projected?: { sources?: Array<{ serviceAccountToken?: unknown }> } }>;
  };
  status: {
    phase: string;
    containerStatuses: Array<{ image: string; imageID: string; state: { terminated?: { exitCode: number; startedAt: string; finishedAt: string } } }>;
  };
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * `alertiger train --feedback` end to end on the real servers: a monitor's statistics, the
 * points the pretrained detector flagged and the verdicts people gave are written to the real
 * InfluxDB; the CLI, run as a process, fine-tunes stage 2, passes the held-out check, writes a
 * versioned model and publishes it as a ConfigMap on the real API server; the same data with the
 * verdicts of the training part swapped is refused (exit 1, nothing written). Then the rollout: a monitor naming the
 * ConfigMap in spec.detection.model gets a CronJob (built by the operator) that mounts it; the
 * ConfigMap's keys, written as files the way the kubelet mounts them, load as the detector; and
 * a job whose model ConfigMap is missing fails its run with a status naming it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1ConfigMap, V1CronJob } from '@kubernetes/client-node';
import { assembleFeedback } from '../../../operator/src/commands/train-feedback.js';
import { initBackend } from '../../../operator/src/detector/backend.js';
import { loadDetector } from '../../../operator/src/detector/detector.js';
import { scorePoints, splitByTime } from '../../../operator/src/detector/heldout.js';
import { disposeModel, loadDetectorFiles } from '../../../operator/src/detector/io.js';
import { pretrainedModelPath } from '../../../operator/src/detector/paths.js';
import { syntheticCluster } from '../../../operator/src/detector/synthetic/cluster.js';
import { alertsOf } from '../../../operator/src/detector/synthetic/cluster.js';
import { silentLogger } from '../../../operator/src/log.js';
import type { FeedbackRecord } from '../../../operator/src/run/feedback.js';
import type { DetectionPoint, WindowStatistics } from '../../../operator/src/run/ports.js';
import { InfluxStatisticsStore } from '../../../operator/src/store/influx.js';
import { alertiger } from '../../harness/cli.js';
import { realServers } from '../../harness/index.js';
import { applyMonitor, getJson, getMonitor, kubectlOk, newNamespace, servers, startTestOperator, testConfig, waitFor, type TestOperator } from '../operator/helpers.js';

const DAY = 86_400_000;

/** One monitor's history: each synthetic series is the `value` statistic of feature f<k>. */
function windowsOf(cluster: ReturnType<typeof syntheticCluster>): WindowStatistics[] {
  const byTime = new Map<number, WindowStatistics['values']>();
  cluster.forEach((s, k) => s.values.forEach((v, t) => {
    const time = s.start + t * DAY;
    const list = byTime.get(time) ?? [];
    list.push({ category: 'feature', subject: `f${k}`, statistic: 'value', value: v });
    byTime.set(time, list);
  }));
  return [...byTime].sort(([a], [b]) => a - b).map(([time, values]) => ({ window: { start: new Date(time), end: new Date(time + DAY) }, rows: 1000, values }));
}

describe('alertiger train --feedback (real InfluxDB and API server)', function () {
  this.timeout(600_000);
  let url: string;
  let kubeconfig: string;
  let dir: string;
  let ns: string;
  const database = `feedback_${Date.now()}`;

  before(async () => {
    const env = await servers();
    url = (await realServers()).influx.url;
    kubeconfig = env.kube.kubeconfig;
    ns = await newNamespace('feedback');
    dir = mkdtempSync(join(tmpdir(), 'alertiger-train-feedback-'));
    await initBackend({ logger: silentLogger });
    const cluster = syntheticCluster({ seed: 3, count: 80, length: 300, backfillShare: 0.6 });
    const windows = windowsOf(cluster);
    // The pretrained model's alerts on the series as the command will read them back.
    const probe = new InfluxStatisticsStore({ namespace: ns, monitor: 'probe' }, { url, database });
    await probe.writeStatistics(windows);
    const history = await probe.readHistory(new Date(0), new Date(Date.now() + DAY));
    const set = assembleFeedback([{ namespace: ns, monitor: 'probe', history, flagged: [], feedback: [] }]).byGranularity.get('1d')!;
    const { models } = await loadDetectorFiles(pretrainedModelPath());
    const scored = scorePoints(models.find((m) => m.spec.granularity === '1d')!, set.series, -Infinity);
    models.forEach(disposeModel);
    const flags = set.series.map((s) => new Uint8Array(s.values.length));
    for (let i = 0; i < scored.score.length; i++) if (scored.outside[i] === 1 && scored.score[i] > 0.2) flags[scored.series[i]][scored.index[i]] = 1;
    // The truth on each read-back grid (series k is subject f<k>).
    const subjectOf = (k: number): number => Number(/\/f(\d+)\//.exec(set.names[k])![1]);
    const labels = set.series.map((s, k) => {
      const truth = cluster[subjectOf(k)];
      return Uint8Array.from(s.values, (_, t) => truth.labels[Math.round((s.start + t * DAY - truth.start) / DAY)] ?? 0);
    });
    const alerts = alertsOf(labels, flags);
    const falseShare = alerts.filter((a) => a.verdict === 'false-alarm').length / alerts.length;
    assert.ok(falseShare > 0.2 && falseShare < 0.9, `${alerts.length} alerts, ${(100 * falseShare).toFixed(0)}% false`);
    const flagged: DetectionPoint[] = [];
    flags.forEach((f, k) => f.forEach((x, t) => {
      if (x === 1) flagged.push({ category: 'feature', subject: `f${subjectOf(k)}`, statistic: 'value', time: set.series[k].start + t * DAY, observed: set.series[k].values[t], baseline: 0, lower: 0, upper: 0, score: 0.9, severity: 2, anomaly: true });
    }));
    // Made worse on purpose: the verdicts of the training part (older than the held-out 30%)
    // swapped, the held-out ones left as given.
    const cutoff = splitByTime(alerts, set.series, DAY).cutoff;
    const write = async (monitor: string, swap: boolean): Promise<void> => {
      const store = new InfluxStatisticsStore({ namespace: ns, monitor }, { url, database });
      await store.writeStatistics(windows);
      await store.writeDetections(flagged);
      const records: FeedbackRecord[] = alerts.map((a) => {
        const start = new Date(set.series[a.series].start + a.start * DAY).toISOString();
        const verdict = swap && Date.parse(start) < cutoff ? (a.verdict === 'incident' ? 'false-alarm' : 'incident') : a.verdict;
        return { namespace: ns, monitor, category: 'feature', subject: `f${subjectOf(a.series)}`, statistic: 'value', id: createHash('sha256').update(`${monitor}${a.series}${start}`).digest('hex').slice(0, 10), verdict, note: '', anomalyStart: start };
      });
      await store.writeFeedback(records);
    };
    await write('ranker', false);
    await write('ranker-swapped', true);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const train = (monitor: string, output: string, extra: string[] = []) => alertiger([
    'train', '--feedback', '--influx', url, '--database', database, '--namespace', ns, '--monitor', monitor,
    '--output', output, '--epochs', '20', '--seed', '1', ...extra,
  ]);

  it('fine-tunes on the verdicts, passes the held-out check, writes a versioned model and publishes it as a ConfigMap', async () => {
    const output = join(dir, 'model-v2');
    const r = await train('ranker', output, ['--configmap', `${ns}/ranker-model-v2`, '--kubeconfig', kubeconfig]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /1d: accepted: at recall \d+% on the held-out part .*: (\d+) false alarms with the new model, (\d+) with the current one/);
    const manifest = JSON.parse(readFileSync(join(output, 'detector.json'), 'utf8')) as { release: { version: string; parent: string; results: { '1d': { heldOut: { falseAlarmsNew: number; falseAlarmsCurrent: number } } } } };
    assert.match(manifest.release.version, /^fb-[0-9a-f]{12}$/);
    assert.equal(manifest.release.parent, 'pretrained');
    assert.ok(manifest.release.results['1d'].heldOut.falseAlarmsNew < manifest.release.results['1d'].heldOut.falseAlarmsCurrent);
    const cm = await getJson<V1ConfigMap>(['-n', ns, 'get', 'configmap', 'ranker-model-v2']);
    assert.equal(cm.metadata?.labels?.['alertiger.io/model-version'], manifest.release.version);
    assert.equal(cm.immutable, true);
    // A version is never changed in place: publishing under a taken name fails, naming it.
    const again = await train('ranker', join(dir, 'model-again'), ['--configmap', `${ns}/ranker-model-v2`, '--kubeconfig', kubeconfig]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, new RegExp(`ConfigMap ${ns}/ranker-model-v2 already exists`));
  });

  it('refuses the model trained on swapped verdicts, checked against the true held-out ones (exit 1), and writes nothing', async () => {
    const output = join(dir, 'model-worse');
    const r = await train('ranker-swapped', output);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /1d: refused: /);
    assert.match(r.stdout, /no new model written/);
    assert.equal(existsSync(output), false);
  });

  it('names the scope when no feedback is stored (exit 2)', async () => {
    const r = await train('nobody', join(dir, 'none'));
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`no feedback stored in ${database} .* for ${ns}/nobody`));
  });

  describe('rollout by spec', () => {
    let op: TestOperator;
    before(async () => {
      op = await startTestOperator(testConfig([ns]), 'feedback-rollout');
    });
    after(async () => op.running.stop());

    it('gives a monitor naming the ConfigMap a CronJob that mounts it, and its keys load as the detector', async () => {
      await applyMonitor(ns, 'ranker', { detection: { model: { configMapRef: { name: 'ranker-model-v2' } } } });
      const cronJob = await waitFor('the CronJob', async () => {
        const cj = await getJson<V1CronJob>(['-n', ns, 'get', 'cronjob', 'ranker-alertiger']).catch(() => undefined);
        return cj?.spec?.jobTemplate.spec?.template.spec?.volumes?.some((v) => v.configMap?.name === 'ranker-model-v2') === true ? cj : undefined;
      });
      const container = cronJob.spec!.jobTemplate.spec!.template.spec!.containers[0];
      assert.deepEqual(container.env?.find((e) => e.name === 'ALERTIGER_DETECTOR'), { name: 'ALERTIGER_DETECTOR', value: '/etc/alertiger/model' });
      assert.ok(container.volumeMounts?.some((m) => m.mountPath === '/etc/alertiger/model' && m.readOnly === true));
      // As the kubelet mounts it: one file per key.
      const cm = await getJson<V1ConfigMap>(['-n', ns, 'get', 'configmap', 'ranker-model-v2']);
      const mounted = join(dir, 'mounted');
      mkdirSync(mounted);
      for (const [k, v] of Object.entries(cm.data ?? {})) writeFileSync(join(mounted, k), v);
      for (const [k, v] of Object.entries(cm.binaryData ?? {})) writeFileSync(join(mounted, k), Buffer.from(v, 'base64'));
      const detector = await loadDetector(mounted);
      try {
        const timestamps = Array.from({ length: 40 }, (_, i) => Date.UTC(2026, 0, 1) + i * DAY);
        const [scores] = detector.score([{ timestamps, values: timestamps.map((_, i) => 10 + (i % 7)), granularity: '1d' }]);
        assert.equal(scores.timestamps.length, 12);
      } finally {
        detector.dispose();
      }
      // Rollback: point the spec at another version; the CronJob follows.
      await applyMonitor(ns, 'ranker', { detection: { model: { configMapRef: { name: 'ranker-model-v1' } } } });
      await waitFor('the rolled-back CronJob', async () => {
        const cj = await getJson<V1CronJob>(['-n', ns, 'get', 'cronjob', 'ranker-alertiger']);
        return cj.spec?.jobTemplate.spec?.template.spec?.volumes?.some((v) => v.configMap?.name === 'ranker-model-v1') === true ? true : undefined;
      });
    });

    it('fails the run of a job whose model ConfigMap is missing, naming it in the status', async () => {
      await applyMonitor(ns, 'lost', { detection: { model: { configMapRef: { name: 'no-such-model' } } } });
      // What the optional volume of a missing ConfigMap mounts: an empty directory.
      const empty = join(dir, 'empty');
      mkdirSync(empty);
      const saved = { ...process.env };
      Object.assign(process.env, { KUBECONFIG: kubeconfig, ALERTIGER_INFLUX_URL: url, ALERTIGER_DETECTOR: empty });
      let r;
      try {
        r = await alertiger(['job', '--monitor', `${ns}/lost`]);
      } finally {
        process.env = saved;
      }
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, new RegExp(`model ConfigMap ${ns}/no-such-model \\(spec.detection.model.configMapRef\\) is missing`));
      const monitor = await getMonitor(ns, 'lost');
      const last = monitor.status?.conditions?.find((c) => c.type === 'LastRunSucceeded');
      assert.equal(last?.status, 'False');
      assert.equal(last?.reason, 'ModelNotFound');
      assert.match(last?.message ?? '', /no-such-model/);
      await kubectlOk(['-n', ns, 'get', 'modelmonitor', 'lost']);
    });
  });
});

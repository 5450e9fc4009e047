/**
 * A sharded run on the real servers (docs/sharding.md): the same log and monitor, once as a
 * single-Pod run and once as 3 shards. Each shard is an `alertiger job` process with the
 * environment a kubelet would give the Pod of the operator's Indexed Job (the CronJob's env,
 * the Job's name for its run id, JOB_COMPLETION_INDEX), all started at once. The two monitors
 * end with the same status and the same windows in InfluxDB, on a first run and on the next day's
 * run (late labels rewritten), for a file (byte ranges) and an InfluxDB source (time slices); a
 * shard that never reports fails the run, naming it. kube-controller-manager's Job controller
 * turns the sharded CronJob into one Pod per shard. Then `alertiger run --shards 3` locally.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelMonitor } from '../../../operator/src/api/types.js';
import { packageRoot } from '../../../operator/src/paths.js';
import { buildCronJob } from '../../../operator/src/jobs/index.js';
import { SHARD_ENV } from '../../../operator/src/jobs/shards.js';
import type { WindowStatistics } from '../../../operator/src/run/ports.js';
import { compareStatistics } from '../../../operator/src/shard/compare.js';
import { InfluxStatisticsStore } from '../../../operator/src/store/influx.js';
import { ShardExchange } from '../../../operator/src/store/shards.js';
import { DEFAULT_START, generateInferenceLog } from '../../../operator/src/synthetic/index.js';
import { writeInferenceLog } from '../../e2e/influx-log.js';
import { alertiger, type CliResult } from '../../harness/cli.js';
import { applyMonitor, getJson, getMonitor, kubectlOk, newNamespace, servers, waitFor } from '../operator/helpers.js';

const DAY = 86_400_000;
const start = Date.parse(DEFAULT_START);
/** `alertiger job` in its own process with exactly the given environment, as a Pod runs it. */
function job(args: string[], env: Record<string, string>): Promise<CliResult> {
  return alertiger(args, packageRoot(), env);
}

describe('a sharded run (3 job processes) against one Pod (kube-apiserver, InfluxDB, Alertmanager)', function () {
  this.timeout(600_000);
  let dir: string;
  let ns: string;
  let kubeconfig: string;
  let influxUrl: string;
  let alertmanagerUrl: string;
  const detector = process.env.ALERTIGER_TEST_DETECTOR;

  before(async () => {
    const env = await servers();
    kubeconfig = env.kube.kubeconfig;
    influxUrl = env.influx.url;
    alertmanagerUrl = env.alertmanager.url;
    ns = await newNamespace('shards');
    dir = mkdtempSync(join(tmpdir(), 'alertiger-shards-'));
    // 40 days with an incident from day 36: a first run at day 38 finds anomalies. One file, so the
    // shards split it by byte range.
    const rows = [...generateInferenceLog({
      seed: 3, days: 40, rowsPerDay: 400, labelRate: 0.3, labelDelayDays: 2, asOf: new Date(start + 80 * DAY),
      incidents: [{ kind: 'missing', feature: 'purchase_amount', rate: 0.45, fromDay: 36 }],
    })];
    writeFileSync(join(dir, 'log.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const spec = {
      model: { name: 'propensity' },
      source: { file: { path: join(dir, 'log.jsonl') } },
      schema: { categorical: ['country', 'device', 'channel'], label: 'label', score: 'score' },
    };
    await applyMonitor(ns, 'single', spec);
    await applyMonitor(ns, 'sharded', { ...spec, scale: { shards: 3 } });
    await applyMonitor(ns, 'lonely', { ...spec, scale: { shards: 3 } });
    // The same kind of log in InfluxDB: the shards read time slices of each window.
    await writeInferenceLog(influxUrl, 'models', 'inference_log', { ns }, {
      seed: 5, days: 40, rowsPerDay: 300, start: new Date(start), asOf: new Date(start + 80 * DAY),
      incidents: [{ kind: 'missing', feature: 'purchase_amount', rate: 0.45, fromDay: 36 }],
    });
    const influxSpec = { ...spec, source: { influx: { database: 'models', measurement: 'inference_log', where: { ns } } } };
    await applyMonitor(ns, 'influx-single', influxSpec);
    await applyMonitor(ns, 'influx-sharded', { ...influxSpec, scale: { shards: 3 } });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** The env of the job container the operator builds for this monitor, as the kubelet resolves it. */
  function podEnv(name: string, shards: number, jobName: string, index?: number): Record<string, string> {
    const cronJob = buildCronJob({
      monitor: { name, namespace: ns, uid: 'u' },
      spec: { schedule: '15 2 * * *', suspend: false, granularity: '1d', ...(shards > 1 ? { shards } : {}) },
      job: { image: 'alertiger:test', influxUrl, influxDatabase: 'alertiger', alertmanagerUrl, resources: { requests: {}, limits: {} } },
    }) as unknown as { spec: { jobTemplate: { spec: { template: { spec: { containers: Array<{ env: Array<{ name: string; value?: string; valueFrom?: unknown }> }> } } } } } };
    const out: Record<string, string> = { KUBECONFIG: kubeconfig, ALERTIGER_LOG_LEVEL: 'warn' };
    for (const e of cronJob.spec.jobTemplate.spec.template.spec.containers[0].env) {
      // The one fieldRef is the Job's name label; Kubernetes sets JOB_COMPLETION_INDEX itself.
      out[e.name] = e.value ?? jobName;
    }
    if (index !== undefined) out[SHARD_ENV.index] = String(index);
    if (detector !== undefined) out.ALERTIGER_DETECTOR = detector;
    return out;
  }

  const args = (name: string, day: number): string[] => ['job', '--monitor', `${ns}/${name}`, '--now', new Date(start + day * DAY + 2 * 3600_000).toISOString()];

  async function runShards(name: string, day: number, indexes: number[], extra: Record<string, string> = {}): Promise<CliResult[]> {
    const jobName = `${name}-alertiger-${day}`;
    return Promise.all(indexes.map((i) => job(args(name, day), { ...podEnv(name, 3, jobName, i), ...extra })));
  }

  /** The one-Pod run of `single` and the 3-shard run of `sharded` for `day`, each asserted to succeed; the shards' results. */
  async function runBoth(single: string, sharded: string, day: number): Promise<CliResult[]> {
    const one = await job(args(single, day), podEnv(single, 1, `${single}-alertiger-${day}`));
    assert.equal(one.code, 0, one.stdout + one.stderr);
    const shards = await runShards(sharded, day, [0, 1, 2]);
    for (const [i, r] of shards.entries()) assert.equal(r.code, 0, `shard ${i}: ${r.stdout}${r.stderr}`);
    return shards;
  }

  async function stored(name: string, day: number): Promise<WindowStatistics[]> {
    const store = new InfluxStatisticsStore({ namespace: ns, monitor: name }, { url: influxUrl, database: 'alertiger' });
    const history = await store.readHistory(new Date(start - DAY), new Date(start + day * DAY));
    const byWindow = new Map<number, WindowStatistics>();
    for (const s of history) {
      s.times.forEach((t, i) => {
        const w = byWindow.get(t) ?? { window: { start: new Date(t), end: new Date(t + DAY) }, rows: 0, values: [] };
        w.values.push({ category: s.category, subject: s.subject, statistic: s.statistic, value: s.values[i] });
        byWindow.set(t, w);
      });
    }
    return [...byWindow.values()].sort((a, b) => a.window.start.getTime() - b.window.start.getTime());
  }

  function comparable(m: ModelMonitor): unknown {
    const s = m.status ?? {};
    return {
      health: s.health, anomalyCount: s.anomalyCount, lastWindowEnd: s.lastWindowEnd, scoredSeries: s.scoredSeries, totalSeries: s.totalSeries,
      anomalies: (s.anomalies ?? []).map((a) => `${a.category}/${a.subject}/${a.statistic} from ${a.start}`).sort(),
      conditions: (s.conditions ?? []).filter((c) => c.type !== 'Ready').map((c) => `${c.type}=${c.status} ${c.reason}`).sort(),
      backtest: s.backtest?.message,
    };
  }

  async function assertSame(day: number, single = 'single', sharded = 'sharded'): Promise<void> {
    const [one, three] = [await getMonitor(ns, single), await getMonitor(ns, sharded)];
    assert.equal(one.status?.conditions?.find((c) => c.type === 'LastRunSucceeded')?.status, 'True', JSON.stringify(one.status?.conditions));
    assert.deepEqual(comparable(three), comparable(one));
    const [a, b] = [await stored(single, day), await stored(sharded, day)];
    assert.ok(a.length >= 30, `${a.length} windows stored`);
    const c = compareStatistics(a, b);
    assert.deepEqual(c.differences, [], `${c.exact} exact and ${c.sketched} sketched statistics compared`);
    // Every shard's summaries were merged, then dropped.
    const exchange = new ShardExchange({ namespace: ns, monitor: sharded, run: `${sharded}-alertiger-${day}` }, { url: influxUrl, database: 'alertiger' });
    assert.deepEqual([...await exchange.complete()], []);
  }

  it('gives the status and stored windows of one Pod on a first run (backfill and backtest)', async () => {
    const shards = await runBoth('single', 'sharded', 38);
    assert.match(shards[1].stdout, /shard 1 of 3 stored its summary \(\d+ rows, run sharded-alertiger-38\)/);
    assert.match(shards[0].stdout, /: (Anomalous|Healthy|Unknown), \d+ open anomalies, \d+ window\(s\) stored/);
    const m = await getMonitor(ns, 'sharded');
    assert.equal(m.status?.health, 'Anomalous', JSON.stringify(m.status?.conditions));
    await assertSame(38);
  });

  it('gives the status and stored windows of one Pod on the next run (the label horizon re-read)', async () => {
    await runBoth('single', 'sharded', 39);
    await assertSame(39);
  });

  it('gives the status and stored windows of one Pod for an InfluxDB source, read in time slices', async () => {
    const shards = await runBoth('influx-single', 'influx-sharded', 38);
    const rows = shards.slice(1).map((r) => Number(/\((\d+) rows/.exec(r.stdout)?.[1]));
    assert.ok(rows.every((n) => n > 3000), `each worker read about a third of the rows: ${rows.join(', ')}`);
    await assertSame(38, 'influx-single', 'influx-sharded');
  });

  it("has Kubernetes' Job controller start one Pod per shard, each with its index and the Job's name", async () => {
    const env = await servers();
    await env.kube.startControllerManager();
    const cronJob = buildCronJob({
      monitor: { name: 'sharded', namespace: ns, uid: (await getMonitor(ns, 'sharded')).metadata.uid ?? '' },
      spec: { schedule: '15 2 * * *', suspend: true, granularity: '1d', shards: 3 },
      job: { image: 'alertiger:test', influxUrl, influxDatabase: 'alertiger', resources: { requests: {}, limits: {} } },
    }) as unknown as { metadata: { name: string } };
    await kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(cronJob) });
    await kubectlOk(['-n', ns, 'create', 'job', 'sharded-run-1', `--from=cronjob/${cronJob.metadata.name}`]);
    type Pod = { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: { containers: Array<{ env: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }> }> } };
    const pods = await waitFor('three Pods of the Indexed Job', async () => {
      const list = await getJson<{ items: Pod[] }>(['-n', ns, 'get', 'pods', '-l', 'batch.kubernetes.io/job-name=sharded-run-1']);
      return list.items.length === 3 ? list.items : undefined;
    }, 60_000, 500);
    const indexes = pods.map((p) => p.metadata.labels['batch.kubernetes.io/job-completion-index']).sort();
    assert.deepEqual(indexes, ['0', '1', '2']);
    for (const pod of pods) {
      const env = pod.spec.containers[0].env;
      assert.ok(env.some((e) => e.name === 'JOB_COMPLETION_INDEX'), 'Kubernetes gives each Pod its index');
      assert.equal(env.find((e) => e.name === 'ALERTIGER_SHARDS')?.value, '3');
      assert.equal(env.find((e) => e.name === 'ALERTIGER_RUN_ID')?.valueFrom?.fieldRef?.fieldPath, "metadata.labels['batch.kubernetes.io/job-name']");
      assert.equal(pod.metadata.labels['batch.kubernetes.io/job-name'], 'sharded-run-1', 'the label the run id is read from');
    }
    await kubectlOk(['-n', ns, 'delete', 'job', 'sharded-run-1', '--wait=false']);
  });

  it('fails the run naming the shard that never reported, and keeps what the others stored', async () => {
    const shards = await runShards('lonely', 38, [0, 1], { ALERTIGER_SHARD_WAIT: '3s' });
    assert.equal(shards[1].code, 0, shards[1].stdout + shards[1].stderr);
    assert.equal(shards[0].code, 2, shards[0].stdout + shards[0].stderr);
    const m = await getMonitor(ns, 'lonely');
    const last = m.status?.conditions?.find((c) => c.type === 'LastRunSucceeded');
    assert.equal(last?.status, 'False');
    assert.equal(last?.reason, 'ShardsIncomplete');
    assert.match(last?.message ?? '', /shard 2 of 3 stored no summary within 3 s/);
    assert.equal(m.status?.lastWindowEnd, undefined, 'nothing was stored: the next run starts over');
    const exchange = new ShardExchange({ namespace: ns, monitor: 'lonely', run: 'lonely-alertiger-38' }, { url: influxUrl, database: 'alertiger' });
    assert.deepEqual([...await exchange.complete()], [1], "shard 1's summary is kept for a retry");
  });
});

describe('alertiger run --shards N (local child processes)', function () {
  this.timeout(300_000);
  let dir: string;
  const detector = process.env.ALERTIGER_TEST_DETECTOR;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'alertiger-run-shards-'));
    const rows = [...generateInferenceLog({
      seed: 4, days: 40, rowsPerDay: 300, asOf: new Date(start + 80 * DAY),
      incidents: [{ kind: 'missing', feature: 'purchase_amount', rate: 0.45, fromDay: 36 }],
    })];
    // Four files of a glob, dealt to the shards by index.
    for (let p = 0; p < 4; p++) writeFileSync(join(dir, `part-${p}.jsonl`), rows.filter((_, i) => i % 4 === p).map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(join(dir, 'monitor.yaml'), JSON.stringify({
      apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', metadata: { name: 'propensity' },
      spec: { model: { name: 'propensity' }, source: { file: { path: join(dir, 'part-*.jsonl') } }, schema: { categorical: ['country', 'device', 'channel'] } },
    }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const run = (store: string, extra: string[]): Promise<CliResult> => job(['run', '-f', join(dir, 'monitor.yaml'), '--store', join(dir, store), '--now',
    new Date(start + 38 * DAY + 2 * 3600_000).toISOString(), '--json', ...(detector !== undefined ? ['--detector', detector] : []), ...extra], { HOME: dir });

  it('gives the status of one process with 3 shard processes', async () => {
    const [one, three] = await Promise.all([run('one', []), run('three', ['--shards', '3'])]);
    assert.equal(one.code, 1, one.stdout + one.stderr);
    assert.equal(three.code, 1, three.stdout + three.stderr);
    const status = (r: CliResult): Record<string, unknown> => {
      const s = (JSON.parse(r.stdout) as { status: ModelMonitor['status'] & object; storedWindows: number });
      return { health: s.status.health, anomalies: s.status.anomalies?.map((a) => `${a.category}/${a.subject}/${a.statistic}`).sort(), scoredSeries: s.status.scoredSeries, totalSeries: s.status.totalSeries, lastWindowEnd: s.status.lastWindowEnd, stored: s.storedWindows };
    };
    assert.deepEqual(status(three), status(one));
    assert.equal(status(one).health, 'Anomalous');
  });

  it('refuses a shard count outside 1..64, naming the flag', async () => {
    const r = await run('bad', ['--shards', '65']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--shards: "65" is not a whole number from 1 to 64/);
  });
});

import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type { ModelMonitor } from '../../../operator/src/api/types.js';
import { loadOperatorConfig } from '../../../operator/src/config.js';
import type { AlertHooks } from '../../../operator/src/controller/alerts.js';
import { Controller } from '../../../operator/src/controller/controller.js';
import { jobTemplateConfig } from '../../../operator/src/jobs/index.js';
import { CRON_JOB, MODEL_MONITOR, SECRET, type KubeObject } from '../../../operator/src/k8s/types.js';
import { silentLogger } from '../../../operator/src/log.js';
import { OperatorMetrics } from '../../../operator/src/server/metrics.js';
import { FakeClock, FakePort, flush } from './fakes.js';

const NS = 'ml';

function monitorObject(name: string, spec: Record<string, unknown> = {}, generation = 1): KubeObject {
  return {
    apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor',
    metadata: { name, namespace: NS, uid: `uid-${name}`, generation },
    spec: { model: { name }, source: { influx: { database: 'd', measurement: 'm' } }, ...spec },
  };
}

interface Harness {
  port: FakePort;
  clock: FakeClock;
  controller: Controller;
  registry: Registry;
  alerts: { resent: string[][]; resolved: string[]; failResolve: boolean };
}

async function harness(env: Record<string, string> = {}, leading = true): Promise<Harness> {
  const port = new FakePort();
  const clock = new FakeClock();
  const registry = new Registry();
  const alerts = { resent: [] as string[][], resolved: [] as string[], failResolve: false };
  const hooks: AlertHooks = {
    resend: async (monitors) => {
      alerts.resent.push(monitors.map((m) => m.metadata.name));
    },
    resolve: async (monitor: ModelMonitor) => {
      if (alerts.failResolve) throw new Error('Alertmanager down');
      alerts.resolved.push(monitor.metadata.name);
    },
  };
  const config = loadOperatorConfig([], { ALERTIGER_INFLUX_URL: 'http://influx:8086', ALERTIGER_JOB_IMAGE: 'img', ALERTIGER_WORKERS: '2', ...env });
  const controller = new Controller({
    port, config, job: jobTemplateConfig(config), log: silentLogger, metrics: new OperatorMetrics(registry), alerts: hooks,
    identity: 'test', now: clock.now, timers: clock,
  });
  await controller.start();
  if (leading) controller.setLeading(true);
  await flush();
  return { port, clock, controller, registry, alerts };
}

function ready(port: FakePort, name: string): { status: string; reason: string; message: string } | undefined {
  const m = port.find(MODEL_MONITOR.kind, NS, name) as (KubeObject & ModelMonitor) | undefined;
  return m?.status?.conditions?.find((c) => c.type === 'Ready');
}

describe('Controller', () => {
  it('creates the children and Ready=True for a new monitor, then writes nothing more', async () => {
    const h = await harness();
    h.port.put(monitorObject('a'));
    await flush();
    assert.deepEqual(h.port.objectWrites().map((w) => `${w.verb} ${w.kind}`), [
      'apply ServiceAccount', 'apply Role', 'apply RoleBinding', 'apply CronJob', 'applyStatus ModelMonitor/status',
    ]);
    assert.equal(ready(h.port, 'a')?.status, 'True');
    const before = h.port.objectWrites().length;
    h.controller.resync();
    await flush();
    await h.clock.advance(120_000);
    h.controller.resync();
    await flush();
    assert.equal(h.port.objectWrites().length, before, 'no write when nothing changed, before and after the memo expires');
    await h.controller.stop();
  });

  it('acts only while leading; a new leader reconciles every monitor', async () => {
    const h = await harness({}, false);
    h.port.put(monitorObject('a'));
    h.port.put(monitorObject('b'));
    await flush();
    assert.equal(h.port.objectWrites().length, 0, 'a follower writes nothing');
    h.controller.setLeading(true);
    await flush();
    assert.equal(h.port.find(CRON_JOB.kind, NS, 'a-alertiger') !== undefined && h.port.find(CRON_JOB.kind, NS, 'b-alertiger') !== undefined, true);
    assert.deepEqual(h.alerts.resent, [['a', 'b']], 'and re-sends the open alerts at once');
    await h.controller.stop();
  });

  it('reports a failed write as Ready=False with its code, backs off, and recovers', async () => {
    const h = await harness();
    h.port.failures.set(CRON_JOB.kind, 500);
    h.port.put(monitorObject('a'));
    await flush();
    assert.deepEqual(ready(h.port, 'a') && [ready(h.port, 'a')!.status, ready(h.port, 'a')!.reason], ['False', 'ApiUnavailable']);
    assert.match(ready(h.port, 'a')!.message, /injected 500/);
    const metrics = await h.registry.metrics();
    // Our own status write re-queues the key once; after that it waits for its backoff.
    assert.match(metrics, /alertiger_reconcile_errors_total\{reason="ApiUnavailable"\} [12]\n/);
    const attempts = h.port.writes.filter((w) => w.kind === 'CronJob').length;
    await h.clock.advance(100);
    assert.equal(h.port.writes.filter((w) => w.kind === 'CronJob').length, attempts, 'no retry before the backoff');
    h.port.failures.delete(CRON_JOB.kind);
    await h.clock.advance(5_000);
    assert.equal(ready(h.port, 'a')!.status, 'True');
    assert.ok(h.port.find(CRON_JOB.kind, NS, 'a-alertiger'));
    await h.controller.stop();
  });

  it('recreates a child deleted behind its back', async () => {
    const h = await harness();
    h.port.put(monitorObject('a'));
    await flush();
    h.port.remove(CRON_JOB.kind, NS, 'a-alertiger');
    await flush();
    assert.ok(h.port.find(CRON_JOB.kind, NS, 'a-alertiger'), 'recreated at once, despite the memo of the earlier write');
    await h.controller.stop();
  });

  it('carries a spec change to the CronJob', async () => {
    const h = await harness();
    h.port.put(monitorObject('a'));
    await flush();
    h.port.put(monitorObject('a', { schedule: '0 5 * * *' }, 2));
    await flush();
    assert.equal((h.port.find(CRON_JOB.kind, NS, 'a-alertiger')!.spec as { schedule: string }).schedule, '0 5 * * *');
    const m = h.port.find(MODEL_MONITOR.kind, NS, 'a') as KubeObject & ModelMonitor;
    assert.equal(m.status?.observedGeneration, 2);
    await h.controller.stop();
  });

  it('resolves the alerts of a deleted monitor and drops its gauges', async () => {
    const h = await harness();
    h.port.put({ ...monitorObject('a'), status: { health: 'Anomalous', anomalyCount: 1 } });
    await flush();
    assert.match(await h.registry.metrics(), /alertiger_monitor_health\{namespace="ml",monitor="a"\} 1/);
    h.port.remove(MODEL_MONITOR.kind, NS, 'a');
    await flush();
    assert.deepEqual(h.alerts.resolved, ['a']);
    assert.doesNotMatch(await h.registry.metrics(), /monitor="a"/);
    await h.controller.stop();
  });

  it('retries resolving alerts while Alertmanager is down', async () => {
    const h = await harness();
    h.port.put(monitorObject('a'));
    await flush();
    h.alerts.failResolve = true;
    h.port.remove(MODEL_MONITOR.kind, NS, 'a');
    await flush();
    assert.deepEqual(h.alerts.resolved, []);
    h.alerts.failResolve = false;
    await h.clock.advance(500);
    assert.deepEqual(h.alerts.resolved, ['a']);
    await h.controller.stop();
  });

  it('re-sends open alerts on the interval, only while leading', async () => {
    const h = await harness({ ALERTIGER_RESEND_INTERVAL: '1m' });
    h.port.put(monitorObject('a'));
    await flush();
    h.alerts.resent.length = 0;
    await h.clock.advance(60_000);
    assert.deepEqual(h.alerts.resent, [['a']]);
    h.controller.setLeading(false);
    await h.clock.advance(60_000);
    assert.equal(h.alerts.resent.length, 1);
    await h.controller.stop();
  });

  it('mirrors the credentials Secret, and blocks with Ready=False while it is missing', async () => {
    const h = await harness({ ALERTIGER_INFLUX_SECRET: 'influx', ALERTIGER_RESYNC_INTERVAL: '1m' });
    h.port.put(monitorObject('a'));
    await flush();
    assert.equal(ready(h.port, 'a')?.reason, 'CredentialsUnavailable');
    assert.match(ready(h.port, 'a')!.message, /alertiger-system\/influx .*does not exist/);
    assert.equal(h.port.find(CRON_JOB.kind, NS, 'a-alertiger'), undefined);
    h.port.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'influx', namespace: 'alertiger-system' }, data: { token: 'dG9r', other: 'eA==' } });
    await h.clock.advance(60_000);
    assert.equal(ready(h.port, 'a')?.status, 'True');
    assert.deepEqual(h.port.find(SECRET.kind, NS, 'a-alertiger')?.data, { token: 'dG9r' });
    // Rotation: the next resync re-mirrors.
    h.port.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'influx', namespace: 'alertiger-system' }, data: { token: 'bmV3' } });
    await h.clock.advance(60_000);
    assert.deepEqual(h.port.find(SECRET.kind, NS, 'a-alertiger')?.data, { token: 'bmV3' });
    await h.controller.stop();
  });

  it('records each Event occurrence once, across passes', async () => {
    const h = await harness();
    h.port.put(monitorObject('bad', { schedule: '50-10 * * * *' }));
    await flush();
    h.port.put({ ...monitorObject('bad', { schedule: '50-10 * * * *' }), metadata: { ...monitorObject('bad').metadata, labels: { x: 'y' } } });
    await flush();
    const events = [...(h.port.objects.get('Event')?.values() ?? [])];
    assert.deepEqual(events.map((e) => e.reason), ['InvalidSpec']);
    await h.controller.stop();
  });
});

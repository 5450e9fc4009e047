import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type { ModelMonitor } from '../../../operator/src/api/types.js';
import { loadOperatorConfig } from '../../../operator/src/config.js';
import type { AlertHooks } from '../../../operator/src/controller/alerts.js';
import { Controller } from '../../../operator/src/controller/controller.js';
import { buildJobIdentity, jobTemplateConfig } from '../../../operator/src/jobs/index.js';
import { CRON_JOB, MODEL_MONITOR, ROLE, ROLE_BINDING, SERVICE_ACCOUNT, type KubeObject } from '../../../operator/src/k8s/types.js';
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
  it('creates the CronJob and Ready=True for a new monitor, then writes nothing more', async () => {
    const h = await harness();
    h.port.put(monitorObject('a'));
    await flush();
    assert.deepEqual(h.port.objectWrites().map((w) => `${w.verb} ${w.kind} ${w.name}`), [
      'createOrReplace ServiceAccount alertiger-job', 'createOrReplace Role alertiger-job', 'createOrReplace RoleBinding alertiger-job',
      'createOrReplace CronJob a-alertiger', 'applyStatus ModelMonitor/status a',
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

  it('costs a second monitor of the namespace two writes: its CronJob and its status', async () => {
    const h = await harness();
    h.port.put(monitorObject('a'));
    await flush();
    const before = h.port.objectWrites().length;
    h.port.put(monitorObject('b'));
    await flush();
    assert.deepEqual(h.port.objectWrites().slice(before).map((w) => `${w.verb} ${w.kind} ${w.name}`), [
      'createOrReplace CronJob b-alertiger', 'applyStatus ModelMonitor/status b',
    ]);
    assert.equal(h.port.objects.get('Event')?.size ?? 0, 0, 'a creation raises no Event');
    await h.controller.stop();
  });

  it("keeps the namespace's job identity: put back when deleted or edited, removed with the last monitor", async () => {
    const h = await harness();
    h.port.put(monitorObject('a'));
    h.port.put(monitorObject('b'));
    await flush();
    h.port.remove(ROLE_BINDING.kind, NS, 'alertiger-job');
    await flush();
    assert.ok(h.port.find(ROLE_BINDING.kind, NS, 'alertiger-job'), 'the RoleBinding is back at once');
    const role = h.port.find(ROLE.kind, NS, 'alertiger-job')!;
    h.port.put({ ...role, rules: [...(role.rules as unknown[]), { apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] });
    await flush();
    assert.deepEqual(h.port.find(ROLE.kind, NS, 'alertiger-job')!.rules, buildJobIdentity(NS)[1].rules, 'the added rule is gone');
    h.port.remove(MODEL_MONITOR.kind, NS, 'a');
    await flush();
    assert.ok(h.port.find(SERVICE_ACCOUNT.kind, NS, 'alertiger-job'), 'kept while a monitor is left');
    h.port.remove(MODEL_MONITOR.kind, NS, 'b');
    await flush();
    for (const kind of [SERVICE_ACCOUNT.kind, ROLE.kind, ROLE_BINDING.kind]) assert.equal(h.port.find(kind, NS, 'alertiger-job'), undefined, `${kind} removed`);
    h.port.put(monitorObject('c'));
    await flush();
    assert.ok(h.port.find(SERVICE_ACCOUNT.kind, NS, 'alertiger-job'), 'created again for a new monitor');
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

  it("points the job at the user's Secret in the monitor's namespace, and never reads or writes a Secret", async () => {
    const h = await harness({ ALERTIGER_INFLUX_SECRET: 'influx' });
    h.port.put(monitorObject('a'));
    await flush();
    assert.equal(ready(h.port, 'a')?.status, 'True');
    const cronJob = JSON.stringify(h.port.find(CRON_JOB.kind, NS, 'a-alertiger'));
    assert.match(cronJob, /"secretKeyRef":\{"name":"influx","key":"token","optional":true\}/);
    assert.equal(h.port.writes.filter((w) => w.kind === 'Secret').length, 0);
    assert.equal(h.port.counts.reads, 0, 'no read at all, so no Secret read');
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

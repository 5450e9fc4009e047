import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type { ModelMonitor } from '../../../operator/src/api/types.js';
import { OperatorMetrics } from '../../../operator/src/server/metrics.js';
import { assertGoldenText } from '../../harness/golden.js';

describe('OperatorMetrics', () => {
  it('exposes the metric text of the golden file', async () => {
    const registry = new Registry();
    const m = new OperatorMetrics(registry);
    m.reconciles.inc({ result: 'synced' }, 3);
    m.reconciles.inc({ result: 'error' });
    m.reconcileErrors.inc({ reason: 'Forbidden' });
    m.reconcileDuration.observe(0.02);
    m.reconcileDuration.observe(0.3);
    m.queueDepth.set(4);
    m.setMonitor('ml', 'feed-ranker', 'Anomalous', 2);
    m.setMonitor('ml', 'churn', undefined, undefined);
    m.setMonitor('ml', 'fraud', 'Failed', 0);
    m.isLeader.set(1);
    assertGoldenText('server/metrics.txt', await registry.metrics());
  });

  it('maps health to 0 healthy, 1 anomalous, 2 unknown, 3 failed, and drops deleted monitors', async () => {
    const registry = new Registry();
    const m = new OperatorMetrics(registry);
    for (const [name, health] of [['h', 'Healthy'], ['a', 'Anomalous'], ['u', 'Unknown'], ['f', 'Failed']] as const) m.setMonitor('ns', name, health, 0);
    const values = (await m.monitorHealth.get()).values.map((v) => [v.labels.monitor, v.value]);
    assert.deepEqual(values, [['h', 0], ['a', 1], ['u', 2], ['f', 3]]);
    m.removeMonitor('ns', 'a');
    assert.equal((await m.monitorHealth.get()).values.length, 3);
    assert.equal((await m.openAnomalies.get()).values.length, 3);
  });

  it('exports the API requests by type and the writes by kind from the port\'s counters', async () => {
    const registry = new Registry();
    const m = new OperatorMetrics(registry);
    m.trackRequests(() => ({ reads: 1, lists: 24, watches: 5, writes: 7, leaseWrites: 2, writesByKind: { CronJob: 3, 'ModelMonitor/status': 3, Role: 1 } }));
    const text = await registry.metrics();
    assert.match(text, /^alertiger_kube_requests_total\{type="list"\} 24$/m);
    assert.match(text, /^alertiger_kube_requests_total\{type="lease_write"\} 2$/m);
    assert.match(text, /^alertiger_kube_writes_total\{kind="ModelMonitor\/status"\} 3$/m);
    assert.match(text, /^alertiger_kube_writes_total\{kind="Role"\} 1$/m);
  });

  it('uses its own registry, never the global one', async () => {
    const a = new Registry();
    const b = new Registry();
    new OperatorMetrics(a);
    new OperatorMetrics(b);
    assert.match(await a.metrics(), /alertiger_reconciles_total/);
  });
});

describe('OperatorMetrics.trackMonitors', () => {
  const monitor = (name: string, spec: Partial<ModelMonitor['spec']>, status?: ModelMonitor['status']): ModelMonitor => ({
    apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor',
    metadata: { name, namespace: 'ml', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { model: { name: 'm', version: '1' }, source: { file: { path: '/d/*.jsonl' } }, ...spec } as ModelMonitor['spec'],
    ...(status ? { status } : {}),
  });
  const condition = (type: string, status: 'True' | 'False'): NonNullable<ModelMonitor['status']>['conditions'] =>
    [{ type, status, reason: 'R', message: '', lastTransitionTime: '2026-01-02T00:00:00Z' }];

  it('exports each cached monitor\'s readiness, runs, creation and schedule interval at scrape time', async () => {
    const registry = new Registry();
    let cache: ModelMonitor[] = [
      monitor('ok', { granularity: '1h' }, {
        lastRunTime: '2026-01-02T05:05:00Z', lastSuccessfulRunTime: '2026-01-02T05:05:00Z',
        conditions: [...condition('Ready', 'True')!, ...condition('LastRunSucceeded', 'True')!],
      }),
      monitor('failing', { schedule: '0 9 * * 1-5' }, {
        lastRunTime: '2026-01-02T09:00:00Z', lastSuccessfulRunTime: '2026-01-01T09:00:00Z',
        conditions: [...condition('Ready', 'True')!, ...condition('LastRunSucceeded', 'False')!],
      }),
      monitor('new', {}, { conditions: condition('Ready', 'False') }),
      monitor('paused', { suspend: true }),
    ];
    new OperatorMetrics(registry).trackMonitors(() => cache);
    const values = async (name: string): Promise<Record<string, number>> => {
      const metric = await registry.getSingleMetric(`alertiger_${name}`)!.get();
      return Object.fromEntries(metric.values.map((v) => [String(v.labels.monitor), v.value]));
    };
    assert.deepEqual(await values('monitor_ready'), { ok: 1, failing: 1, new: 0, paused: 0 });
    assert.deepEqual(await values('monitor_last_run_succeeded'), { ok: 1, failing: 0 });
    assert.deepEqual(await values('monitor_last_run_timestamp_seconds'), { ok: Date.parse('2026-01-02T05:05:00Z') / 1000, failing: Date.parse('2026-01-02T09:00:00Z') / 1000 });
    assert.deepEqual(await values('monitor_last_success_timestamp_seconds'), { ok: Date.parse('2026-01-02T05:05:00Z') / 1000, failing: Date.parse('2026-01-01T09:00:00Z') / 1000 });
    const created = Date.parse('2026-01-01T00:00:00Z') / 1000;
    assert.deepEqual(await values('monitor_created_timestamp_seconds'), { ok: created, failing: created, new: created, paused: created });
    // Hourly default "5 * * * *"; weekdays at 9 (Friday to Monday); daily default "15 2 * * *"; suspended: none.
    assert.deepEqual(await values('monitor_schedule_interval_seconds'), { ok: 3600, failing: 3 * 86400, new: 86400 });
    cache = cache.filter((m) => m.metadata.name !== 'failing');
    assert.deepEqual(await values('monitor_ready'), { ok: 1, new: 0, paused: 0 }, 'a monitor gone from the cache is gone from the metrics');
    // The cache holds a new object for each new version of a monitor.
    cache = cache.map((m) => (m.metadata.name === 'new' ? monitor('new', {}, { conditions: condition('Ready', 'True') }) : m));
    assert.deepEqual(await values('monitor_ready'), { ok: 1, new: 1, paused: 0 }, 'a new version of a monitor is read again');
    assert.match(await registry.metrics(), /^alertiger_monitor_ready\{namespace="ml",monitor="ok"\} 1$/m);
  });
});

import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
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

  it('uses its own registry, never the global one', async () => {
    const a = new Registry();
    const b = new Registry();
    new OperatorMetrics(a);
    new OperatorMetrics(b);
    assert.match(await a.metrics(), /alertiger_reconciles_total/);
  });
});

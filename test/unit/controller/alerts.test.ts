import assert from 'node:assert/strict';
import type { ModelMonitor } from '../../../operator/src/api/types.js';
import { alertTarget, monitorReportUrl } from '../../../operator/src/alerting/payload.js';
import { alertmanagerHooks, resendBatches, resendLifetime } from '../../../operator/src/controller/alerts.js';
import type { PostableAlert } from '../../../operator/src/alerting/index.js';
import { silentLogger } from '../../../operator/src/log.js';

const NOW = new Date('2026-11-20T10:00:00Z');

function monitor(name: string, extra: Partial<ModelMonitor['spec']> = {}, anomalies = 1): ModelMonitor {
  return {
    apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor',
    metadata: { name, namespace: 'ml' },
    spec: { model: { name }, source: { influx: { database: 'd', measurement: 'm' } }, ...extra },
    status: {
      health: anomalies > 0 ? 'Anomalous' : 'Healthy', anomalyCount: anomalies,
      anomalies: Array.from({ length: anomalies }, (_, i) => ({
        category: 'feature' as const, subject: `f${i}`, statistic: 'mean', start: '2026-11-19T00:00:00Z', severity: 2.5, score: 0.9, observed: 5, expected: 1, lower: 0, upper: 2,
      })),
    },
  };
}

describe('alert hooks', () => {
  it('links the report page of a monitor as the job does', () => {
    assert.equal(monitorReportUrl('http://alertiger:8080/', monitor('a')), 'http://alertiger:8080/monitors/ml/a');
    assert.equal(monitorReportUrl(undefined, monitor('a')), undefined);
  });

  it("sends to the monitor's own Alertmanager when it names one", () => {
    assert.equal(alertTarget(monitor('a', { alerting: { alertmanagerURL: 'http://team-am:9093' } }), 'http://am:9093'), 'http://team-am:9093');
    assert.equal(alertTarget(monitor('a', { alerting: { alertmanagerURL: '' } }), 'http://am:9093'), 'http://am:9093');
  });

  it('batches open anomalies per Alertmanager, skipping Shadow, healthy and targetless monitors', () => {
    const batches = resendBatches([
      monitor('a', {}, 2),
      monitor('b', { alerting: { alertmanagerURL: 'http://team-am:9093' } }),
      monitor('c', { mode: 'Shadow' }),
      monitor('d', {}, 0),
    ], { alertmanagerUrl: 'http://am:9093', resendIntervalMs: 60_000 }, NOW);
    assert.deepEqual([...batches.keys()], ['http://am:9093', 'http://team-am:9093']);
    assert.deepEqual(batches.get('http://am:9093')!.map((a) => a.labels.monitor), ['a', 'a']);
    // Alive as long as the run makes it (two daily windows and an hour), not just until the next re-send.
    assert.equal(batches.get('http://am:9093')![0]!.endsAt, '2026-11-22T11:00:00.000Z');
    assert.equal(resendBatches([monitor('a')], { resendIntervalMs: 60_000 }, NOW).size, 0);
  });

  it('keeps a re-sent alert alive for three intervals or the run lifetime, whichever is longer', () => {
    assert.equal(resendLifetime(60_000, '1h'), 2 * 3_600_000 + 3_600_000);
    assert.equal(resendLifetime(6 * 3_600_000, '1h'), 18 * 3_600_000);
  });

  it('resolves every open alert of a deleted monitor with endsAt now', async () => {
    const posted: [string, PostableAlert[]][] = [];
    const hooks = alertmanagerHooks({
      alertmanagerUrl: 'http://am:9093', resendIntervalMs: 60_000, log: silentLogger,
      post: async (url, alerts) => {
        posted.push([url, alerts]);
      },
    });
    await hooks.resolve(monitor('a', {}, 2), NOW);
    assert.equal(posted.length, 1);
    assert.deepEqual(posted[0]![1].map((a) => [a.labels.subject, a.endsAt]), [['f0', NOW.toISOString()], ['f1', NOW.toISOString()]]);
  });

  it('re-sends to every target even when one fails, then reports the failure', async () => {
    const posted: string[] = [];
    const hooks = alertmanagerHooks({
      alertmanagerUrl: 'http://am:9093', resendIntervalMs: 60_000, log: silentLogger,
      post: async (url) => {
        posted.push(url);
        if (url === 'http://am:9093') throw new Error('down');
      },
    });
    await assert.rejects(hooks.resend([monitor('a'), monitor('b', { alerting: { alertmanagerURL: 'http://team-am:9093' } })], NOW), /down/);
    assert.deepEqual(posted, ['http://am:9093', 'http://team-am:9093']);
  });
});

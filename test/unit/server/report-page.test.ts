import assert from 'node:assert/strict';
import type { Request, Response } from 'express';
import type { ModelMonitor } from '../../../operator/src/api/types.js';
import { silentLogger } from '../../../operator/src/log.js';
import { influxReportHandler, runsFromStatus } from '../../../operator/src/server/report-page.js';

const DAY = 86_400_000;
const monitor = {
  apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', metadata: { name: 'm', namespace: 'ns' },
  spec: { model: { name: 'm' }, source: { file: { path: '/x' } } },
  status: {
    health: 'Anomalous', anomalyCount: 1, lastRunTime: new Date(4 * DAY).toISOString(), lastWindowEnd: new Date(4 * DAY).toISOString(),
    anomalies: [{ category: 'feature', subject: 'age', statistic: 'mean', start: new Date(3 * DAY).toISOString(), severity: 2, score: 0.9, observed: 41, expected: 38, lower: 36, upper: 40.5 }],
  },
} as ModelMonitor;

/** Just enough of express's Response to record what the handler sends. */
function response(): Response & { sent: { status: number; type: string; body: string } } {
  const sent = { status: 0, type: '', body: '' };
  const res = {
    sent,
    status(code: number) { sent.status = code; return res; },
    type(t: string) { sent.type = t; return res; },
    send(body: string) { sent.body = body; return res; },
  };
  return res as unknown as Response & { sent: typeof sent };
}

describe('influxReportHandler', () => {
  const source = () => ({
    readHistory: async () => [{ category: 'feature' as const, subject: 'age', statistic: 'mean', times: [2 * DAY, 3 * DAY], values: [38, 41] }],
    readDetections: async () => [{ category: 'feature' as const, subject: 'age', statistic: 'mean', time: 3 * DAY, observed: 41, baseline: 38, lower: 36, upper: 40.5, score: 0.9, severity: 2, anomaly: true }],
  });

  it('renders the page of a monitor from its status and stored series', async () => {
    const res = response();
    await influxReportHandler({ influxUrl: 'http://influx:8086', influxDatabase: 'alertiger', log: silentLogger, source })({ namespace: 'ns', name: 'm', monitor }, {} as Request, res);
    assert.equal(res.sent.status, 200);
    assert.equal(res.sent.type, 'text/html');
    assert.match(res.sent.body, /<!doctype html>/);
    assert.match(res.sent.body, /age/);
  });

  it('answers 404 for a monitor that does not exist', async () => {
    const res = response();
    await influxReportHandler({ influxUrl: 'http://influx:8086', influxDatabase: 'alertiger', log: silentLogger, source })({ namespace: 'ns', name: 'x', monitor: undefined }, {} as Request, res);
    assert.equal(res.sent.status, 404);
  });

  it('answers 503 naming the cause when InfluxDB cannot be read', async () => {
    const res = response();
    const failing = () => ({ readHistory: async () => { throw new Error('InfluxDB at http://influx:8086 is unreachable'); }, readDetections: async () => [] });
    await influxReportHandler({ influxUrl: 'http://influx:8086', influxDatabase: 'alertiger', log: silentLogger, source: failing })({ namespace: 'ns', name: 'm', monitor }, {} as Request, res);
    assert.equal(res.sent.status, 503);
    assert.match(res.sent.body, /unreachable/);
  });
});

describe('runsFromStatus', () => {
  it('lists the last run with its error, and the last success when older', () => {
    const runs = runsFromStatus({ ...monitor, status: { health: 'Failed', lastRunTime: '2026-03-02T02:15:00Z', lastSuccessfulRunTime: '2026-03-01T02:15:00Z', conditions: [{ type: 'LastRunSucceeded', status: 'False', reason: 'InfluxUnavailable', message: 'down', lastTransitionTime: '' }] } });
    assert.deepEqual(runs.map((r) => [r.time, r.health, r.error]), [['2026-03-02T02:15:00Z', 'Failed', 'down'], ['2026-03-01T02:15:00Z', 'Succeeded', undefined]]);
  });
});

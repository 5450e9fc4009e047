import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelMonitor } from '../../../operator/src/api/types.js';
import { buildReportData, reportSeries } from '../../../operator/src/report/data.js';
import { embeddedStore } from '../../../operator/src/store/embedded.js';
import type { DetectionPoint } from '../../../operator/src/run/ports.js';

const DAY = 86_400_000;
const point = (d: number, over: Partial<DetectionPoint> = {}): DetectionPoint => ({
  category: 'feature', subject: 'age', statistic: 'mean', time: d * DAY, observed: 40, baseline: 38, lower: 36, upper: 40.5, score: 0.1, severity: 0.4, anomaly: false, ...over,
});

describe('reportSeries', () => {
  it('charts the stored history with the band where the detector scored it', () => {
    const s = reportSeries({ category: 'feature', subject: 'age', statistic: 'mean', times: [DAY, 2 * DAY, 3 * DAY], values: [38, 39, 51] }, [point(2), point(3, { observed: 51, score: 0.95, anomaly: true })]);
    assert.deepEqual(s.observed, [38, 39, 51]);
    assert.deepEqual(s.baseline, [null, 38, 38]);
    assert.deepEqual(s.flagged, [false, false, true]);
    assert.equal(s.time[0], new Date(DAY).toISOString());
  });

  it('takes observed values from the scored points of a model-level series', () => {
    const s = reportSeries(undefined, [point(1, { category: 'model', observed: 0.1 }), point(2, { category: 'model', observed: 0.6, anomaly: true })]);
    assert.deepEqual(s.observed, [0.1, 0.6]);
  });
});

describe('buildReportData', () => {
  it('builds one chart per open anomaly from the store, with the monitor and its runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alertiger-report-'));
    try {
      const monitor = { apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', metadata: { name: 'm', namespace: 'ns' }, spec: { model: { name: 'm', version: 'v1' }, source: { file: { path: '/x' } }, mode: 'Shadow' } } as ModelMonitor;
      const store = embeddedStore(dir, monitor);
      await store.writeStatistics([1, 2, 3].map((d) => ({ window: { start: new Date(d * DAY), end: new Date((d + 1) * DAY) }, rows: 1, values: [{ category: 'feature' as const, subject: 'age', statistic: 'mean', value: 38 + d }] })));
      await store.writeDetections([point(3, { anomaly: true, observed: 41 })]);
      const status = {
        health: 'Anomalous' as const, lastWindowEnd: new Date(4 * DAY).toISOString(), lastRunTime: new Date(4 * DAY).toISOString(),
        anomalies: [{ category: 'feature' as const, subject: 'age', statistic: 'mean', start: new Date(3 * DAY).toISOString(), severity: 2, score: 0.9, observed: 41, expected: 38, lower: 36, upper: 40.5 }],
      };
      const data = await buildReportData(monitor, status, store, { now: new Date(4 * DAY), runs: [{ time: new Date(4 * DAY).toISOString(), health: 'Anomalous', anomalyCount: 1 }] });
      assert.deepEqual(data.monitor, { namespace: 'ns', name: 'm', model: 'm', version: 'v1', health: 'Anomalous', lastRunTime: status.lastRunTime, mode: 'Shadow' });
      assert.equal(data.anomalies.length, 1);
      assert.deepEqual(data.anomalies[0].series.observed, [39, 40, 41]);
      assert.deepEqual(data.anomalies[0].series.flagged, [false, false, true]);
      assert.equal(data.runs.length, 1);

      // The backtest's sentence and the 30-day precision of the feedback come from the status.
      const counts = (precision?: number): { incidents: number; falseAlarms: number; unlabelled: number; precision?: number } =>
        ({ incidents: 3, falseAlarms: 1, unlabelled: 0, ...(precision !== undefined ? { precision } : {}) });
      const more = await buildReportData(monitor, {
        ...status,
        backtest: { time: 't', from: 'f', to: 't', scoredWeeks: 8, sensitivity: 'medium', message: 'would have raised 2 alerts' },
        feedback: { last30d: counts(0.75), last90d: counts(0.5) },
      }, store, { now: new Date(4 * DAY) });
      assert.equal(more.monitor.backtest, 'would have raised 2 alerts');
      assert.equal(more.monitor.precision30d, 0.75);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

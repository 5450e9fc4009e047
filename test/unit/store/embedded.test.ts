import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelMonitor } from '../../../operator/src/api/types.js';
import { AlertigerError } from '../../../operator/src/errors.js';
import { embeddedStore } from '../../../operator/src/store/embedded.js';

const DAY = 86_400_000;
const monitor = (version?: string): ModelMonitor => ({
  apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', metadata: { name: 'm', namespace: 'ns' },
  spec: { model: { name: 'm', ...(version !== undefined ? { version } : {}) }, source: { file: { path: '/x' } } },
});
const window = (d: number) => ({ start: new Date(d * DAY), end: new Date((d + 1) * DAY) });

describe('embeddedStore', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'alertiger-embedded-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces a window written again, values it no longer has included', async () => {
    const store = embeddedStore(dir, monitor());
    await store.writeStatistics([{ window: window(1), rows: 5, values: [{ category: 'feature', subject: 'a', statistic: 'mean', value: 1 }, { category: 'feature', subject: 'a', statistic: 'std', value: 2 }] }]);
    await store.writeStatistics([{ window: window(1), rows: 5, values: [{ category: 'feature', subject: 'a', statistic: 'mean', value: 3 }] }]);
    await store.writeStatistics([{ window: window(2), rows: 5, values: [{ category: 'feature', subject: 'a', statistic: 'mean', value: 4 }] }]);
    const history = await store.readHistory(new Date(0), new Date(10 * DAY));
    assert.deepEqual(history, [{ category: 'feature', subject: 'a', statistic: 'mean', times: [DAY, 2 * DAY], values: [3, 4] }]);
  });

  it('keeps the data-quality statistics (category data, subject log) as series like any other', async () => {
    const store = embeddedStore(dir, monitor());
    const values = (corrupt: number) => [
      { category: 'data' as const, subject: 'log', statistic: 'corrupt_lines', value: corrupt },
      { category: 'data' as const, subject: 'log', statistic: 'corrupt_rate', value: corrupt / 100 },
    ];
    await store.writeStatistics([{ window: window(1), rows: 100, values: values(4) }, { window: window(2), rows: 100, values: values(0) }]);
    assert.deepEqual(await store.readHistory(new Date(0), new Date(10 * DAY)), [
      { category: 'data', subject: 'log', statistic: 'corrupt_lines', times: [DAY, 2 * DAY], values: [4, 0] },
      { category: 'data', subject: 'log', statistic: 'corrupt_rate', times: [DAY, 2 * DAY], values: [0.04, 0] },
    ]);
  });

  it('replaces only the label statistics of a window when written with the label category', async () => {
    const store = embeddedStore(dir, monitor());
    const v = (category: 'feature' | 'label', statistic: string, value: number) => ({ category, subject: category === 'label' ? 'label' : 'a', statistic, value });
    await store.writeStatistics([{ window: window(1), rows: 5, values: [v('feature', 'mean', 1), v('label', 'label_coverage', 0.1), v('label', 'auc', 0.7)] }]);
    // The feature value given here is ignored; the stored auc, absent now, is gone.
    await store.writeStatistics([{ window: window(1), rows: 5, values: [v('feature', 'mean', 99), v('label', 'label_coverage', 0.3)] }], 'label');
    const history = await store.readHistory(new Date(0), new Date(10 * DAY));
    assert.deepEqual(history.map((s) => [s.category, s.statistic, s.values]), [['feature', 'mean', [1]], ['label', 'label_coverage', [0.3]]]);
  });

  it('reads only the requested range of history and detections', async () => {
    const store = embeddedStore(dir, monitor());
    await store.writeStatistics([1, 2, 3].map((d) => ({ window: window(d), rows: 1, values: [{ category: 'score' as const, subject: 'score', statistic: 'traffic', value: d }] })));
    await store.writeDetections([1, 2, 3].map((d) => ({ category: 'score' as const, subject: 'score', statistic: 'traffic', time: d * DAY, observed: d, baseline: 2, lower: 1, upper: 3, score: 0.1, severity: 0.5, anomaly: false })));
    assert.deepEqual((await store.readHistory(new Date(2 * DAY), new Date(3 * DAY)))[0].values, [2]);
    assert.deepEqual((await store.readDetections(new Date(2 * DAY), new Date(4 * DAY))).map((p) => p.time), [2 * DAY, 3 * DAY]);
  });

  it('keeps each model version apart (a new version starts a new baseline)', async () => {
    await embeddedStore(dir, monitor('v1')).writeStatistics([{ window: window(1), rows: 1, values: [{ category: 'feature', subject: 'a', statistic: 'mean', value: 1 }] }]);
    assert.deepEqual(await embeddedStore(dir, monitor('v2')).readHistory(new Date(0), new Date(10 * DAY)), []);
  });

  it('keeps the status and the runs between processes', async () => {
    await embeddedStore(dir, monitor()).saveStatus({ health: 'Healthy', lastWindowEnd: '2026-03-01T00:00:00.000Z' });
    await embeddedStore(dir, monitor()).appendRun({ time: '2026-03-01T02:15:00Z', health: 'Healthy', anomalyCount: 0 });
    const store = embeddedStore(dir, monitor());
    assert.equal((await store.loadStatus())?.lastWindowEnd, '2026-03-01T00:00:00.000Z');
    assert.equal((await store.readRuns()).length, 1);
  });

  it('names the file when it is corrupt', async () => {
    const store = embeddedStore(dir, monitor());
    await store.saveStatus({ health: 'Healthy' });
    writeFileSync(join(store.dir, 'statistics.json'), '{not json');
    await assert.rejects(store.readHistory(new Date(0), new Date(DAY)), (err: unknown) => err instanceof AlertigerError && err.code === 'StoreCorrupt' && err.message.includes('statistics.json'));
  });
});

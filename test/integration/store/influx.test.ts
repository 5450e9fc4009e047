import assert from 'node:assert/strict';
import { AlertigerError } from '../../../operator/src/errors.js';
import type { WindowStatistics, DetectionPoint } from '../../../operator/src/run/ports.js';
import { openInfluxSource } from '../../../operator/src/sources/influx.js';
import { StatsAccumulator } from '../../../operator/src/stats/accumulator.js';
import { windowResult } from '../../../operator/src/stats/result.js';
import { influxClient } from '../../../operator/src/influx/connection.js';
import { InfluxStatisticsStore } from '../../../operator/src/store/influx.js';
import type { Reference } from '../../../operator/src/stats/reference.js';
import { realServers } from '../../harness/index.js';
import { closedPort } from '../../harness/process.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1);

function win(day: number, values: WindowStatistics['values']): WindowStatistics {
  return { window: { start: new Date(T0 + day * DAY), end: new Date(T0 + (day + 1) * DAY) }, rows: 10, values };
}

describe('InfluxStatisticsStore (real InfluxDB)', () => {
  let url: string;
  const database = `stats_${Date.now()}`;
  before(async () => {
    url = (await realServers()).influx.url;
  });

  it('writes windows and reads every statistic back as series, apart per monitor and model version', async () => {
    const v1 = new InfluxStatisticsStore({ namespace: 'ml', monitor: 'ranker', modelVersion: 'v1' }, { url, database });
    const unversioned = new InfluxStatisticsStore({ namespace: 'ml', monitor: 'ranker' }, { url, database });
    await v1.writeStatistics([0, 1, 2].map((d) => win(d, [
      { category: 'feature', subject: 'age', statistic: 'mean', value: 30 + d },
      { category: 'feature', subject: 'age', statistic: 'p99', value: 70 + d },
      { category: 'feature', subject: 'device type', statistic: 'entropy', value: 1.5 },
      { category: 'score', subject: 'score', statistic: 'traffic', value: 1000 * (d + 1) },
    ])));
    await unversioned.writeStatistics([win(0, [{ category: 'feature', subject: 'age', statistic: 'mean', value: 99 }])]);
    const history = await v1.readHistory(new Date(T0), new Date(T0 + 3 * DAY));
    assert.deepEqual(history, [
      { category: 'feature', subject: 'age', statistic: 'mean', times: [T0, T0 + DAY, T0 + 2 * DAY], values: [30, 31, 32] },
      { category: 'feature', subject: 'age', statistic: 'p99', times: [T0, T0 + DAY, T0 + 2 * DAY], values: [70, 71, 72] },
      { category: 'feature', subject: 'device type', statistic: 'entropy', times: [T0, T0 + DAY, T0 + 2 * DAY], values: [1.5, 1.5, 1.5] },
      { category: 'score', subject: 'score', statistic: 'traffic', times: [T0, T0 + DAY, T0 + 2 * DAY], values: [1000, 2000, 3000] },
    ]);
    assert.deepEqual(await unversioned.readHistory(new Date(T0), new Date(T0 + 3 * DAY)), [
      { category: 'feature', subject: 'age', statistic: 'mean', times: [T0], values: [99] },
    ]);
    assert.deepEqual((await v1.readHistory(new Date(T0 + DAY), new Date(T0 + 2 * DAY))).map((s) => s.times), [[T0 + DAY], [T0 + DAY], [T0 + DAY], [T0 + DAY]]);
  });

  it('writes a window twice as identical points, and a rewrite replaces every value of the window', async () => {
    const store = new InfluxStatisticsStore({ namespace: 'ml', monitor: 'twice' }, { url, database });
    const first = win(0, [{ category: 'feature', subject: 'x', statistic: 'mean', value: 1 }, { category: 'feature', subject: 'x', statistic: 'std', value: 2 }]);
    await store.writeStatistics([first]);
    await store.writeStatistics([first]);
    const once = await store.readHistory(new Date(T0), new Date(T0 + DAY));
    assert.deepEqual(once.map((s) => [s.statistic, s.values]), [['mean', [1]], ['std', [2]]]);
    const client = influxClient({ url, database });
    const counted = await client.queryRaw(`SELECT count("mean") FROM "model_health" WHERE "monitor" = 'twice'`, { database }) as { results: Array<{ series: Array<{ values: unknown[][] }> }> };
    assert.equal(counted.results[0].series[0].values[0][1], 1);
    await store.writeStatistics([win(0, [{ category: 'feature', subject: 'x', statistic: 'mean', value: 5 }])]);
    assert.deepEqual((await store.readHistory(new Date(T0), new Date(T0 + DAY))).map((s) => [s.statistic, s.values]), [['mean', [5]]]);
  });

  it('recomputes the label statistics of a window when late labels arrive, leaving the rest', async () => {
    const store = new InfluxStatisticsStore({ namespace: 'ml', monitor: 'late' }, { url, database });
    await store.writeStatistics([win(0, [
      { category: 'feature', subject: 'age', statistic: 'mean', value: 40 },
      { category: 'label', subject: 'label', statistic: 'label_coverage', value: 0.01 },
    ])]);
    await store.writeStatistics([win(0, [
      { category: 'feature', subject: 'age', statistic: 'mean', value: -1 },
      { category: 'label', subject: 'label', statistic: 'label_coverage', value: 0.3 },
      { category: 'label', subject: 'label', statistic: 'auc', value: 0.8 },
    ])], 'label');
    const history = await store.readHistory(new Date(T0), new Date(T0 + DAY));
    assert.deepEqual(history.map((s) => [s.category, s.statistic, s.values[0]]), [['feature', 'mean', 40], ['label', 'auc', 0.8], ['label', 'label_coverage', 0.3]]);
  });

  it('round-trips detections and the drift reference', async () => {
    const store = new InfluxStatisticsStore({ namespace: 'ml', monitor: 'detect', modelVersion: 'v2' }, { url, database });
    const points: DetectionPoint[] = [
      { category: 'feature', subject: 'age', statistic: 'mean', time: T0 + DAY, observed: 51, baseline: 38, lower: 35, upper: 41, score: 0.9, severity: 2.4, anomaly: true },
      { category: 'score', subject: 'score', statistic: 'traffic', time: T0, observed: 10, baseline: 11, lower: 8, upper: 14, score: 0.1, severity: 0.2, anomaly: false },
    ];
    await store.writeDetections(points);
    assert.deepEqual(await store.readDetections(new Date(T0), new Date(T0 + 2 * DAY)), [points[1], points[0]]);
    assert.equal(await store.loadReference(), undefined);
    const ref: Reference = {
      version: 1, windowStart: new Date(T0).toISOString(),
      features: { age: { kind: 'numeric', edges: [30, 40, 50], proportions: [0.2, 0.3, 0.3, 0.2] }, country: { kind: 'categorical', categories: ['us', "o'k"], proportions: [0.6, 0.3, 0.1] } },
      score: { kind: 'numeric', edges: [0.5], proportions: [0.4, 0.6] },
    };
    await store.saveReference(ref);
    assert.deepEqual(await store.loadReference(), ref);
  });

  it('fails with InfluxUnavailable naming the URL when InfluxDB is down', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const store = new InfluxStatisticsStore({ namespace: 'ml', monitor: 'x' }, { url: dead, database, retries: 1, retryDelayMs: 10 });
    await assert.rejects(store.readHistory(new Date(0), new Date(DAY)), (err: unknown) => {
      assert.ok(err instanceof AlertigerError);
      assert.equal(err.code, 'InfluxUnavailable');
      assert.ok(err.message.includes(dead), err.message);
      return true;
    });
  });
});

describe('InfluxDB source (real InfluxDB)', () => {
  let url: string;
  const database = `logs_${Date.now()}`;
  const HOUR = 3_600_000;
  const rows: Array<{ time: number; model: string; country: string; age: number; score: number; label?: number }> = [];

  before(async () => {
    url = (await realServers()).influx.url;
    const client = influxClient({ url, database });
    await client.createDatabase(database);
    for (let i = 0; i < 60; i++) {
      rows.push({ time: T0 + i * 3 * 60_000, model: i % 4 === 0 ? 'other' : 'ranker', country: ['us', 'de', 'fr'][i % 3], age: 20 + i, score: (i % 10) / 10, ...(i % 5 === 0 ? { label: i % 2 } : {}) });
    }
    await client.writePoints(rows.map((r) => ({
      measurement: 'inference_log',
      tags: { model: r.model, country: r.country },
      fields: { age: r.age, score: r.score, ...(r.label !== undefined ? { label: r.label } : {}) },
      timestamp: r.time,
    })), { database, precision: 'ms' });
  });

  it('reads the measurement in time pages (and OFFSET within a page) with the same statistics as the rows themselves', async () => {
    const source = await openInfluxSource({ url, database, measurement: 'inference_log', where: { model: 'ranker' } }, { from: T0, to: T0 + 3 * HOUR, pageMs: HOUR, limit: 7 });
    const acc = new StatsAccumulator({ categorical: ['country'] });
    const seen: number[] = [];
    for await (const batch of source) {
      for (const r of batch.rows) {
        seen.push(r.ts!);
        assert.equal('model' in r.fields, false);
      }
      acc.addBatch(batch);
    }
    const mine = rows.filter((r) => r.model === 'ranker');
    assert.deepEqual(seen, mine.map((r) => r.time));
    const direct = new StatsAccumulator({ categorical: ['country'] });
    mine.forEach((r, i) => direct.addFields({ age: r.age, country: r.country, label: r.label ?? null, score: r.score }, i + 1));
    const expected = windowResult(direct.finish());
    const actual = windowResult(acc.finish());
    assert.equal(actual.rows, 45);
    assert.deepEqual(actual.features, expected.features);
    assert.deepEqual(actual.score, expected.score);
    assert.deepEqual(actual.label, expected.label);
  });

  it('fails with SourceNotFound for a missing database and SourceUnavailable for a dead server', async () => {
    await assert.rejects(openInfluxSource({ url, database: 'no_such_db', measurement: 'm' }, { from: 0, to: 1 }),
      (err: unknown) => err instanceof AlertigerError && err.code === 'SourceNotFound' && err.message.includes('no_such_db') && err.message.includes(url));
    const dead = `http://127.0.0.1:${await closedPort()}`;
    await assert.rejects(openInfluxSource({ url: dead, database, measurement: 'm' }, { from: 0, to: 1, retries: 1, retryDelayMs: 10 }),
      (err: unknown) => err instanceof AlertigerError && err.code === 'SourceUnavailable' && err.message.includes(dead));
  });
});

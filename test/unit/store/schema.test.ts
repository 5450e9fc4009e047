import assert from 'node:assert/strict';
import {
  deleteStatisticsQuery, detectionPoints, historyQuery, parseDetections, parseHistory, parseReference, referencePoints,
  statisticsPoints, toLineProtocol, type MonitorKey,
} from '../../../operator/src/store/schema.js';
import type { DetectionPoint, WindowStatistics } from '../../../operator/src/run/ports.js';
import type { Reference } from '../../../operator/src/stats/reference.js';
import { assertGolden } from '../../harness/golden.js';

const KEY: MonitorKey = { namespace: 'ml-prod', monitor: 'feed-ranker', modelVersion: '2026-11-20' };
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 20);

const windows: WindowStatistics[] = [{
  window: { start: new Date(T0), end: new Date(T0 + DAY) },
  rows: 1000,
  values: [
    { category: 'feature', subject: 'age', statistic: 'mean', value: 38.25 },
    { category: 'feature', subject: 'age', statistic: 'p99', value: 71 },
    { category: 'feature', subject: 'user agent', statistic: 'distinct_count', value: 12 },
    { category: 'feature', subject: 'a,b=c', statistic: 'missing_rate', value: 0.5 },
    { category: 'score', subject: 'score', statistic: 'traffic', value: 1000 },
    { category: 'score', subject: 'score', statistic: 'drift', value: Number.NaN },
    { category: 'label', subject: 'label', statistic: 'auc', value: 0.81 },
  ],
}];

describe('InfluxDB schema', () => {
  it('builds one point per window and subject with the statistics as fields (golden)', () => {
    const points = statisticsPoints(KEY, windows);
    assert.equal(points.length, 5);
    assertGolden('store/statistics-points.json', { points, lineProtocol: toLineProtocol(points).trimEnd().split('\n') });
  });

  it('leaves the model_version tag out when the model has no version', () => {
    const [p] = statisticsPoints({ namespace: 'ns', monitor: 'm' }, windows);
    assert.deepEqual(Object.keys(p.tags ?? {}), ['namespace', 'monitor', 'category', 'subject']);
  });

  it('builds detection points with one series per statistic (golden)', () => {
    const points: DetectionPoint[] = [{
      category: 'feature', subject: 'age', statistic: 'mean', time: T0, observed: 51, baseline: 38.2, lower: 35, upper: 41.5, score: 0.93, severity: 2.4, anomaly: true,
    }, {
      category: 'model', subject: '*', statistic: 'drift', time: T0, observed: 0.4, baseline: NaN, lower: NaN, upper: NaN, score: NaN, severity: NaN, anomaly: false,
    }];
    assertGolden('store/detection-points.json', { lineProtocol: toLineProtocol(detectionPoints(KEY, points)).trimEnd().split('\n') });
  });

  it('selects one monitor and version in its queries, a missing version as the empty tag', () => {
    assert.equal(historyQuery(KEY, new Date(T0), new Date(T0 + DAY)),
      `SELECT * FROM "model_health" WHERE "namespace" = 'ml-prod' AND "monitor" = 'feed-ranker' AND "model_version" = '2026-11-20' AND time >= ${T0}ms AND time < ${T0 + DAY}ms GROUP BY "category", "subject"`);
    assert.equal(deleteStatisticsQuery({ namespace: "o'k", monitor: 'm' }, new Date(0), new Date(DAY), 'label'),
      `DELETE FROM "model_health" WHERE "namespace" = 'o\\'k' AND "monitor" = 'm' AND "model_version" = '' AND "category" = 'label' AND time >= 0ms AND time < ${DAY}ms`);
  });

  it('parses a history answer into one series per statistic, skipping gaps and tag columns', () => {
    const raw = {
      results: [{
        series: [{
          name: 'model_health', tags: { category: 'feature', subject: 'age' },
          columns: ['time', 'mean', 'model_version', 'monitor', 'namespace', 'p99'],
          values: [[T0 + DAY, 40, 'v', 'm', 'n', null], [T0, 38, 'v', 'm', 'n', 70]],
        }, {
          name: 'model_health', tags: { category: 'score', subject: 'score' },
          columns: ['time', 'traffic'], values: [[T0, 1000]],
        }],
      }],
    };
    assert.deepEqual(parseHistory(raw), [
      { category: 'feature', subject: 'age', statistic: 'mean', times: [T0, T0 + DAY], values: [38, 40] },
      { category: 'feature', subject: 'age', statistic: 'p99', times: [T0], values: [70] },
      { category: 'score', subject: 'score', statistic: 'traffic', times: [T0], values: [1000] },
    ]);
    assert.deepEqual(parseHistory({ results: [{}] }), []);
    assert.throws(() => parseHistory({ results: [{ error: 'database not found: x' }] }), /database not found/);
    assert.throws(() => parseHistory({ results: [{ series: [{ columns: ['time'], partial: true }] }] }), /partial result/);
  });

  it('parses detections with NaN for absent fields', () => {
    const raw = { results: [{ series: [{ tags: { category: 'feature', subject: 'age', statistic: 'mean' }, columns: ['time', 'anomaly', 'observed', 'score'], values: [[T0, 1, 51, 0.9]] }] }] };
    const [d] = parseDetections(raw);
    assert.equal(d.anomaly, true);
    assert.equal(d.observed, 51);
    assert.ok(Number.isNaN(d.baseline));
  });

  it('stores a reference as one JSON field per subject and reads it back', () => {
    const ref: Reference = {
      version: 1, windowStart: '2026-11-20T00:00:00.000Z',
      features: { age: { kind: 'numeric', edges: [1, 2], proportions: [0.2, 0.5, 0.3] }, country: { kind: 'categorical', categories: ['us'], proportions: [0.9, 0.1] } },
      score: { kind: 'numeric', edges: [0.5], proportions: [0.5, 0.5] },
    };
    const points = referencePoints(KEY, ref);
    const raw = { results: [{ series: points.map((p) => ({ tags: { category: p.tags!.category, subject: p.tags!.subject }, columns: ['time', 'json', 'window_start'], values: [[0, p.fields!.json, p.fields!.window_start]] })) }] };
    assert.deepEqual(parseReference(raw), ref);
    assert.equal(parseReference({ results: [{}] }), undefined);
  });
});

describe('InfluxDB schema: data-quality statistics', () => {
  it('writes the data/log statistics as one point and reads them back as series', () => {
    const w: WindowStatistics = {
      window: { start: new Date(T0), end: new Date(T0 + DAY) },
      rows: 10,
      values: [
        { category: 'data', subject: 'log', statistic: 'corrupt_lines', value: 40 },
        { category: 'data', subject: 'log', statistic: 'future_rows', value: 0 },
        { category: 'feature', subject: 'age', statistic: 'invalid_rate', value: 0.25 },
      ],
    };
    const points = statisticsPoints(KEY, [w]);
    assert.deepEqual(points.map((p) => [p.tags?.category, p.tags?.subject, p.fields]), [['data', 'log', { corrupt_lines: 40, future_rows: 0 }], ['feature', 'age', { invalid_rate: 0.25 }]]);
    assert.match(toLineProtocol(points), /^model_health,category=data,model_version=2026-11-20,monitor=feed-ranker,namespace=ml-prod,subject=log corrupt_lines=40,future_rows=0 /);
    const history = parseHistory({ results: [{ series: [{ name: 'model_health', tags: { category: 'data', subject: 'log' }, columns: ['time', 'corrupt_lines', 'future_rows'], values: [[T0, 40, 0]] }] }] });
    assert.deepEqual(history, [
      { category: 'data', subject: 'log', statistic: 'corrupt_lines', times: [T0], values: [40] },
      { category: 'data', subject: 'log', statistic: 'future_rows', times: [T0], values: [0] },
    ]);
    assert.match(deleteStatisticsQuery(KEY, new Date(T0), new Date(T0 + DAY), 'data'), /"category" = 'data'/);
  });
});

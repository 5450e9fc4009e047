import assert from 'node:assert/strict';
import { sensitivityThreshold, withDefaults } from '../../../operator/src/api/defaults.js';
import type { ModelMonitorSpec } from '../../../operator/src/api/types.js';

const minimal: ModelMonitorSpec = {
  model: { name: 'churn-model' },
  source: { influx: { database: 'models', measurement: 'churn_predictions' } },
};

describe('withDefaults', () => {
  it('fills every knob of a minimal spec with the CRD defaults', () => {
    assert.deepEqual(withDefaults(minimal), {
      model: { name: 'churn-model' },
      source: { influx: { database: 'models', measurement: 'churn_predictions' } },
      schema: { categorical: [], exclude: [], threshold: 0.5, labelDelay: 7, segments: [] },
      granularity: '1d',
      schedule: '15 2 * * *',
      detection: {
        sensitivity: 'medium', threshold: 0.2, minSeverity: 1, duration: { window: 3, min: 2 },
        maxConcurrentFraction: 0.3, minTrafficRatio: 0.05, combine: 'And',
      },
      alerting: { labels: {}, annotations: {} },
      mode: 'Enforce',
      suspend: false,
      scale: { shards: 1 },
    });
  });

  const cases: { why: string; spec: Partial<ModelMonitorSpec>; check: (d: ReturnType<typeof withDefaults>) => void }[] = [
    { why: 'follows an hourly granularity with the hourly schedule', spec: { granularity: '1h' }, check: (d) => assert.equal(d.schedule, '5 * * * *') },
    { why: 'keeps an explicit schedule', spec: { granularity: '1h', schedule: '@hourly' }, check: (d) => assert.equal(d.schedule, '@hourly') },
    { why: 'turns a numeric sensitivity string into a number', spec: { detection: { sensitivity: '0.3' } }, check: (d) => assert.deepEqual([d.detection.sensitivity, d.detection.threshold], [0.3, 0.3]) },
    { why: 'maps high sensitivity to a lower threshold', spec: { detection: { sensitivity: 'high' } }, check: (d) => assert.ok(d.detection.threshold < 0.2) },
    { why: 'fills the duration min when only the window is set', spec: { detection: { duration: { window: 5 } as { window: number; min: number } } }, check: (d) => assert.deepEqual(d.detection.duration, { window: 5, min: 2 }) },
    { why: 'defaults a file source to jsonl', spec: { source: { file: { path: '/d/*.jsonl' } } }, check: (d) => assert.deepEqual(d.source, { file: { path: '/d/*.jsonl', format: 'jsonl' } }) },
    { why: 'treats an empty alertmanagerURL as the operator default', spec: { alerting: { alertmanagerURL: '' } }, check: (d) => assert.equal('alertmanagerURL' in d.alerting, false) },
    { why: 'keeps schema fields and fills the threshold', spec: { schema: { score: 's', task: 'regression' } }, check: (d) => assert.deepEqual(d.schema, { score: 's', task: 'regression', categorical: [], exclude: [], threshold: 0.5, labelDelay: 7, segments: [] }) },
    { why: 'gives each segment column a topK of 5 unless it sets one', spec: { schema: { segments: [{ column: 'country' }, { column: 'device', topK: 12 }] } }, check: (d) => assert.deepEqual(d.schema.segments, [{ column: 'country', topK: 5 }, { column: 'device', topK: 12 }]) },
    { why: 'follows an hourly granularity with a two-day label horizon', spec: { granularity: '1h' }, check: (d) => assert.equal(d.schema.labelDelay, 48) },
    { why: 'keeps an explicit label horizon, 0 included', spec: { granularity: '1h', schema: { labelDelay: 0 } }, check: (d) => assert.equal(d.schema.labelDelay, 0) },
  ];
  for (const c of cases) {
    it(c.why, () => c.check(withDefaults({ ...minimal, ...c.spec })));
  }

  it('does not modify the spec it is given', () => {
    const spec: ModelMonitorSpec = { ...minimal, detection: { duration: { window: 4, min: 1 } } };
    const before = JSON.stringify(spec);
    withDefaults(spec);
    assert.equal(JSON.stringify(spec), before);
  });
});

describe('sensitivityThreshold', () => {
  it('orders the words low > medium > high and passes numbers through', () => {
    assert.ok(sensitivityThreshold('low') > sensitivityThreshold('medium'));
    assert.ok(sensitivityThreshold('medium') > sensitivityThreshold('high'));
    assert.equal(sensitivityThreshold(undefined), 0.2);
    assert.equal(sensitivityThreshold(0.35), 0.35);
    assert.equal(sensitivityThreshold('0.35'), 0.35);
  });
});

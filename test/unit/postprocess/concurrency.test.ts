import assert from 'node:assert/strict';
import { applyConcurrency } from '../../../operator/src/postprocess/concurrency.js';

const a = (category: string, subject: string, timestamp: number) => ({ category, subject, timestamp, statistic: 'mean' });

describe('applyConcurrency', () => {
  it('replaces per-feature anomalies by one model-level alert when enough features move together', () => {
    const anomalies = [a('feature', 'age', 1), a('feature', 'country', 1), a('feature', 'device', 1), a('score', 'score', 1)];
    const r = applyConcurrency(anomalies, 10, { maxConcurrentFraction: 0.3 });
    assert.equal(r.modelLevel.length, 1);
    assert.deepEqual(r.modelLevel[0].subjects, ['age', 'country', 'device']);
    assert.equal(r.modelLevel[0].fraction, 0.3);
    assert.deepEqual(r.individual, [anomalies[3]]);
  });

  it('keeps per-feature anomalies below the fraction', () => {
    const anomalies = [a('feature', 'age', 1), a('feature', 'country', 1)];
    const r = applyConcurrency(anomalies, 10, { maxConcurrentFraction: 0.3 });
    assert.equal(r.modelLevel.length, 0);
    assert.equal(r.individual.length, 2);
  });

  it('counts features per window, not across windows', () => {
    const anomalies = [a('feature', 'age', 1), a('feature', 'country', 2), a('feature', 'device', 3)];
    const r = applyConcurrency(anomalies, 4, { maxConcurrentFraction: 0.5 });
    assert.equal(r.modelLevel.length, 0);
  });

  it('counts a feature once however many of its statistics are anomalous', () => {
    const anomalies = [a('feature', 'age', 1), { ...a('feature', 'age', 1), statistic: 'std' }, a('feature', 'x', 1)];
    const r = applyConcurrency(anomalies, 5, { maxConcurrentFraction: 0.5 });
    assert.equal(r.modelLevel.length, 0);
    const r2 = applyConcurrency(anomalies, 4, { maxConcurrentFraction: 0.5 });
    assert.equal(r2.modelLevel[0].members.length, 3);
    assert.equal(r2.individual.length, 0);
  });

  it('needs at least minFeatures features, so a one-feature model keeps its own alerts', () => {
    const r = applyConcurrency([a('feature', 'only', 1)], 1, { maxConcurrentFraction: 0.3 });
    assert.equal(r.modelLevel.length, 0);
    assert.equal(r.individual.length, 1);
  });
});

import assert from 'node:assert/strict';
import { filterSeries } from '../../../operator/src/postprocess/filters.js';

// Band [8, 12] around 10 everywhere: severity = |observed - 10| / 4.
const points = (observed: number[], anomalous: number[]) => ({
  observed,
  baseline: observed.map(() => 10),
  lower: observed.map(() => 8),
  upper: observed.map(() => 12),
  anomalous,
});

describe('filterSeries', () => {
  // severities: 0, 1.5 (keep), 0.75 (low), 0, 0, 3 (isolated), 0
  const p = points([10, 16, 13, 10, 10, 22, 10], [0, 1, 1, 0, 0, 1, 0]);

  it('keeps points both severe and lasting with AND (the default)', () => {
    assert.deepEqual(Array.from(filterSeries(p).keep), [0, 1, 0, 0, 0, 0, 0]);
  });

  it('keeps points severe or lasting with OR', () => {
    assert.deepEqual(Array.from(filterSeries(p, { combine: 'Or' }).keep), [0, 1, 1, 0, 0, 1, 0]);
  });

  it('reports the severity of every point', () => {
    assert.deepEqual(Array.from(filterSeries(p).severity), [0, 1.5, 0.75, 0, 0, 3, 0]);
  });

  it('applies the given minimum severity and duration', () => {
    const kept = filterSeries(p, { minSeverity: 0.5, duration: { window: 1, min: 1 } }).keep;
    assert.deepEqual(Array.from(kept), [0, 1, 1, 0, 0, 1, 0]);
  });

  it('never keeps a point the detector did not flag', () => {
    const kept = filterSeries(points([30, 30, 30], [0, 0, 0]), { combine: 'Or' }).keep;
    assert.deepEqual(Array.from(kept), [0, 0, 0]);
  });
});

import assert from 'node:assert/strict';
import { generateSeries } from '../../../operator/src/detector/synthetic/index.js';

describe('generateSeries', () => {
  const series = generateSeries({ seed: 11, count: 120 });

  it('is reproducible from its seed and differs across seeds', () => {
    const again = generateSeries({ seed: 11, count: 120 });
    assert.deepEqual(again.map((s) => Array.from(s.values)), series.map((s) => Array.from(s.values)));
    const other = generateSeries({ seed: 12, count: 3 });
    assert.notDeepEqual(Array.from(other[0].values), Array.from(series[0].values));
  });

  it('labels exactly the points inside incidents, after the warm-up', () => {
    for (const s of series) {
      const expected = new Uint8Array(s.values.length);
      for (const i of s.incidents) {
        assert.ok(i.start >= 35 && i.end > i.start && i.end <= s.values.length);
        expected.fill(1, i.start, i.end);
      }
      assert.deepEqual(s.labels, expected);
    }
  });

  it('covers many kinds of statistics and incidents, and leaves some series clean', () => {
    assert.ok(new Set(series.map((s) => s.kind)).size >= 8);
    assert.ok(new Set(series.flatMap((s) => s.incidents.map((i) => i.kind))).size >= 6);
    const clean = series.filter((s) => s.incidents.length === 0).length;
    assert.ok(clean > 10 && clean < 70, `clean series: ${clean}`);
  });

  it('keeps rates in [0, 1], counts non-negative integers, and has some missing values', () => {
    for (const s of series) {
      const present = Array.from(s.values).filter((v) => !Number.isNaN(v));
      if (s.kind === 'rate') assert.ok(present.every((v) => v >= 0 && v <= 1));
      if (s.kind === 'count' || s.kind === 'sparse') assert.ok(present.every((v) => v >= 0 && Number.isInteger(v)));
    }
    assert.ok(series.some((s) => s.values.some((v) => Number.isNaN(v))));
    assert.ok(series.some((s) => s.kind === 'sparse' && s.values.filter((v) => v === 0).length > 100));
  });

  it('makes hourly series of whole days with the hourly warm-up', () => {
    const [h] = generateSeries({ seed: 3, count: 1, granularity: '1h' });
    assert.equal(h.values.length, 24 * 42);
    assert.equal(h.stepMs, 3_600_000);
    assert.equal(new Date(h.start).getUTCHours(), 0);
    for (const i of h.incidents) assert.ok(i.start >= 192);
  });
});

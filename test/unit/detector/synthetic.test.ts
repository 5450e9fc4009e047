import assert from 'node:assert/strict';
import { MATERIAL } from '../../../operator/src/detector/synthetic/incidents.js';
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

  it('carries a ground truth: unit-sd noise around the expected value, incidents far from it', () => {
    // Clean points of Gaussian-noise means: (value - expected) / sd is standard normal (where the
    // sd is the series' own, not the materiality floor incidents are sized against).
    const z = series
      .filter((s) => s.kind === 'mean' && s.noiseType === 'gauss' && s.truth.noiseSd.every((sd) => sd > MATERIAL))
      .flatMap((s) => Array.from(s.values, (v, t) => (s.labels[t] === 0 && !Number.isNaN(v) ? (v - s.truth.expected[t]) / s.truth.noiseSd[t] : NaN)))
      .filter((v) => !Number.isNaN(v));
    assert.ok(z.length > 1000, `clean Gaussian points: ${z.length}`);
    const mean = z.reduce((a, b) => a + b, 0) / z.length;
    const variance = z.reduce((a, b) => a + (b - mean) ** 2, 0) / z.length;
    assert.ok(Math.abs(mean) < 0.1 && Math.abs(variance - 1) < 0.1, `mean ${mean}, variance ${variance}`);
    // Spikes are 5 to 15 noise sds: measured against the truth, nearly every spike point is far out.
    const spikes = series.flatMap((s) =>
      s.incidents
        .filter((i) => i.kind === 'spike' && s.kind !== 'sparse')
        .flatMap((i) => Array.from(s.values.subarray(i.start, i.end), (v, k) => Math.abs(v - s.truth.expected[i.start + k]) / s.truth.noiseSd[i.start + k])),
    ).filter((v) => !Number.isNaN(v));
    assert.ok(spikes.length > 10);
    assert.ok(spikes.filter((v) => v > 3).length / spikes.length > 0.9, `spike points beyond 3 sds: ${spikes.filter((v) => v > 3).length}/${spikes.length}`);
  });

  it('makes hourly series of whole days with the hourly warm-up', () => {
    const [h] = generateSeries({ seed: 3, count: 1, granularity: '1h' });
    assert.equal(h.values.length, 24 * 42);
    assert.equal(h.stepMs, 3_600_000);
    assert.equal(new Date(h.start).getUTCHours(), 0);
    for (const i of h.incidents) assert.ok(i.start >= 192);
  });
});

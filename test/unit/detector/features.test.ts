import assert from 'node:assert/strict';
import {
  buildStage1Batch,
  calendarOneHot,
  denormalise,
  DEVIATION_CLIP,
  fillWindow,
  irregularity,
  percentile,
  removeSeasonalProfile,
  selectPoints,
  stage2Features,
  STD_FLOOR,
  zScore,
} from '../../../operator/src/detector/features.js';
import { DAILY, HOURLY } from '../../../operator/src/detector/spec.js';

const close = (a: number, b: number, eps = 1e-6): void => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);
const MONDAY = Date.UTC(2024, 0, 1);

describe('zScore', () => {
  it('normalises with the window mean and population std', () => {
    const out = new Float32Array(4);
    const stats = zScore([1, 2, 3, 4], out);
    close(stats.mean, 2.5);
    close(stats.std, Math.sqrt(1.25));
    close(out[0], -1.5 / Math.sqrt(1.25));
    close(out[3], 1.5 / Math.sqrt(1.25));
  });

  it('floors the std at 0.01 when the window is (nearly) constant', () => {
    const out = new Float32Array(2);
    assert.equal(zScore([5, 5], out).std, STD_FLOOR);
    const stats = zScore([5, 5.001], out);
    assert.equal(stats.std, STD_FLOOR);
    close(out[1], 0.0005 / 0.01, 1e-5);
  });

  it('is undone by denormalise', () => {
    const src = [3, -7, 12.5, 0.25];
    const out = new Float32Array(4);
    const stats = zScore(src, out);
    src.forEach((v, i) => close(denormalise(out[i], stats), v, 1e-5));
  });
});

describe('percentile', () => {
  it('interpolates linearly between order statistics', () => {
    close(percentile([1, 2, 3, 4, 5], 0.4), 2.6);
    close(percentile([1, 2, 3, 4, 5], 0.6), 3.4);
    close(percentile([7], 0.6), 7);
  });
});

describe('irregularity', () => {
  it('is zero for a perfectly seasonal window', () => {
    const w = Array.from({ length: 25 }, (_, i) => [1, 2, 0, -1, 3, 0, 0][i % 7]);
    assert.equal(irregularity(w, 7), 0);
  });

  it('is the spread between the 60th and 40th percentiles of the seasonal differences', () => {
    // lag 1 differences: 0, 1, 2, 3 -> P60 = 1.8, P40 = 1.2
    close(irregularity([0, 0, 1, 3, 6], 1), 0.6);
  });
});

describe('calendarOneHot', () => {
  it('sets the weekday (0 = Sunday) of a daily point', () => {
    const out = new Float32Array(7);
    calendarOneHot(MONDAY, DAILY, out, 0);
    assert.deepEqual(Array.from(out), [0, 1, 0, 0, 0, 0, 0]);
  });

  it('sets weekday and hour of day of an hourly point', () => {
    const out = new Float32Array(31);
    calendarOneHot(Date.UTC(2024, 0, 6, 13), HOURLY, out, 0);
    const on = Array.from(out).flatMap((v, i) => (v === 1 ? [i] : []));
    assert.deepEqual(on, [6, 7 + 13]);
  });
});

describe('fillWindow', () => {
  it('interpolates inner gaps and extends the nearest value at the edges', () => {
    const out = new Float64Array(5);
    assert.equal(fillWindow([NaN, 1, NaN, 3, NaN], 0, 5, out), 3);
    assert.deepEqual(Array.from(out), [1, 1, 2, 3, 3]);
  });
});

describe('selectPoints', () => {
  it('keeps points with a value and a full window of mostly present history', () => {
    const values = new Float64Array(31).map((_, i) => i);
    values[29] = NaN;
    const gappy = new Float64Array(31).map((_, i) => (i < 10 ? NaN : i));
    const p = selectPoints([{ start: MONDAY, values }, { start: MONDAY, values: gappy }], DAILY);
    assert.deepEqual(Array.from(p.series), [0, 0]);
    assert.deepEqual(Array.from(p.index), [28, 30]);
  });

  it('starts at `from` when given', () => {
    const values = new Float64Array(40).fill(1);
    const p = selectPoints([{ start: MONDAY, values }], DAILY, [38]);
    assert.deepEqual(Array.from(p.index), [38, 39]);
  });
});

describe('buildStage1Batch', () => {
  it('normalises the 25 oldest of the 28 previous values and the target with them', () => {
    const values = new Float64Array(30).map((_, i) => i * 2);
    const series = [{ start: MONDAY, values }];
    const batch = buildStage1Batch(series, DAILY, { series: Int32Array.of(0), index: Int32Array.of(29) });
    // history = values[1..25] = 2, 4, ..., 50: mean 26, population std 2 * sqrt((25^2 - 1) / 12)
    const std = 2 * Math.sqrt((25 * 25 - 1) / 12);
    close(batch.mean[0], 26);
    close(batch.std[0], std, 1e-9);
    close(batch.history[0], (2 - 26) / std, 1e-6);
    close(batch.history[24], (50 - 26) / std, 1e-6);
    close(batch.target[0], (58 - 26) / std, 1e-6);
    // day 29 after Monday 2024-01-01 is Tuesday 2024-01-30
    assert.equal(batch.aux[2], 1);
    // a straight line has identical week-over-week differences
    close(batch.irregularity[0], 0, 1e-6);
  });
});

describe('removeSeasonalProfile', () => {
  it('subtracts the median of each slot and returns the target slot profile', () => {
    // lag 3, 8 values: slot 0 = 1, 4, 100 (median 4), slot 1 = 2, 5, 6 (5), slot 2 = 3, 9 (6)
    const w = Float64Array.from([1, 2, 3, 4, 5, 9, 100, 6]);
    const level = removeSeasonalProfile(w, 8, 3, 9, new Float64Array(8));
    assert.equal(level, 4); // target index 9 is slot 0
    assert.deepEqual(Array.from(w), [-3, -3, -3, 0, 0, 3, 96, 1]);
  });

  it('takes the daily cycle out of an hourly window, so the band is sized by the noise', () => {
    // A strong daily cycle (amplitude 100) with small noise (+-1, alternating by day).
    const values = new Float64Array(24 * 8).map((_, i) => 1000 + 100 * Math.sin((2 * Math.PI * i) / 24) + (Math.floor(i / 24) % 2 === 0 ? 1 : -1));
    const t = 24 * 7 + 6; // 06:00 of day 7, at the top of the cycle
    const batch = buildStage1Batch([{ start: MONDAY, values }], HOURLY, { series: Int32Array.of(0), index: Int32Array.of(t) });
    // The window std is of the order of the noise (1), not the cycle's (~70); the target sits at
    // its hour's level.
    assert.ok(batch.std[0] > 0.5 && batch.std[0] < 2, `std ${batch.std[0]}`);
    close(batch.mean[0], 1100, 1.5);
    assert.ok(Math.abs(batch.target[0]) < 2.1, `target ${batch.target[0]}`);
    // Without the profile (a saved model from before it existed), the window std is the cycle's.
    const plain = buildStage1Batch([{ start: MONDAY, values }], { ...HOURLY, seasonalProfile: undefined }, { series: Int32Array.of(0), index: Int32Array.of(t) });
    assert.ok(plain.std[0] > 60, `plain std ${plain.std[0]}`);
  });
});

describe('stage2Features', () => {
  it('builds deviation, excess over the band, and the one-hots, clipped', () => {
    // The method's features (a saved model from before the recent deviations).
    const PUBLISHED = { ...DAILY, recentDeviations: undefined };
    const batch = buildStage1Batch([{ start: MONDAY, values: new Float64Array(30).map((_, i) => i % 3) }], PUBLISHED, {
      series: Int32Array.of(0, 0),
      index: Int32Array.of(28, 29),
    });
    batch.target[0] = 2;
    batch.target[1] = -50;
    const bands = { baseline: Float32Array.of(0.5, 0), lower: Float32Array.of(-1, -1), upper: Float32Array.of(1.5, 1) };
    const x = stage2Features(batch, bands, PUBLISHED);
    assert.equal(x.length, 2 * 10);
    close(x[0], 1.5);
    close(x[1], 0.5);
    close(x[2], 0);
    assert.deepEqual(Array.from(x.subarray(3, 10)), Array.from(batch.aux.subarray(0, 7)));
    close(x[10], -DEVIATION_CLIP);
    close(x[11], 0);
    close(x[12], DEVIATION_CLIP);
  });
});

describe('recent deviations', () => {
  it('puts the 3 values before the target, normalised and measured from its baseline, after the band features', () => {
    // 25 history values alternating 0 / 2 (std ~1), then 28 (far out), a gap, 2.5 and the target.
    const values = new Float64Array(32).map((_, i) => (i < 28 ? (i % 2) * 2 : i));
    values[29] = NaN;
    values[30] = 2.5;
    const batch = buildStage1Batch([{ start: MONDAY, values }], DAILY, { series: Int32Array.of(0), index: Int32Array.of(31) });
    const { mean, std } = { mean: batch.mean[0], std: batch.std[0] };
    const bands = { baseline: Float32Array.of(0.25), lower: Float32Array.of(-1), upper: Float32Array.of(1.5) };
    const x = stage2Features(batch, bands, DAILY);
    assert.equal(x.length, 3 + 3 + 7);
    close(x[3], (2.5 - mean) / std - 0.25, 1e-4); // 1 point back: values[30]
    close(x[4], 0); // values[29] is missing
    close(x[5], Math.min(DEVIATION_CLIP, (28 - mean) / std - 0.25), 1e-4);
    assert.deepEqual(Array.from(x.subarray(6, 13)), Array.from(batch.aux.subarray(0, 7)));
  });
});

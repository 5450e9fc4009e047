/**
 * Issue 10: the noise and domain of a series, the monotone stage-2 envelope, hourly quiet hours
 * and sequential masked scoring.
 */
import assert from 'node:assert/strict';
import { initBackend } from '../../../operator/src/detector/backend.js';
import { loadDetector, type Detector } from '../../../operator/src/detector/detector.js';
import {
  BAND_FLOOR_SDS,
  buildStage1Batch,
  finalizeBands,
  pointNoise,
  selectPoints,
  STD_FLOOR,
  type RegularSeries,
} from '../../../operator/src/detector/features.js';
import { createRng } from '../../../operator/src/detector/random.js';
import { regularize } from '../../../operator/src/detector/series.js';
import { DAILY, HOURLY } from '../../../operator/src/detector/spec.js';
import { AlertigerError } from '../../../operator/src/errors.js';
import { silentLogger } from '../../../operator/src/log.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);
const days = (n: number): number[] => Array.from({ length: n }, (_, t) => T0 + t * DAY);

describe('noise and domain', () => {
  it('places the noise column on the grid with its rows, whatever their order', () => {
    const r = regularize([T0 + 2 * DAY, T0, T0 + DAY, T0 + 4 * DAY], [3, 1, 2, 5], DAY, [0.3, 0.1, 0.2, 0.5]);
    assert.deepEqual(Array.from(r.values), [1, 2, 3, NaN, 5]);
    assert.deepEqual(Array.from(r.noise!), [0.1, 0.2, 0.3, NaN, 0.5]);
    assert.throws(() => regularize([T0], [1], DAY, [1, 2]), (e: unknown) => e instanceof AlertigerError && e.code === 'InvalidSeries');
  });

  it("takes a point's noise as the median of its window's known values, else the target's", () => {
    const noise = Float64Array.from({ length: 30 }, (_, i) => (i < 28 ? (i % 2 === 0 ? NaN : 1 + (i % 3)) : 7));
    // odd i < 28 carry 1 + (i mod 3): 14 values, five 1s, five 2s... median of {1,2,3} pattern
    const scratch = new Float64Array(28);
    const m = pointNoise(noise, 28, 28, scratch);
    const known = Array.from(noise.subarray(0, 28)).filter((v) => v > 0).sort((a, b) => a - b);
    assert.equal(m, (known[6] + known[7]) / 2);
    assert.equal(pointNoise(Float64Array.from({ length: 30 }, (_, i) => (i === 29 ? 4 : 0)), 29, 28, scratch), 4);
    assert.ok(Number.isNaN(pointNoise(undefined, 29, 28, scratch)));
  });

  it('floors the window std at the noise when known, at 0.01 when not', () => {
    const values = new Float64Array(30).fill(0.004);
    const points = { series: Int32Array.of(0), index: Int32Array.of(29) };
    assert.equal(buildStage1Batch([{ start: T0, values }], DAILY, points).std[0], STD_FLOOR);
    const noise = new Float64Array(30).fill(0.0006);
    assert.equal(buildStage1Batch([{ start: T0, values, noise }], DAILY, points).std[0], 0.0006);
  });

  it('never draws a band narrower than the noise floor or of zero width, and clips it to the domain', () => {
    const series: RegularSeries[] = [
      { start: T0, values: new Float64Array(30).fill(0.004), noise: new Float64Array(30).fill(0.001), domain: { min: 0, max: 1 } },
      { start: T0, values: new Float64Array(30).fill(1_000_000) },
      { start: T0, values: new Float64Array(30).fill(0) },
    ];
    const points = { series: Int32Array.of(0, 1, 2), index: Int32Array.of(29, 29, 29) };
    const batch = buildStage1Batch(series, DAILY, points);
    // A degenerate network output: zero-width bands, the first one below zero.
    const bands = {
      baseline: Float32Array.of(-10, 0, 0),
      lower: Float32Array.of(-10, 0, 0),
      upper: Float32Array.of(-10, 0, 0),
    };
    const final = finalizeBands(batch, bands, series);
    // Rate: baseline clipped to 0, band up to at least 3 noises above it, nothing below 0.
    assert.equal(final.baseline[0], 0);
    assert.equal(final.lower[0], 0);
    assert.ok(final.upper[0] >= BAND_FLOOR_SDS * 0.001 - 1e-12, `upper ${final.upper[0]}`);
    // Constant 1,000,000: a move by 1 stays inside the band.
    assert.ok(final.lower[1] < 999_999 && final.upper[1] > 1_000_001);
    // Constant 0, noise unknown: a narrow band, but never of zero width.
    assert.ok(final.upper[2] - final.lower[2] > 0);
    // The normalised bands are rewritten to the final ones (what stage 2 sees).
    for (let i = 0; i < 3; i++) {
      const z = (x: number): number => (x - batch.mean[i]) / batch.std[i];
      assert.ok(Math.abs(bands.lower[i] - z(final.lower[i])) < 1e-3 * Math.max(1, Math.abs(z(final.lower[i]))));
      assert.ok(Math.abs(bands.upper[i] - z(final.upper[i])) < 1e-3 * Math.max(1, Math.abs(z(final.upper[i]))));
    }
  });
});

/** A daily series around `level` with Gaussian noise of sd `sd`, seeded. */
function gaussian(n: number, level: number, sd: number, seed: number): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: n }, () => level + sd * rng.normal());
}

describe('pretrained detector on real-log cases', () => {
  let detector: Detector;
  before(async () => {
    await initBackend({ logger: silentLogger });
    detector = await loadDetector(undefined, { logger: silentLogger });
  });
  after(() => detector.dispose());

  it('sees a rate of 0.004 drop to 0 when its binomial noise is given, and keeps its band in [0, 1]', () => {
    // 0.004 over ~40,000 rows a day: sampling sd ~0.0003.
    const rng = createRng(3);
    const n = 60;
    const values = Float64Array.from({ length: n }, (_, t) => (t >= 55 ? 0 : 0.004 + 0.0003 * rng.normal()));
    const noise = Float64Array.from(values, (p) => Math.sqrt((Math.max(p, 1 / 40_000) * (1 - p)) / 40_000));
    const [plain, informed] = detector.score([
      { timestamps: days(n), values },
      { timestamps: days(n), values, noise, domain: { min: 0, max: 1 } },
    ]);
    const last = plain.timestamps.length - 1;
    assert.equal(plain.anomalous[last], 0, 'without noise the absolute 0.01 floor hides it (as before)');
    assert.equal(informed.anomalous[last], 1);
    for (let k = 0; k < informed.timestamps.length; k++) assert.ok(informed.lower[k] >= 0 && informed.upper[k] <= 1);
  });

  it('does not alert on a constant 1,000,000 moving by 1, and every severity is finite', () => {
    const n = 40;
    const values = new Float64Array(n).fill(1_000_000);
    values[n - 1] = 1_000_001;
    const steps = Float64Array.from({ length: n }, (_, t) => (t === n - 1 ? 6 : 5));
    const [big, quantile] = detector.score([
      { timestamps: days(n), values },
      { timestamps: days(n), values: steps },
    ]);
    assert.equal(big.anomalous[big.timestamps.length - 1], 0);
    for (const r of [big, quantile]) {
      for (let k = 0; k < r.timestamps.length; k++) {
        assert.ok(r.upper[k] - r.lower[k] > 0, 'zero-width band');
        assert.ok(Number.isFinite(Math.abs(r.observed[k] - r.baseline[k]) / (r.upper[k] - r.lower[k])));
      }
    }
  });

  for (const [name, step, n] of [
    ['daily', DAY, 40],
    ['hourly', HOUR, 24 * 8],
  ] as const) {
    it(`scores a larger deviation in the same direction never lower (${name})`, () => {
      const base = gaussian(n, 100, 2, 11);
      const timestamps = Array.from({ length: n }, (_, t) => T0 + t * step);
      // The baseline depends on the history only: the same for every value of the last point.
      const [probe] = detector.score([{ timestamps, values: base, from: timestamps[n - 1] }]);
      const b = probe.baseline[0];
      for (const sign of [1, -1]) {
        // Same history, the last value swept from the baseline out to 60 noise sds.
        const sweep = Array.from({ length: 121 }, (_, j) => {
          const values = Float64Array.from(base);
          values[n - 1] = b + sign * j;
          return { timestamps, values, from: timestamps[n - 1] };
        });
        const scores = detector.score(sweep).map((r) => r.score[0]);
        for (let j = 1; j < scores.length; j++) {
          assert.ok(scores[j] >= scores[j - 1] - 1e-6, `sign ${sign}: score ${scores[j]} at +${j} below ${scores[j - 1]} at +${j - 1}`);
        }
        assert.ok(scores[120] > 0.2, `a 60-sd deviation scores ${scores[120]}`);
      }
    });
  }

  it('scores hourly series that have no rows at night, and flags a x1000 jump by day', () => {
    const hours = 24 * 14;
    const rng = createRng(5);
    const values = Float64Array.from({ length: hours }, (_, t) => {
      const h = t % 24;
      if (h < 7) return NaN; // quiet hours 00-06: no rows, no statistic
      return 500 + 100 * Math.sin((Math.PI * (h - 7)) / 17) + 10 * rng.normal();
    });
    const jump = 24 * 12 + 14; // day 12, 14:00
    values[jump] *= 1000;
    values[jump + 1] *= 1000;
    const timestamps = Array.from({ length: hours }, (_, t) => T0 + t * HOUR);
    const points = selectPoints([{ start: T0, values }], HOURLY);
    assert.ok(points.index.length > 100, `${points.index.length} points scorable`);
    const [r] = detector.score([{ timestamps, values }]);
    const at = Array.from(r.timestamps).indexOf(T0 + jump * HOUR);
    assert.ok(at >= 0, 'the jump is scored');
    assert.equal(r.anomalous[at], 1);
    // Daytime points every day from day 7 on are scored.
    const scoredDays = new Set(Array.from(r.timestamps, (t) => Math.floor((t - T0) / DAY)));
    for (let d = 7; d < 14; d++) assert.ok(scoredDays.has(d), `day ${d} not scored`);
    const others = Array.from(r.anomalous).filter((a, k) => a === 1 && Math.abs(r.timestamps[k] - (T0 + jump * HOUR)) > 4 * HOUR);
    assert.ok(others.length <= 3, `${others.length} other hours flagged`);
  });

  it('with mask, keeps flagging a level shift that persists, and still sees a dip inside it', () => {
    const n = 100;
    const shiftAt = 50;
    const values = gaussian(n, 100, 2, 21);
    for (let t = shiftAt; t < shiftAt + 40; t++) values[t] += 50;
    const dipAt = shiftAt + 15;
    values[dipAt] -= 30; // 15 sds below the shifted level
    const input = { timestamps: days(n), values };
    const [plain] = detector.score([input]);
    const [masked] = detector.score([input], { mask: true });
    const flagged = (r: typeof plain, from: number, to: number): number => {
      let k = 0;
      for (let i = 0; i < r.timestamps.length; i++) {
        const d = (r.timestamps[i] - T0) / DAY;
        if (d >= from && d < to && r.anomalous[i] === 1) k++;
      }
      return k;
    };
    assert.ok(flagged(masked, shiftAt, shiftAt + 40) >= 36, `masked: ${flagged(masked, shiftAt, shiftAt + 40)} of 40 days flagged`);
    assert.ok(flagged(plain, shiftAt + 7, shiftAt + 40) <= 8, `unmasked: ${flagged(plain, shiftAt + 7, shiftAt + 40)} of 33 later days flagged`);
    const k = Array.from(masked.timestamps).indexOf(T0 + dipAt * DAY);
    assert.ok(masked.observed[k] < masked.lower[k] || masked.observed[k] > masked.upper[k], 'the dip is outside the band');
    // The caller's values are left as they were.
    assert.equal(values[shiftAt], input.values[shiftAt]);
    assert.ok(values[shiftAt] > 140);
    // `from` returns only recent points but masks the earlier ones too.
    const [recent] = detector.score([{ ...input, from: T0 + (shiftAt + 30) * DAY }], { mask: true });
    assert.equal(recent.timestamps[0], T0 + (shiftAt + 30) * DAY);
    assert.equal(recent.anomalous[0], masked.anomalous[Array.from(masked.timestamps).indexOf(T0 + (shiftAt + 30) * DAY)]);
    // maskLimit: after 3 consecutive flags the new level is accepted, and flags stop soon after.
    const [limited] = detector.score([input], { mask: true, maskLimit: 3 });
    assert.ok(flagged(limited, shiftAt + 10, shiftAt + 40) <= 5, `limited: ${flagged(limited, shiftAt + 10, shiftAt + 40)} flagged`);
    // After the shift ends, the series is back to normal: few flags.
    assert.ok(flagged(masked, shiftAt + 43, n) <= 3, `masked after the shift: ${flagged(masked, shiftAt + 43, n)} flagged`);
  });

  it('refuses a noise column of the wrong length and an empty domain', () => {
    const is = (e: unknown): boolean => e instanceof AlertigerError && e.code === 'InvalidSeries';
    assert.throws(() => detector.score([{ timestamps: days(30), values: new Float64Array(30), noise: [1] }]), is);
    assert.throws(() => detector.score([{ timestamps: days(30), values: new Float64Array(30), domain: { min: 1, max: 0 } }]), is);
  });
});

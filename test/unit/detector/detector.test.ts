import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../operator/src/detector/backend.js';
import { createDetector, isAnomalous, loadDetector, type Detector } from '../../../operator/src/detector/detector.js';
import { initStage1, initStage2 } from '../../../operator/src/detector/model.js';
import { createRng } from '../../../operator/src/detector/random.js';
import { DAILY } from '../../../operator/src/detector/spec.js';
import { AlertigerError } from '../../../operator/src/errors.js';
import { silentLogger } from '../../../operator/src/log.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);

/** A daily series with a weekly shape and mild noise; `spikeAt` adds a large jump. */
function weekly(n: number, spikeAt?: number): { timestamps: number[]; values: Float64Array } {
  const rng = createRng(42);
  const shape = [0.6, 1, 1.05, 1.1, 1.0, 0.95, 0.7];
  const values = Float64Array.from({ length: n }, (_, t) => 1000 * shape[new Date(T0 + t * DAY).getUTCDay()] + 10 * rng.normal());
  if (spikeAt !== undefined) {
    values[spikeAt] += 400;
    values[spikeAt + 1] += 400;
  }
  return { timestamps: Array.from({ length: n }, (_, t) => T0 + t * DAY), values };
}

const HOUR = 3_600_000;

/**
 * An hourly request count with a strong daily cycle (+-40%) and Poisson-like noise (sd ~30);
 * `dropAt` takes 20% off four hours from there (a partial outage: ~8 noise sds, a fraction of
 * the daily swing).
 */
function diurnal(hours: number, dropAt?: number): { timestamps: number[]; values: Float64Array } {
  const rng = createRng(7);
  const values = Float64Array.from({ length: hours }, (_, t) => {
    const level = 1000 * (1 + 0.4 * Math.sin((2 * Math.PI * t) / 24));
    return Math.round(level + Math.sqrt(level) * rng.normal());
  });
  if (dropAt !== undefined) for (let t = dropAt; t < dropAt + 4; t++) values[t] = Math.round(values[t] * 0.8);
  return { timestamps: Array.from({ length: hours }, (_, t) => T0 + t * HOUR), values };
}

describe('isAnomalous', () => {
  const cases: Array<[string, [number, number, number, number, number], boolean]> = [
    ['flags a point above the band with a score over the threshold', [0.5, 0.2, 15, 8, 12], true],
    ['flags a point below the band with a score over the threshold', [0.5, 0.2, 7, 8, 12], true],
    ['does not flag a point inside the band whatever its score', [0.99, 0.2, 11, 8, 12], false],
    ['does not flag a point on the bound', [0.99, 0.2, 12, 8, 12], false],
    ['does not flag a point outside the band with a score at the threshold', [0.2, 0.2, 15, 8, 12], false],
  ];
  for (const [name, [score, th, o, l, u], expected] of cases) it(name, () => assert.equal(isAnomalous(score, th, o, l, u), expected));
});

describe('detector', () => {
  let untrained: Detector;
  before(async () => {
    await initBackend({ logger: silentLogger });
    untrained = createDetector([{ spec: DAILY, stage1: initStage1(DAILY, createRng(1)), stage2: initStage2(DAILY, createRng(2)) }]);
  });
  after(() => untrained.dispose());

  it('scores every point with a full window, in time order, with the band around the baseline', () => {
    const [r] = untrained.score([weekly(40)]);
    assert.equal(r.granularity, '1d');
    assert.equal(r.timestamps.length, 12);
    assert.equal(r.timestamps[0], T0 + 28 * DAY);
    for (let k = 0; k < 12; k++) assert.ok(r.lower[k] <= r.baseline[k] && r.baseline[k] <= r.upper[k]);
  });

  it('scores only points from `from` on, and nothing in a series too short', () => {
    const s = weekly(40);
    const [recent, short] = untrained.score([{ ...s, from: T0 + 38 * DAY }, weekly(20)]);
    assert.deepEqual(Array.from(recent.timestamps), [T0 + 38 * DAY, T0 + 39 * DAY]);
    assert.equal(short.timestamps.length, 0);
  });

  it('rejects a series of unknown spacing, a granularity the model lacks, and a bad threshold', () => {
    const minutes = { timestamps: [0, 60_000, 120_000], values: [1, 2, 3] };
    const is = (code: string) => (e: unknown) => e instanceof AlertigerError && e.code === code;
    assert.throws(() => untrained.score([minutes]), is('GranularityUnknown'));
    assert.throws(() => untrained.score([{ ...minutes, granularity: '1h' }]), is('GranularityUnsupported'));
    assert.throws(() => untrained.score([weekly(40)], { threshold: 1 }), is('InvalidThreshold'));
  });

  describe('pretrained', () => {
    let pretrained: Detector;
    before(async () => {
      pretrained = await loadDetector(undefined, { logger: silentLogger });
    });
    after(() => pretrained.dispose());

    it('ships daily and hourly models', () => {
      assert.deepEqual([...pretrained.granularities].sort(), ['1d', '1h']);
      assert.equal(pretrained.threshold, 0.2);
    });

    it('flags a large two-day jump and stays quiet on the seasonal days around it', () => {
      const [r] = pretrained.score([weekly(120, 100)]);
      const flagged = Array.from(r.timestamps).filter((_, k) => r.anomalous[k] === 1).map((t) => (t - T0) / DAY);
      assert.ok(flagged.includes(100), `flagged days: ${flagged.join(',')}`);
      assert.ok(flagged.filter((d) => d < 100 || d > 104).length <= 1, `flagged days: ${flagged.join(',')}`);
    });

    it('flags a partial outage inside the daily cycle of an hourly count, and little else', () => {
      const drop = 24 * 12 + 5; // day 12, 05:00, near the top of the cycle
      const [r] = pretrained.score([diurnal(24 * 14, drop)]);
      const flagged = Array.from(r.timestamps).filter((_, k) => r.anomalous[k] === 1).map((t) => (t - T0) / HOUR);
      assert.ok(flagged.some((h) => h >= drop && h < drop + 4), `flagged hours: ${flagged.join(',')}`);
      assert.ok(flagged.filter((h) => h < drop || h >= drop + 6).length <= 2, `flagged hours: ${flagged.join(',')}`);
    });

    it('keeps its tensor count flat over repeated scoring', () => {
      const input = [weekly(120, 100), weekly(90)];
      pretrained.score(input);
      const n = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) pretrained.score(input);
      assert.equal(tf.memory().numTensors, n);
    });
  });
});

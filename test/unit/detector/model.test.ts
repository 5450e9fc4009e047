import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../operator/src/detector/backend.js';
import { silentLogger } from '../../../operator/src/log.js';
import { stage1ToLayersModel, stage2ToLayersModel } from '../../../operator/src/detector/layers.js';
import {
  applyDense,
  bceWithLogits,
  countParams,
  disposeLayers,
  initStage1,
  initStage2,
  pinball,
  stage1Forward,
  stage1Layers,
  stage1Loss,
  stage2Forward,
} from '../../../operator/src/detector/model.js';
import { createRng } from '../../../operator/src/detector/random.js';
import { DAILY, HOURLY, stage2InputLength } from '../../../operator/src/detector/spec.js';

const close = (a: number, b: number, eps = 1e-5): void => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);
const col = (values: number[]): tf.Tensor2D => tf.tensor2d(values, [values.length, 1]);

describe('detector model', () => {
  before(async () => {
    await initBackend({ logger: silentLogger });
  });

  it('has the published sizes: ~1.5k stage-1 and ~400 stage-2 parameters', () => {
    const published = { ...DAILY, recentDeviations: undefined };
    const s1 = initStage1(published, createRng(1));
    const s2 = initStage2(published, createRng(1));
    assert.equal(countParams(stage1Layers(s1)), 1466);
    assert.equal(countParams(s2.layers), 389);
    // This product's stage 2 also reads 3 recent deviations: 3 more inputs to its first layer (14 units).
    const recent = initStage2(DAILY, createRng(1));
    assert.equal(countParams(recent.layers), 389 + 3 * 14);
    disposeLayers([...stage1Layers(s1), ...s2.layers, ...recent.layers]);
  });

  it('computes the pinball loss on both sides of the quantile', () => {
    const values = tf.tidy(() => pinball(0.9, col([1, 1]), col([0, 2])).dataSync());
    close(values[0], 0.9);
    close(values[1], 0.1);
  });

  it('computes the masked stage-1 loss as MSE + pinball(0.005) + pinball(0.995) over unmasked points', () => {
    const loss = tf.tidy(() =>
      stage1Loss(
        { baseline: col([0, 1]), lower: col([-1, 0]), upper: col([1, 2]), scale: col([1, 1]) },
        col([0.5, 5]),
        col([1, 0]),
      ).dataSync()[0],
    );
    // point 1 only: (0 - 0.5)^2 + 0.005 * 1.5 + (0.995 - 1) * (0.5 - 1) = 0.25 + 0.0075 + 0.0025
    close(loss, 0.26);
  });

  it('computes binary cross-entropy from logits', () => {
    const loss = tf.tidy(() => bceWithLogits(col([0, 2]), col([0, 1])).dataSync()[0]);
    close(loss, (Math.log(2) + Math.log(1 + Math.exp(-2))) / 2);
  });

  it('scales both bounds towards the baseline by the irregularity unit', () => {
    const p = initStage1(DAILY, createRng(3));
    const rng = createRng(4);
    const n = 5;
    const h = tf.tensor2d(Array.from({ length: n * 25 }, () => rng.normal()), [n, 25]);
    const a = tf.tensor2d(Array.from({ length: n * 7 }, (_, i) => (i % 7 === 2 ? 1 : 0)), [n, 7]);
    const irr = col([0, 0.5, 1, 2, 4]);
    tf.tidy(() => {
      const out = stage1Forward(p, h, a, irr);
      const z = p.joint.reduce((x, d) => applyDense(x, d), tf.concat([p.history.reduce((x, d) => applyDense(x, d), h), a], 1));
      const rawLower = p.lower.reduce((x, d) => applyDense(x, d), z).dataSync();
      const b = out.baseline.dataSync();
      const s = out.scale.dataSync();
      const lower = out.lower.dataSync();
      for (let i = 0; i < n; i++) {
        close(s[i], 1 / (1 + Math.exp(-irr.dataSync()[i])));
        close(lower[i], b[i] + s[i] * (rawLower[i] - b[i]));
      }
    });
    tf.dispose([h, a, irr]);
    disposeLayers(stage1Layers(p));
  });

  it('matches its saved tfjs LayersModel form on the same inputs', () => {
    for (const spec of [DAILY, HOURLY]) {
      const p = initStage1(spec, createRng(5));
      const q = initStage2(spec, createRng(6));
      const hl = spec.window - spec.omit;
      const al = spec.hourOfDay ? 31 : 7;
      const rng = createRng(7);
      const h = tf.tensor2d(Array.from({ length: 4 * hl }, () => rng.normal()), [4, hl]);
      const a = tf.tensor2d(Array.from({ length: 4 * al }, () => (rng.chance(0.2) ? 1 : 0)), [4, al]);
      const irr = col([0.1, 0.2, 0.3, 0.4]);
      const xl = stage2InputLength(spec);
      const x = tf.tensor2d(Array.from({ length: 4 * xl }, () => rng.normal()), [4, xl]);
      const m1 = stage1ToLayersModel(p, spec);
      const m2 = stage2ToLayersModel(q, spec);
      tf.tidy(() => {
        const ours = stage1Forward(p, h, a, irr);
        const theirs = (m1.predict([h, a, irr]) as tf.Tensor2D).arraySync();
        const b = ours.baseline.dataSync();
        const s = ours.scale.dataSync();
        const lower = ours.lower.dataSync();
        for (let i = 0; i < 4; i++) {
          close(theirs[i][0], b[i]);
          close(theirs[i][3], s[i]);
          close(lower[i], theirs[i][0] + theirs[i][3] * (theirs[i][1] - theirs[i][0]));
        }
        const p2 = stage2Forward(q, x).dataSync();
        const t2 = (m2.predict(x) as tf.Tensor2D).dataSync();
        for (let i = 0; i < 4; i++) close(p2[i], t2[i]);
      });
      m1.dispose();
      m2.dispose();
      tf.dispose([h, a, irr, x]);
      disposeLayers([...stage1Layers(p), ...q.layers]);
    }
  });
});

/**
 * Batched forward passes from typed arrays to typed arrays: the only place the scorer and the
 * trainer cross into tensors for inference. Chunks bound the memory of one call; every chunk
 * runs in tf.tidy, so the tensor count is the same before and after.
 */
import * as tf from '@tensorflow/tfjs';
import type { Bands, Stage1Batch } from './features.js';
import { stage1Forward, stage2Forward, type Stage1Params, type Stage2Params } from './model.js';
import { auxLength, historyLength, type GranularitySpec } from './spec.js';

export const CHUNK = 16_384;

/** Stage-1 bands (normalised) of every point of the batch. */
export function predictStage1(p: Stage1Params, batch: Stage1Batch, spec: GranularitySpec, chunk = CHUNK): Bands {
  const h = historyLength(spec);
  const a = auxLength(spec);
  const n = batch.size;
  const out: Bands = { baseline: new Float32Array(n), lower: new Float32Array(n), upper: new Float32Array(n) };
  for (let lo = 0; lo < n; lo += chunk) {
    const m = Math.min(chunk, n - lo);
    const values = tf.tidy(() => {
      const r = stage1Forward(
        p,
        tf.tensor2d(batch.history.subarray(lo * h, (lo + m) * h), [m, h]),
        tf.tensor2d(batch.aux.subarray(lo * a, (lo + m) * a), [m, a]),
        tf.tensor2d(batch.irregularity.subarray(lo, lo + m), [m, 1]),
      );
      return tf.concat([r.baseline, r.lower, r.upper], 1).dataSync() as Float32Array;
    });
    for (let i = 0; i < m; i++) {
      out.baseline[lo + i] = values[3 * i];
      out.lower[lo + i] = values[3 * i + 1];
      out.upper[lo + i] = values[3 * i + 2];
    }
  }
  return out;
}

/** Stage-2 anomaly probabilities of rows of `features` (width columns each). */
export function predictStage2(p: Stage2Params, features: Float32Array, width: number, chunk = CHUNK): Float32Array {
  const n = features.length / width;
  const out = new Float32Array(n);
  for (let lo = 0; lo < n; lo += chunk) {
    const m = Math.min(chunk, n - lo);
    const values = tf.tidy(
      () => stage2Forward(p, tf.tensor2d(features.subarray(lo * width, (lo + m) * width), [m, width])).dataSync() as Float32Array,
    );
    out.set(values, lo);
  }
  return out;
}

/**
 * Batched forward passes from typed arrays to typed arrays: the only place the scorer and the
 * trainer cross into tensors for inference. Chunks bound the memory of one call; every chunk
 * runs in tf.tidy, so the tensor count is the same before and after.
 */
import * as tf from '@tensorflow/tfjs';
import { DEVIATION_CLIP, recentDeviation, type Bands, type Stage1Batch } from './features.js';
import { stage1Forward, stage2Forward, type Dense, type Stage1Params, type Stage2Params } from './model.js';
import { auxLength, historyLength, recentLength, type GranularitySpec } from './spec.js';

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

/** A stage-2 network's weights as plain arrays, for the envelope's many small evaluations. */
interface PlainLayer {
  kernel: Float64Array;
  bias: Float64Array;
  inputs: number;
  units: number;
  activation: Dense['activation'];
}

function plainLayers(p: Stage2Params): PlainLayer[] {
  return p.layers.map((d) => ({
    kernel: Float64Array.from(d.kernel.dataSync()),
    bias: Float64Array.from(d.bias.dataSync()),
    inputs: d.kernel.shape[0],
    units: d.kernel.shape[1] ?? 1,
    activation: d.activation,
  }));
}

/**
 * Where the envelope evaluates the classifier beyond the bound, in window stds (normalised
 * units). At the last node every deviation feature is at its clip, so the classifier's input no
 * longer changes further out.
 */
export const OUTSIDE_NODES = [0.25, 0.5, 1, 1.5, 2, 3, 4.5, 6.5, DEVIATION_CLIP] as const;

/**
 * Stage-2 scores that are monotone in the size of the deviation along its direction: the
 * classifier f is evaluated at fixed nodes on the point's side of the baseline (the bound, then
 * the bound plus each of OUTSIDE_NODES), the running maximum of f over the nodes is taken, and
 * the point's score is the linear interpolation of that running maximum at its own distance from
 * the baseline (constant past the last node). Inside the band the score ramps linearly from 0 at
 * the baseline to f at the bound: the decision never uses it there (a point inside the band is
 * never anomalous), and it keeps most points to one evaluation of f. The
 * interpolation of a non-decreasing sequence is non-decreasing: a point further from the baseline
 * on the same side never scores lower. f at the bound runs for every point in one tensor pass;
 * the few points outside their band get their further nodes in plain JS (a handful of 14-9-9
 * evaluations are cheaper than a tensor round trip). `bands` must be the final normalised bands
 * (finalizeBands).
 */
export function predictStage2Envelope(p: Stage2Params, batch: Stage1Batch, bands: Bands, spec: GranularitySpec): Float32Array {
  const layers = plainLayers(p);
  const first = layers[0];
  const a = auxLength(spec);
  const rl = recentLength(spec);
  if (first.inputs !== 3 + rl + a) throw new Error(`stage 2 takes ${first.inputs} inputs, the features have ${3 + rl + a}`);
  const base = new Float64Array(first.units);
  // One activation buffer per layer (no swapping: this runs a few million times per call).
  const acts = layers.map((l) => new Float64Array(l.units));
  const nodes = new Float64Array(1 + OUTSIDE_NODES.length);
  const clip = (x: number): number => (x > DEVIATION_CLIP ? DEVIATION_CLIP : x < -DEVIATION_CLIP ? -DEVIATION_CLIP : x);
  const out = new Float32Array(batch.size);
  const k1 = first.kernel;
  const m1 = first.units;
  const relu1 = first.activation === 'relu';
  const last = layers[layers.length - 1];
  const sigmoidOut = last.activation === 'sigmoid';

  /** The classifier's probability at features (d, u, l) with the point's calendar part in `base`. */
  const f = (d: number, u: number, l: number): number => {
    let h = acts[0];
    for (let j = 0; j < m1; j++) {
      const z = base[j] + d * k1[j] + u * k1[m1 + j] + l * k1[2 * m1 + j];
      h[j] = relu1 && z < 0 ? 0 : z;
    }
    for (let li = 1; li < layers.length; li++) {
      const L = layers[li];
      const kernel = L.kernel;
      const units = L.units;
      const o = acts[li];
      const relu = L.activation === 'relu';
      for (let j = 0; j < units; j++) o[j] = L.bias[j];
      for (let q = 0; q < L.inputs; q++) {
        const x = h[q];
        if (x === 0) continue;
        const row = q * units;
        for (let j = 0; j < units; j++) o[j] += x * kernel[row + j];
      }
      if (relu) for (let j = 0; j < units; j++) if (o[j] < 0) o[j] = 0;
      h = o;
    }
    return sigmoidOut ? 1 / (1 + Math.exp(-h[0])) : h[0];
  };

  // f at the bound on each point's side, for every point at once through the tensor path (most
  // points lie inside their band and need nothing else).
  const width = 3 + rl + a;
  const atBound = new Float32Array(batch.size * width);
  const side = new Int8Array(batch.size);
  for (let i = 0; i < batch.size; i++) {
    const b = bands.baseline[i];
    side[i] = batch.target[i] >= b ? 1 : -1;
    const o = i * width;
    atBound[o] = clip(side[i] > 0 ? bands.upper[i] - b : bands.lower[i] - b);
    for (let k = 0; k < rl; k++) atBound[o + 3 + k] = recentDeviation(batch, bands, i, k, rl);
    atBound.set(batch.aux.subarray(i * a, (i + 1) * a), o + 3 + rl);
  }
  const fBound = predictStage2(p, atBound, width);

  for (let i = 0; i < batch.size; i++) {
    const y = batch.target[i];
    const b = bands.baseline[i];
    const lo = bands.lower[i];
    const up = bands.upper[i];
    const s = side[i];
    const inside = s > 0 ? up - b : b - lo;
    const dist = Math.abs(y - b);
    if (dist <= inside) {
      // Inside the band (or on the bound): the ramp from 0 at the baseline to f at the bound.
      out[i] = inside > 0 ? (fBound[i] * dist) / inside : fBound[i];
      continue;
    }
    // Outside: the calendar and recent-deviation part of the first layer, shared by the nodes.
    for (let j = 0; j < m1; j++) base[j] = first.bias[j];
    const o = i * width;
    for (let q = 3; q < width; q++) {
      const x = atBound[o + q];
      if (x === 0) continue;
      const row = q * m1;
      for (let j = 0; j < m1; j++) base[j] += x * k1[row + j];
    }
    // Node 0 is the bound (its running maximum: f there, or 0 for a band of no width this side).
    let count = 1;
    nodes[0] = inside;
    for (const g of OUTSIDE_NODES) nodes[count++] = inside + g;
    let best = inside > 0 ? fBound[i] : 0;
    let prev = best;
    let score = NaN;
    for (let k = 1; k < count; k++) {
      const yk = b + s * nodes[k];
      const v = f(clip(yk - b), clip(Math.max(0, yk - up)), clip(Math.max(0, lo - yk)));
      best = Math.max(best, v);
      if (nodes[k] >= dist) {
        score = prev + ((best - prev) * (dist - nodes[k - 1])) / (nodes[k] - nodes[k - 1]);
        break;
      }
      prev = best;
    }
    out[i] = Number.isNaN(score) ? best : score;
  }
  return out;
}

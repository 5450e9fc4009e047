/**
 * The two networks of design.md §6 as plain TensorFlow.js ops over our own variables (the
 * layers API is used only to save and load them in the standard tfjs format, see layers.ts:
 * its per-call overhead made scoring ~40x slower for a model this small).
 *
 * Stage 1: history (H) -> Dense 14, 9, 9 (ReLU) -> concat calendar one-hots (A) ->
 * Dense 16, 16, 8, 8 (ReLU) -> three heads Dense 4 -> Dense 1 (linear) for baseline, lower and
 * upper; irregularity -> Dense 1 (sigmoid) = s; bounds = baseline + s * (raw - baseline).
 * Stage 2: deviation features + one-hots -> Dense 14, 9, 9 (ReLU) -> Dense 1 (sigmoid).
 * Every function returning tensors must be called inside tf.tidy (or the trainer's minimize).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from './random.js';
import { auxLength, historyLength, stage2InputLength, type GranularitySpec } from './spec.js';

export type Activation = 'relu' | 'linear' | 'sigmoid';

export interface Dense {
  /** Stable name, used as the layer name in the saved model. */
  name: string;
  kernel: tf.Variable;
  bias: tf.Variable;
  activation: Activation;
}

export interface Stage1Params {
  history: Dense[];
  joint: Dense[];
  baseline: Dense[];
  lower: Dense[];
  upper: Dense[];
  irregularity: Dense;
}

export interface Stage2Params {
  layers: Dense[];
}

export const HISTORY_UNITS = [14, 9, 9] as const;
export const JOINT_UNITS = [16, 16, 8, 8] as const;
export const HEAD_UNITS = [4, 1] as const;
export const STAGE2_UNITS = [14, 9, 9] as const;
export const LOWER_Q = 0.005;
export const UPPER_Q = 0.995;

/** A dense layer with seeded Glorot-uniform kernel and zero bias. */
export function initDense(name: string, inputs: number, units: number, activation: Activation, rng: Rng): Dense {
  const limit = Math.sqrt(6 / (inputs + units));
  const k = new Float32Array(inputs * units);
  for (let i = 0; i < k.length; i++) k[i] = rng.uniform(-limit, limit);
  return denseFrom(name, k, new Float32Array(units), [inputs, units], activation);
}

export function denseFrom(
  name: string,
  kernel: Float32Array,
  bias: Float32Array,
  shape: [number, number],
  activation: Activation,
): Dense {
  return {
    name,
    kernel: tf.variable(tf.tensor2d(kernel, shape), true),
    bias: tf.variable(tf.tensor1d(bias), true),
    activation,
  };
}

function stack(prefix: string, inputs: number, units: readonly number[], activation: Activation, rng: Rng): Dense[] {
  const out: Dense[] = [];
  let width = inputs;
  units.forEach((u, i) => {
    out.push(initDense(`${prefix}_${i + 1}`, width, u, activation, rng));
    width = u;
  });
  return out;
}

export function initStage1(spec: GranularitySpec, rng: Rng): Stage1Params {
  const history = stack('history', historyLength(spec), HISTORY_UNITS, 'relu', rng);
  const joint = stack('joint', HISTORY_UNITS[2] + auxLength(spec), JOINT_UNITS, 'relu', rng);
  const last = JOINT_UNITS[JOINT_UNITS.length - 1];
  return {
    history,
    joint,
    baseline: stack('baseline', last, HEAD_UNITS, 'linear', rng),
    lower: stack('lower', last, HEAD_UNITS, 'linear', rng),
    upper: stack('upper', last, HEAD_UNITS, 'linear', rng),
    // Starts increasing in the irregularity (w = 1): wider bands for more irregular windows.
    irregularity: denseFrom('irregularity', Float32Array.of(1), Float32Array.of(0), [1, 1], 'sigmoid'),
  };
}

export function initStage2(spec: GranularitySpec, rng: Rng): Stage2Params {
  const hidden = stack('stage2', stage2InputLength(spec), STAGE2_UNITS, 'relu', rng);
  const score = initDense('score', STAGE2_UNITS[2], 1, 'sigmoid', rng);
  return { layers: [...hidden, score] };
}

/** x W + b with the layer's activation; sigmoid layers return logits when `logits` is set. */
export function applyDense(x: tf.Tensor2D, d: Dense, logits = false): tf.Tensor2D {
  const fused = d.activation === 'relu' ? 'relu' : 'linear';
  const y = tf.fused.matMul({ a: x, b: d.kernel as tf.Tensor2D, bias: d.bias, activation: fused }) as tf.Tensor2D;
  return d.activation === 'sigmoid' && !logits ? tf.sigmoid(y) : y;
}

function applyStack(x: tf.Tensor2D, layers: readonly Dense[]): tf.Tensor2D {
  return layers.reduce((h, d) => applyDense(h, d), x);
}

export interface Stage1Output {
  baseline: tf.Tensor2D;
  lower: tf.Tensor2D;
  upper: tf.Tensor2D;
  /** The learned band scale s in (0, 1). */
  scale: tf.Tensor2D;
}

/** Stage-1 forward pass; all outputs [n, 1] in the window's normalised space. */
export function stage1Forward(p: Stage1Params, history: tf.Tensor2D, aux: tf.Tensor2D, irr: tf.Tensor2D): Stage1Output {
  const h = applyStack(history, p.history);
  const z = applyStack(tf.concat([h, aux], 1), p.joint);
  const baseline = applyStack(z, p.baseline);
  const scale = applyDense(irr, p.irregularity);
  const band = (raw: tf.Tensor2D): tf.Tensor2D => tf.add(baseline, tf.mul(scale, tf.sub(raw, baseline)));
  return { baseline, lower: band(applyStack(z, p.lower)), upper: band(applyStack(z, p.upper)), scale };
}

/** Pinball (quantile) loss per element: max(q r, (q - 1) r) with r = y - prediction. */
export function pinball(q: number, y: tf.Tensor, prediction: tf.Tensor): tf.Tensor {
  const r = tf.sub(y, prediction);
  return tf.maximum(tf.mul(r, q), tf.mul(r, q - 1));
}

/**
 * Stage-1 loss: squared error of the baseline + pinball at LOWER_Q for the lower bound and at
 * UPPER_Q for the upper bound, averaged over the points whose mask is 1 (days not labelled
 * anomalous). y and mask are [n, 1].
 */
export function stage1Loss(out: Stage1Output, y: tf.Tensor2D, mask: tf.Tensor2D): tf.Scalar {
  const perPoint = tf.add(
    tf.add(tf.square(tf.sub(out.baseline, y)), pinball(LOWER_Q, y, out.lower)),
    pinball(UPPER_Q, y, out.upper),
  );
  const total = tf.sum(tf.mul(perPoint, mask));
  return tf.div(total, tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
}

/** Stage-2 logits [n, 1]. */
export function stage2Logits(p: Stage2Params, x: tf.Tensor2D): tf.Tensor2D {
  const hidden = applyStack(x, p.layers.slice(0, -1));
  return applyDense(hidden, p.layers[p.layers.length - 1], true);
}

export function stage2Forward(p: Stage2Params, x: tf.Tensor2D): tf.Tensor2D {
  return tf.sigmoid(stage2Logits(p, x));
}

/**
 * Binary cross-entropy from logits, in the stable form max(z, 0) - z y + log(1 + exp(-|z|)),
 * averaged (weighted by `weight` when given).
 */
export function bceWithLogits(logits: tf.Tensor2D, y: tf.Tensor2D, weight?: tf.Tensor2D): tf.Scalar {
  const loss = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, y)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
  if (weight === undefined) return tf.mean(loss) as tf.Scalar;
  return tf.div(tf.sum(tf.mul(loss, weight)), tf.maximum(tf.sum(weight), 1e-12)) as tf.Scalar;
}

export function stage1Layers(p: Stage1Params): Dense[] {
  return [...p.history, ...p.joint, ...p.baseline, ...p.lower, ...p.upper, p.irregularity];
}

export function variablesOf(layers: readonly Dense[]): tf.Variable[] {
  return layers.flatMap((d) => [d.kernel, d.bias]);
}

export function disposeLayers(layers: readonly Dense[]): void {
  for (const d of layers) {
    d.kernel.dispose();
    d.bias.dispose();
  }
}

export function countParams(layers: readonly Dense[]): number {
  return layers.reduce((n, d) => n + d.kernel.size + d.bias.size, 0);
}

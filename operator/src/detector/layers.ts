/**
 * Conversion between our parameter sets and standard tfjs LayersModels, used only for saving
 * and loading: the saved model.json + weights.bin is a regular tfjs "layers-model" that
 * tf.loadLayersModel reads, with built-in layers only.
 *
 * The stage-1 LayersModel takes [history, calendar, irregularity] and outputs four columns:
 * baseline, raw lower, raw upper and the band scale s. The band scaling
 * bound = baseline + s * (raw - baseline) is the one step left to the caller (stage1Forward does
 * it), because tfjs-layers has no built-in subtract layer.
 */
import * as tf from '@tensorflow/tfjs';
import { AlertigerError } from '../errors.js';
import {
  denseFrom,
  HEAD_UNITS,
  HISTORY_UNITS,
  JOINT_UNITS,
  STAGE2_UNITS,
  type Dense,
  type Stage1Params,
  type Stage2Params,
} from './model.js';
import { auxLength, historyLength, stage2InputLength, type GranularitySpec } from './spec.js';

type SymbolicTensor = tf.SymbolicTensor;

function applyLayer(x: SymbolicTensor, d: Dense): { out: SymbolicTensor; layer: tf.layers.Layer } {
  const layer = tf.layers.dense({ units: d.bias.shape[0], activation: d.activation, name: d.name });
  return { out: layer.apply(x) as SymbolicTensor, layer };
}

function chain(x: SymbolicTensor, layers: readonly Dense[], built: Map<tf.layers.Layer, Dense>): SymbolicTensor {
  return layers.reduce((h, d) => {
    const { out, layer } = applyLayer(h, d);
    built.set(layer, d);
    return out;
  }, x);
}

function copyWeights(built: Map<tf.layers.Layer, Dense>): void {
  for (const [layer, d] of built) layer.setWeights([d.kernel, d.bias]);
}

export function stage1ToLayersModel(p: Stage1Params, spec: GranularitySpec): tf.LayersModel {
  const history = tf.input({ shape: [historyLength(spec)], name: 'history' });
  const calendar = tf.input({ shape: [auxLength(spec)], name: 'calendar' });
  const irr = tf.input({ shape: [1], name: 'irregularity_score' });
  const built = new Map<tf.layers.Layer, Dense>();
  const h = chain(history, p.history, built);
  const joined = tf.layers.concatenate({ name: 'joint_input' }).apply([h, calendar]) as SymbolicTensor;
  const z = chain(joined, p.joint, built);
  const heads = [p.baseline, p.lower, p.upper].map((head) => chain(z, head, built));
  const scale = chain(irr, [p.irregularity], built);
  const outputs = tf.layers.concatenate({ name: 'outputs' }).apply([...heads, scale]) as SymbolicTensor;
  const model = tf.model({ inputs: [history, calendar, irr], outputs, name: 'alertiger_stage1' });
  copyWeights(built);
  return model;
}

export function stage2ToLayersModel(p: Stage2Params, spec: GranularitySpec): tf.LayersModel {
  const input = tf.input({ shape: [stage2InputLength(spec)], name: 'deviation' });
  const built = new Map<tf.layers.Layer, Dense>();
  const out = chain(input, p.layers, built);
  const model = tf.model({ inputs: input, outputs: out, name: 'alertiger_stage2' });
  copyWeights(built);
  return model;
}

/** Copies a named dense layer of a loaded model into a fresh Dense (own variables). */
function denseOf(model: tf.LayersModel, name: string): Dense {
  let layer: tf.layers.Layer;
  try {
    layer = model.getLayer(name);
  } catch (err) {
    throw new AlertigerError('ModelInvalid', `saved model ${model.name} has no layer "${name}"`, { cause: err });
  }
  const [kernel, bias] = layer.getWeights();
  if (kernel === undefined || bias === undefined || kernel.rank !== 2) {
    throw new AlertigerError('ModelInvalid', `layer "${name}" of ${model.name} is not a dense layer with bias`);
  }
  const config = layer.getConfig();
  const activation = config.activation === 'relu' || config.activation === 'sigmoid' ? config.activation : 'linear';
  return denseFrom(
    name,
    kernel.dataSync() as Float32Array,
    bias.dataSync() as Float32Array,
    [kernel.shape[0], kernel.shape[1] ?? 1],
    activation,
  );
}

function named(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}_${i + 1}`);
}

/** The parameters of a stage-1 model, by the layer names initStage1 gives. */
export function stage1FromLayersModel(model: tf.LayersModel): Stage1Params {
  const take = (prefix: string, count: number): Dense[] => named(prefix, count).map((n) => denseOf(model, n));
  return {
    history: take('history', HISTORY_UNITS.length),
    joint: take('joint', JOINT_UNITS.length),
    baseline: take('baseline', HEAD_UNITS.length),
    lower: take('lower', HEAD_UNITS.length),
    upper: take('upper', HEAD_UNITS.length),
    irregularity: denseOf(model, 'irregularity'),
  };
}

export function stage2FromLayersModel(model: tf.LayersModel): Stage2Params {
  return { layers: [...named('stage2', STAGE2_UNITS.length), 'score'].map((n) => denseOf(model, n)) };
}

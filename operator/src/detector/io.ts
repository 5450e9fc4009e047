/**
 * A detector directory on disk:
 *
 *   detector.json              manifest: format, granularities, default threshold, training facts
 *   1d/stage1/model.json       tfjs layers-model (topology + weightsManifest) of the forecaster
 *   1d/stage1/weights.bin      its float32 weights
 *   1d/stage2/model.json, weights.bin   the classifier
 *   1h/...                     the same for hourly series, when trained
 *
 * Written through tf.io.withSaveHandler and read through tf.io.fromMemory, so no filesystem
 * IOHandler from tfjs-node is needed; the files are the standard tfjs format.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Granularity } from '../api/types.js';
import { AlertigerError } from '../errors.js';
import { stage1FromLayersModel, stage1ToLayersModel, stage2FromLayersModel, stage2ToLayersModel } from './layers.js';
import { disposeLayers, stage1Layers, type Stage1Params, type Stage2Params } from './model.js';
import { isGranularity, type GranularitySpec } from './spec.js';

export const FORMAT = 'alertiger-detector';
export const FORMAT_VERSION = 1;

export interface GranularityModel {
  spec: GranularitySpec;
  stage1: Stage1Params;
  stage2: Stage2Params;
}

export interface DetectorManifest {
  format: typeof FORMAT;
  version: number;
  /** Default stage-2 threshold (sensitivity "medium"). */
  threshold: number;
  granularities: Partial<Record<Granularity, { spec: GranularitySpec; stage1: string; stage2: string }>>;
  /** How the model was trained (data, seed, epochs, losses), for people reading the files. */
  training?: Record<string, unknown>;
}

async function writeLayersModel(model: tf.LayersModel, dir: string, metadata: Record<string, unknown>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData;
      const buffer =
        weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(weightData);
      const json = {
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
        userDefinedMetadata: metadata,
      };
      await writeFile(path.join(dir, 'model.json'), JSON.stringify(json) + '\n');
      await writeFile(path.join(dir, 'weights.bin'), new Uint8Array(buffer));
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON', weightDataBytes: buffer.byteLength } };
    }),
  );
}

async function readLayersModel(file: string): Promise<tf.LayersModel> {
  let json: tf.io.ModelJSON;
  let weights: Buffer;
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as tf.io.ModelJSON;
    const manifest = json.weightsManifest;
    const shards = await Promise.all(
      manifest.flatMap((group) => group.paths).map((p) => readFile(path.join(path.dirname(file), p))),
    );
    weights = Buffer.concat(shards);
    const weightSpecs = manifest.flatMap((group) => group.weights);
    const data = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
    return await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData: data as ArrayBuffer }),
    );
  } catch (err) {
    throw new AlertigerError('ModelInvalid', `cannot load the tfjs model ${file}`, { cause: err });
  }
}

/** Saves per-granularity models and the manifest into dir (created if needed). */
export async function saveDetector(
  dir: string,
  models: readonly GranularityModel[],
  options: { threshold: number; training?: Record<string, unknown> },
): Promise<void> {
  const manifest: DetectorManifest = {
    format: FORMAT,
    version: FORMAT_VERSION,
    threshold: options.threshold,
    granularities: {},
    training: options.training,
  };
  for (const m of models) {
    const g = m.spec.granularity;
    const meta = { alertiger: { granularity: g, spec: m.spec } };
    const s1 = stage1ToLayersModel(m.stage1, m.spec);
    const s2 = stage2ToLayersModel(m.stage2, m.spec);
    try {
      await writeLayersModel(s1, path.join(dir, g, 'stage1'), { ...meta, alertiger: { ...meta.alertiger, stage: 1 } });
      await writeLayersModel(s2, path.join(dir, g, 'stage2'), { ...meta, alertiger: { ...meta.alertiger, stage: 2 } });
    } finally {
      s1.dispose();
      s2.dispose();
    }
    manifest.granularities[g] = { spec: m.spec, stage1: `${g}/stage1/model.json`, stage2: `${g}/stage2/model.json` };
  }
  await writeFile(path.join(dir, 'detector.json'), JSON.stringify(manifest, null, 2) + '\n');
}

export async function readManifest(dir: string): Promise<DetectorManifest> {
  const file = path.join(dir, 'detector.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new AlertigerError('ModelNotFound', `no detector at ${dir} (cannot read detector.json)`, { cause: err });
  }
  let manifest: DetectorManifest;
  try {
    manifest = JSON.parse(text) as DetectorManifest;
  } catch (err) {
    throw new AlertigerError('ModelInvalid', `${file} is not valid JSON`, { cause: err });
  }
  if (manifest.format !== FORMAT || manifest.version !== FORMAT_VERSION) {
    throw new AlertigerError('ModelInvalid', `${file} is not an ${FORMAT} v${FORMAT_VERSION} manifest`);
  }
  return manifest;
}

/** Loads every granularity of a detector directory. */
export async function loadDetectorFiles(dir: string): Promise<{ manifest: DetectorManifest; models: GranularityModel[] }> {
  const manifest = await readManifest(dir);
  const models: GranularityModel[] = [];
  for (const [g, entry] of Object.entries(manifest.granularities)) {
    if (!isGranularity(g) || entry === undefined) continue;
    const s1 = await readLayersModel(path.join(dir, entry.stage1));
    const s2 = await readLayersModel(path.join(dir, entry.stage2));
    try {
      models.push({ spec: entry.spec, stage1: stage1FromLayersModel(s1), stage2: stage2FromLayersModel(s2) });
    } finally {
      s1.dispose();
      s2.dispose();
    }
  }
  if (models.length === 0) throw new AlertigerError('ModelInvalid', `${dir}/detector.json lists no granularity`);
  return { manifest, models };
}

export function disposeModel(m: GranularityModel): void {
  disposeLayers(stage1Layers(m.stage1));
  disposeLayers(m.stage2.layers);
}

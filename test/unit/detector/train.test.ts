import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../operator/src/detector/backend.js';
import { createDetector, loadDetector } from '../../../operator/src/detector/detector.js';
import { disposeModel, saveDetector, type GranularityModel } from '../../../operator/src/detector/io.js';
import { stage1Layers } from '../../../operator/src/detector/model.js';
import { DAILY } from '../../../operator/src/detector/spec.js';
import { generateSeries } from '../../../operator/src/detector/synthetic/index.js';
import { trainGranularity, type TrainProgress } from '../../../operator/src/detector/train.js';
import { silentLogger } from '../../../operator/src/log.js';

const data = generateSeries({ seed: 21, count: 16, length: 100 });
const series = data.map((s) => ({ start: s.start, values: s.values, labels: s.labels }));
const options = { epochs: 3, seed: 9, batchSize: 256 };

function weights(m: GranularityModel): number[] {
  return [...stage1Layers(m.stage1), ...m.stage2.layers].flatMap((d) => [...d.kernel.dataSync(), ...d.bias.dataSync()]);
}

function train(extra: Partial<typeof options> & { onProgress?: (p: TrainProgress) => void } = {}): GranularityModel {
  const r = trainGranularity(series, DAILY, { ...options, ...extra });
  assert.ok(r.stage2 !== undefined);
  return { spec: DAILY, stage1: r.stage1, stage2: r.stage2 };
}

describe('training', () => {
  let dir: string;
  before(async () => {
    await initBackend({ logger: silentLogger });
    dir = await mkdtemp(path.join(os.tmpdir(), 'alertiger-train-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reproduces the same weights from the same seed and differs with another', () => {
    const [a, b, c] = [train(), train(), train({ seed: 10 })];
    const wa = weights(a);
    assert.deepEqual(weights(b), wa);
    assert.notDeepEqual(weights(c), wa);
    [a, b, c].forEach(disposeModel);
  });

  it('lowers both losses over the epochs and reports progress per epoch', () => {
    const seen: TrainProgress[] = [];
    disposeModel(train({ epochs: 4, onProgress: (p) => seen.push(p) }));
    const s1 = seen.filter((p) => p.stage === 1);
    const s2 = seen.filter((p) => p.stage === 2);
    assert.deepEqual(s1.map((p) => p.epoch), [1, 2, 3, 4]);
    assert.equal(s2.length, 4);
    assert.ok(s1[3].loss < s1[0].loss, `stage 1: ${s1[0].loss} -> ${s1[3].loss}`);
    assert.ok(s2[3].loss < s2[0].loss, `stage 2: ${s2[0].loss} -> ${s2[3].loss}`);
  });

  it('trains no stage 2 without labels', () => {
    const r = trainGranularity(series.map((s) => ({ start: s.start, values: s.values })), DAILY, { ...options, epochs: 1 });
    assert.equal(r.stage2, undefined);
    tf.dispose(stage1Layers(r.stage1).flatMap((d) => [d.kernel, d.bias]));
  });

  it('scores the same after a save and load in tfjs format, and leaks no tensors', async () => {
    const model = train();
    const before = createDetector([model]);
    const input = data.slice(0, 4).map((s) => ({ timestamps: Array.from(s.values, (_, i) => s.start + i * s.stepMs), values: s.values }));
    const expected = before.score(input);
    await saveDetector(dir, [model], { threshold: 0.2, training: { test: true } });
    for (const f of ['detector.json', '1d/stage1/model.json', '1d/stage1/weights.bin', '1d/stage2/model.json', '1d/stage2/weights.bin']) {
      assert.ok((await stat(path.join(dir, f))).size > 0, f);
    }
    const json = JSON.parse(await readFile(path.join(dir, '1d/stage1/model.json'), 'utf8'));
    assert.equal(json.format, 'layers-model');
    assert.equal(json.weightsManifest[0].paths[0], 'weights.bin');
    before.dispose();

    const loaded = await loadDetector(dir, { logger: silentLogger });
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const got = loaded.score(input);
      got.forEach((g, s) => {
        assert.equal(g.timestamps.length, expected[s].timestamps.length);
        g.score.forEach((v, k) => assert.ok(Math.abs(v - expected[s].score[k]) < 1e-6));
        g.upper.forEach((v, k) => assert.ok(Math.abs(v - expected[s].upper[k]) <= 1e-6 * Math.max(1, Math.abs(v))));
        assert.deepEqual(g.anomalous, expected[s].anomalous);
      });
    }
    assert.equal(tf.memory().numTensors, tensors);
    loaded.dispose();
  });
});


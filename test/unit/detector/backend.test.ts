import assert from 'node:assert/strict';
import { activeBackend, forcedBackend, initBackend, switchBackend } from '../../../operator/src/detector/backend.js';
import { buildStage1Batch, selectPoints, stage2Features } from '../../../operator/src/detector/features.js';
import { predictStage1, predictStage2 } from '../../../operator/src/detector/inference.js';
import { disposeLayers, initStage1, initStage2, stage1Layers } from '../../../operator/src/detector/model.js';
import { createRng } from '../../../operator/src/detector/random.js';
import { DAILY, stage2InputLength } from '../../../operator/src/detector/spec.js';
import { generateSeries } from '../../../operator/src/detector/synthetic/index.js';
import { AlertigerError } from '../../../operator/src/errors.js';
import { silentLogger } from '../../../operator/src/log.js';

describe('backend', () => {
  let initial: string;
  before(async () => {
    initial = await initBackend({ logger: silentLogger });
  });
  after(async () => {
    await switchBackend(initial as 'wasm' | 'cpu' | 'tensorflow');
  });

  it('initialises WASM in Node when tfjs-node is absent', () => {
    assert.ok(['wasm', 'tensorflow'].includes(initial), `backend: ${initial}`);
    assert.equal(activeBackend(), initial);
  });

  it('gives the same stage-1 bands and stage-2 scores on WASM and CPU within 1e-4', async () => {
    const series = generateSeries({ seed: 5, count: 8, length: 60 }).map((s) => ({ start: s.start, values: s.values }));
    const batch = buildStage1Batch(series, DAILY, selectPoints(series, DAILY));
    const s1 = initStage1(DAILY, createRng(1));
    const s2 = initStage2(DAILY, createRng(2));
    const run = () => {
      const bands = predictStage1(s1, batch, DAILY);
      return { bands, scores: predictStage2(s2, stage2Features(batch, bands, DAILY), stage2InputLength(DAILY)) };
    };
    assert.ok(await switchBackend('wasm'));
    const wasm = run();
    assert.ok(await switchBackend('cpu'));
    const cpu = run();
    let worst = 0;
    for (const key of ['baseline', 'lower', 'upper'] as const) {
      wasm.bands[key].forEach((v, i) => (worst = Math.max(worst, Math.abs(v - cpu.bands[key][i]))));
    }
    wasm.scores.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - cpu.scores[i]))));
    assert.ok(batch.size > 200);
    assert.ok(worst < 1e-4, `largest difference ${worst}`);
    disposeLayers([...stage1Layers(s1), ...s2.layers]);
  });

  it('reads a forced backend name and refuses an unknown one', () => {
    assert.equal(forcedBackend('cpu'), 'cpu');
    assert.equal(forcedBackend(''), undefined);
    assert.equal(forcedBackend(undefined), undefined);
    assert.throws(() => forcedBackend('webgpu'), (e: unknown) => e instanceof AlertigerError && e.code === 'InvalidBackend');
  });
});

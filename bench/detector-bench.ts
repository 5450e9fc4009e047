/**
 * `npm run bench:detector`: the detector's speed and accuracy in one run.
 *
 * 1. Training: stage 1 + stage 2 on 200 synthetic series x 365 days, 50 epochs each (the size
 *    the method's authors report at 10-20 minutes on a laptop CPU); target <= 120 s. The other
 *    backend is timed on 5 epochs and extrapolated, for the comparison.
 * 2. Scoring: the pretrained detector on 20,000 series of 56 days: every series scores its last
 *    28 days, each from its own 28-day window (560,000 points) through the library API
 *    (regularising, features, both stages, decision); target >= 100,000 points/s. On each backend.
 * 3. Leaks: RSS, heap and tf.memory().numTensors across 10 repeated scoring passes.
 * 4. Accuracy: event F1 on the held-out synthetic set (see detector-eval.ts).
 * The last line is JSON: train_s, points_per_s, event_f1, baseline_f1 (and more).
 *
 *   node dist/bench/detector-bench.js [--epochs N] [--series N] [--eval-count N] [--quick] [--score-only]
 *
 * --score-only skips training and the accuracy run (speed and leaks only).
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend, switchBackend, type BackendName } from '../operator/src/detector/backend.js';
import { loadDetector, type Detector } from '../operator/src/detector/detector.js';
import { disposeModel } from '../operator/src/detector/io.js';
import { pretrainedModelPath } from '../operator/src/detector/paths.js';
import type { SeriesInput } from '../operator/src/detector/series.js';
import { DAILY } from '../operator/src/detector/spec.js';
import { generateSeries } from '../operator/src/detector/synthetic/index.js';
import { trainGranularity } from '../operator/src/detector/train.js';
import { silentLogger } from '../operator/src/log.js';
import { evaluateDaily } from './detector-eval.js';

const say = (line: string): void => {
  process.stdout.write(line + '\n');
};

function trainSeconds(series: number, epochs: number): number {
  const data = generateSeries({ seed: 1, count: series }).map((s) => ({ start: s.start, values: s.values, labels: s.labels }));
  const started = performance.now();
  const r = trainGranularity(data, DAILY, { epochs, seed: 1 });
  const seconds = (performance.now() - started) / 1000;
  if (r.stage2 !== undefined) disposeModel({ spec: DAILY, stage1: r.stage1, stage2: r.stage2 });
  return seconds;
}

/** Series of two windows' length, scored on their second window only (as a run scores). */
function scoringInput(count: number, granularity: '1d' | '1h' = '1d'): SeriesInput[] {
  const window = granularity === '1d' ? 28 : 168;
  const length = 2 * window;
  return generateSeries({ seed: 5, count, length, warmup: window + 2, granularity }).map((s) => ({
    timestamps: Float64Array.from({ length }, (_, i) => s.start + i * s.stepMs),
    values: s.values,
    // A run attaches the sampling sd where it can (NaN elsewhere) and the statistic's domain.
    noise: s.noise,
    domain: s.domain,
    granularity,
    from: s.start + window * s.stepMs,
  }));
}

function pointsPerSecond(detector: Detector, input: SeriesInput[], mask = false): { pps: number; points: number } {
  detector.score(input.slice(0, 100), { mask });
  const started = performance.now();
  const out = detector.score(input, { mask });
  const seconds = (performance.now() - started) / 1000;
  const points = out.reduce((n, r) => n + r.timestamps.length, 0);
  return { pps: points / seconds, points };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      epochs: { type: 'string' },
      series: { type: 'string' },
      'score-series': { type: 'string' },
      'eval-count': { type: 'string' },
      quick: { type: 'boolean' },
      'score-only': { type: 'boolean' },
    },
  });
  const scoreOnly = values['score-only'] ?? false;
  const quick = values.quick ?? false;
  const epochs = Number(values.epochs ?? (quick ? '5' : '50'));
  const seriesCount = Number(values.series ?? '200');
  const scoreCount = Number(values['score-series'] ?? (quick ? '2000' : '20000'));
  const evalCount = Number(values['eval-count'] ?? (quick ? '200' : '1000'));
  const backend = await initBackend({ logger: silentLogger });
  const other: BackendName = backend === 'cpu' ? 'wasm' : 'cpu';
  say(`backend: ${backend} (compared with ${other})`);

  let trainS = NaN;
  let otherTrainS = NaN;
  if (!scoreOnly) {
    trainS = trainSeconds(seriesCount, epochs);
    say(`training ${seriesCount} series x 365 days, ${epochs} epochs (stage 1 + stage 2) on ${backend}: ${trainS.toFixed(1)} s (target <= 120 s)`);
    await switchBackend(other);
    const otherEpochs = Math.min(5, epochs);
    otherTrainS = (trainSeconds(seriesCount, otherEpochs) * epochs) / otherEpochs;
    say(`training on ${other}: ${otherTrainS.toFixed(1)} s (extrapolated from ${otherEpochs} epochs)`);
    await switchBackend(backend);
  }

  const detector = await loadDetector(pretrainedModelPath(), { logger: silentLogger });
  const input = scoringInput(scoreCount);
  const scoring = pointsPerSecond(detector, input);
  say(`scoring ${scoreCount} series x 28-day windows on ${backend}: ${scoring.points} points, ${Math.round(scoring.pps)} points/s (target >= 100000)`);
  await switchBackend(other);
  const otherScoring = pointsPerSecond(detector, input);
  say(`scoring on ${other}: ${Math.round(otherScoring.pps)} points/s`);
  await switchBackend(backend);
  // Hourly windows are 165 values wide and have their daily profile taken out first.
  const hourlyCount = Math.max(1, Math.round(scoreCount / 20));
  const hourly = pointsPerSecond(detector, scoringInput(hourlyCount, '1h'));
  say(`scoring ${hourlyCount} hourly series x 7-day windows on ${backend}: ${hourly.points} points, ${Math.round(hourly.pps)} points/s`);

  // Masked scoring scores every point of the series in time order (here both windows' worth).
  const masked = pointsPerSecond(detector, input, true);
  say(`masked scoring (mask: true) of the same series on ${backend}: ${Math.round(masked.pps)} returned points/s`);

  const memory: Array<{ rss: number; heap: number; tensors: number }> = [];
  for (let i = 0; i < 10; i++) {
    detector.score(input);
    global.gc?.();
    const m = process.memoryUsage();
    memory.push({ rss: m.rss / 2 ** 20, heap: m.heapUsed / 2 ** 20, tensors: tf.memory().numTensors });
  }
  const first = memory[0];
  const last = memory[memory.length - 1];
  say(
    `repeated scoring x10: rss ${first.rss.toFixed(0)} -> ${last.rss.toFixed(0)} MiB, heap ${first.heap.toFixed(0)} -> ${last.heap.toFixed(0)} MiB, tensors ${first.tensors} -> ${last.tensors}`,
  );
  detector.dispose();

  const accuracy = scoreOnly ? { event_f1: NaN, stage1_f1: NaN, baseline_f1: NaN } : await evaluateDaily(pretrainedModelPath(), evalCount);
  say(`held-out daily set (${evalCount} series): event F1 ${accuracy.event_f1.toFixed(3)}, stage 1 alone ${accuracy.stage1_f1.toFixed(3)}, best baseline ${accuracy.baseline_f1.toFixed(3)}`);

  const result = {
    train_s: Number(trainS.toFixed(1)),
    points_per_s: Math.round(scoring.pps),
    points_per_s_hourly: Math.round(hourly.pps),
    points_per_s_masked: Math.round(masked.pps),
    event_f1: Number(accuracy.event_f1.toFixed(3)),
    baseline_f1: Number(accuracy.baseline_f1.toFixed(3)),
    backend,
    [`train_s_${other}`]: Number(otherTrainS.toFixed(1)),
    [`points_per_s_${other}`]: Math.round(otherScoring.pps),
    tensors_first: first.tensors,
    tensors_last: last.tensors,
    rss_mib_first: Math.round(first.rss),
    rss_mib_last: Math.round(last.rss),
  };
  say(JSON.stringify(result));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});

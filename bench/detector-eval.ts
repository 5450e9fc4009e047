/**
 * `npm run eval:detector`: event-level evaluation of the detector on a held-out synthetic set
 * (seeds never used for training: the pretrained model is trained on seeds 20230806/20230807),
 * against a rolling z-score and a same-weekday median/MAD baseline computed in the same run.
 *
 *   node dist/bench/detector-eval.js [--model DIR] [--count N] [--hourly-count N] [--seed S]
 *
 * Prints one table per granularity and, last, a JSON line with the daily figures.
 */
import { parseArgs } from 'node:util';
import { initBackend } from '../operator/src/detector/backend.js';
import { evaluate, formatTable, METHODS, type EvalRow, type EvaluateOptions } from '../operator/src/detector/eval/evaluate.js';
import { disposeModel, loadDetectorFiles } from '../operator/src/detector/io.js';
import { pretrainedModelPath } from '../operator/src/detector/paths.js';
import { generateSeries } from '../operator/src/detector/synthetic/index.js';
import { SENSITIVITY_THRESHOLDS } from '../operator/src/api/sensitivity.js';

export const EVAL_SEED = 9_000_001;

export interface EvalSummary {
  event_f1: number;
  baseline_f1: number;
  stage1_f1: number;
  rows: EvalRow[];
}

/** Daily evaluation of a detector directory on `count` held-out series. */
export async function evaluateDaily(modelDir: string, count: number, seed = EVAL_SEED): Promise<EvalSummary> {
  const { models } = await loadDetectorFiles(modelDir);
  const model = models.find((m) => m.spec.granularity === '1d');
  if (model === undefined) throw new Error(`${modelDir} has no daily model`);
  try {
    const rows = evaluate(model, generateSeries({ seed, count, granularity: '1d' }));
    return summary(rows);
  } finally {
    models.forEach(disposeModel);
  }
}

function summary(rows: EvalRow[]): EvalSummary {
  const f1 = (method: string): number => rows.find((r) => r.method === method)?.scores.f1 ?? NaN;
  return {
    event_f1: f1(METHODS.full),
    stage1_f1: f1(METHODS.stage1),
    baseline_f1: Math.max(f1(METHODS.zscore), f1(METHODS.mad)),
    rows,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      count: { type: 'string' },
      'hourly-count': { type: 'string' },
      seed: { type: 'string' },
      'no-sampling': { type: 'boolean' },
      mask: { type: 'boolean' },
      'mask-limit': { type: 'string' },
      'no-envelope': { type: 'boolean' },
    },
  });
  const variant: EvaluateOptions = {
    sampling: values['no-sampling'] !== true,
    mask: values.mask === true,
    maskLimit: values['mask-limit'] === undefined ? undefined : Number(values['mask-limit']),
    envelope: values['no-envelope'] !== true,
  };
  const backend = await initBackend();
  const dir = values.model ?? pretrainedModelPath();
  const count = Number(values.count ?? '1000');
  const hourlyCount = Number(values['hourly-count'] ?? '250');
  const seed = Number(values.seed ?? EVAL_SEED);
  const { models } = await loadDetectorFiles(dir);
  const out: Record<string, unknown> = { backend, model: dir, seed, variant };
  try {
    for (const model of models.sort((a, b) => a.spec.granularity.localeCompare(b.spec.granularity))) {
      const g = model.spec.granularity;
      const n = g === '1d' ? count : hourlyCount;
      if (n <= 0) continue;
      const data = generateSeries({ seed: g === '1d' ? seed : seed + 1, count: n, granularity: g });
      const started = performance.now();
      const rows = evaluate(model, data, { ...variant, oracle: true });
      const s = summary(rows);
      const unit = g === '1d' ? 'days' : 'hours';
      process.stdout.write(`\n${g} held-out set: ${n} series x ${data[0].values.length} ${unit}, seed ${g === '1d' ? seed : seed + 1}\n`);
      process.stdout.write(formatTable(rows) + '\n');
      process.stdout.write('sensitivity (full detector): ');
      for (const [word, threshold] of Object.entries(SENSITIVITY_THRESHOLDS)) {
        const r = evaluate(model, data, { ...variant, threshold })[0].scores;
        process.stdout.write(`${word} (${threshold}) P ${r.precision.toFixed(3)} R ${r.recall.toFixed(3)} F1 ${r.f1.toFixed(3)}; `);
      }
      process.stdout.write(`(${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
      const full = rows[0].scores;
      out[g] = { event_f1: s.event_f1, precision: full.precision, recall: full.recall, fa_per_1k: full.falseAlarmRate, stage1_f1: s.stage1_f1, baseline_f1: s.baseline_f1 };
    }
  } finally {
    models.forEach(disposeModel);
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

if (process.argv[1]?.endsWith('detector-eval.js')) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
}

/**
 * `alertiger train --data DIR|FILE... --output DIR [--epochs N] [--seed S]`: retrains the
 * detector on a user's own series (CSV `timestamp,value[,label]`; a directory means every .csv
 * in it). Stage 1 trains on all series, stage 2 (stage 1 frozen) on the labelled points. Series
 * are grouped by granularity and one detector per granularity is written, in tfjs format.
 * Without any labels, stage 2 is taken from the pretrained model.
 *
 * `--synthetic N` trains on N generated daily series (and N/4 hourly ones) instead: this is how
 * the shipped pretrained model is made (`npm run train:pretrained`, see models/README.md).
 *
 * `--feedback --influx URL --database DB` fine-tunes stage 2 of the current model (`--model`) on
 * the verdicts people gave on the cluster's alerts, and writes it only when the held-out check
 * accepts it (train-feedback.ts; docs/feedback.md).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import type { Granularity } from '../api/types.js';
import { AlertigerError } from '../errors.js';
import { createLogger } from '../log.js';
import { initBackend } from '../detector/backend.js';
import { parseSeriesCsv } from '../detector/csv.js';
import { DEFAULT_THRESHOLD } from '../detector/detector.js';
import { UNLABELLED, type RegularSeries } from '../detector/features.js';
import { disposeModel, loadDetectorFiles, saveDetector, type GranularityModel } from '../detector/io.js';
import { pretrainedModelPath } from '../detector/paths.js';
import { inferGranularity, regularize } from '../detector/series.js';
import { SPECS, isGranularity } from '../detector/spec.js';
import { generateSeries } from '../detector/synthetic/index.js';
import { trainGranularity, type TrainProgress } from '../detector/train.js';

const USAGE = `Usage: alertiger train --data DIR|FILE... --output DIR [options]
       alertiger train --feedback --influx URL --database DB --output DIR [options]

Trains the two-stage detector on your series. CSV files: timestamp,value[,label]
(label 1 = anomalous, 0 = normal, empty = unlabelled).

Options:
  --data PATH        a CSV file or a directory of them (repeatable)
  --output DIR       where the model is written (detector.json + tfjs models)
  --epochs N         training epochs of each stage (default 50)
  --seed S           seed of initialisation and shuffling (default 1)
  --granularity G    1d or 1h for every file; inferred per file when absent
  --batch-size N     rows per training step (default 1024)
  --synthetic N      train on N generated daily + N/4 hourly series instead of --data

Training on feedback (docs/feedback.md):
  --feedback         fine-tune stage 2 on the verdicts stored in InfluxDB (alertiger_feedback)
  --influx URL       the InfluxDB the jobs write to (ALERTIGER_INFLUX_USERNAME, _PASSWORD or _TOKEN)
  --database DB      its database (the operator's ALERTIGER_INFLUX_DATABASE, default alertiger)
  --namespace NS     only the monitors of this namespace
  --monitor NAME     only this monitor (with --namespace)
  --model-version V  the monitors' spec.model.version, when they set one
  --model DIR        the current model to start from (default: the pretrained one)
  --threshold T      the threshold monitors run it with (default 0.2, sensitivity medium)
  --epochs N         fine-tuning epochs (default 30)
  --recall-tolerance F  the held-out check holds the new model to the current recall less this
                     share of the caught incidents (default 0.02; 0 = exactly the current recall)
  --configmap NS/NAME  also publish the accepted model as this (new, immutable) ConfigMap
  --kubeconfig FILE  for --configmap (default: KUBECONFIG, else in-cluster)

Exit status: 0 trained, 1 the new model was refused by the held-out check (nothing written),
2 bad input (a missing file, bad arguments, not enough data) or a failure.`;

interface Dataset {
  byGranularity: Map<Granularity, RegularSeries[]>;
  description: Record<string, unknown>;
}

async function csvFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let info;
    try {
      info = await stat(p);
    } catch (err) {
      throw new AlertigerError('InputUnreadable', `${p}: no such file or directory`, { cause: err });
    }
    if (info.isDirectory()) {
      const names = (await readdir(p)).filter((n) => n.toLowerCase().endsWith('.csv')).sort();
      if (names.length === 0) throw new AlertigerError('InputUnreadable', `${p}: no .csv files in the directory`);
      out.push(...names.map((n) => path.join(p, n)));
    } else out.push(p);
  }
  return out;
}

async function loadCsvData(paths: readonly string[], granularity: Granularity | undefined): Promise<Dataset> {
  const byGranularity = new Map<Granularity, RegularSeries[]>();
  const files = await csvFiles(paths);
  let labelled = 0;
  for (const file of files) {
    const parsed = parseSeriesCsv(await readFile(file, 'utf8'), file);
    const g = granularity ?? inferGranularity(parsed.timestamps);
    if (g === undefined) throw new AlertigerError('GranularityUnknown', `${file}: cannot infer daily or hourly spacing; pass --granularity`);
    const grid = regularize(parsed.timestamps, parsed.values, SPECS[g].stepMs);
    const series: RegularSeries = { start: grid.start, values: grid.values };
    if (parsed.labels !== undefined) {
      const labels = new Uint8Array(grid.values.length).fill(UNLABELLED);
      grid.source.forEach((row, slot) => {
        if (row !== -1) labels[slot] = parsed.labels?.[row] ?? UNLABELLED;
      });
      series.labels = labels;
      labelled++;
    }
    const list = byGranularity.get(g) ?? [];
    list.push(series);
    byGranularity.set(g, list);
  }
  return { byGranularity, description: { source: 'csv', files: files.length, labelledFiles: labelled } };
}

function syntheticData(count: number, seed: number): Dataset {
  const toRegular = (s: { start: number; values: Float64Array; labels: Uint8Array }): RegularSeries => ({ start: s.start, values: s.values, labels: s.labels });
  const hourly = Math.max(1, Math.floor(count / 4));
  return {
    byGranularity: new Map<Granularity, RegularSeries[]>([
      ['1d', generateSeries({ seed, count, granularity: '1d' }).map(toRegular)],
      ['1h', generateSeries({ seed: seed + 1, count: hourly, granularity: '1h' }).map(toRegular)],
    ]),
    description: {
      source: 'synthetic (operator/src/detector/synthetic)',
      daily: { seed, count, length: 365 },
      hourly: { seed: seed + 1, count: hourly, length: 24 * 42 },
    },
  };
}

/** A one-line progress bar on stderr (redrawn in place on a terminal, every 10% otherwise). */
function progressBar(): (p: TrainProgress) => void {
  const tty = process.stderr.isTTY === true;
  return (p) => {
    const width = 30;
    const done = Math.round((p.epoch / p.epochs) * width);
    const line = `train ${p.granularity} stage ${p.stage} [${'#'.repeat(done)}${'.'.repeat(width - done)}] epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(4)}`;
    if (tty) process.stderr.write(`\r${line}${p.epoch === p.epochs ? '\n' : ''}`);
    else if (p.epoch === p.epochs || p.epoch % Math.max(1, Math.round(p.epochs / 10)) === 0) process.stderr.write(line + '\n');
  };
}

function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new AlertigerError('InvalidArguments', `--${name} must be a positive integer, got "${value}"`);
  return n;
}

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      data: { type: 'string', multiple: true },
      output: { type: 'string', short: 'o' },
      epochs: { type: 'string' },
      seed: { type: 'string' },
      granularity: { type: 'string' },
      'batch-size': { type: 'string' },
      synthetic: { type: 'string' },
      feedback: { type: 'boolean' },
      influx: { type: 'string' },
      database: { type: 'string' },
      namespace: { type: 'string' },
      monitor: { type: 'string' },
      'model-version': { type: 'string' },
      model: { type: 'string' },
      threshold: { type: 'string' },
      'recall-tolerance': { type: 'string' },
      configmap: { type: 'string' },
      kubeconfig: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (values.output === undefined) throw new AlertigerError('InvalidArguments', '--output DIR is required');
  if (values.granularity !== undefined && !isGranularity(values.granularity)) {
    throw new AlertigerError('InvalidArguments', `--granularity must be 1d or 1h, got "${values.granularity}"`);
  }
  const seed = Number(values.seed ?? '1');
  if (!Number.isInteger(seed)) throw new AlertigerError('InvalidArguments', `--seed must be an integer`);
  if (values.feedback === true) return feedbackMode(values, values.output, seed);
  const epochs = positiveInt(values.epochs, 'epochs', 50);
  const batchSize = positiveInt(values['batch-size'], 'batch-size', 1024);
  const logger = createLogger();
  const backend = await initBackend({ logger });

  let data: Dataset;
  if (values.synthetic !== undefined) data = syntheticData(positiveInt(values.synthetic, 'synthetic', 1), seed);
  else if (values.data === undefined || values.data.length === 0) throw new AlertigerError('InvalidArguments', '--data DIR|FILE is required');
  else data = await loadCsvData(values.data, values.granularity as Granularity | undefined);

  const models: GranularityModel[] = [];
  const reports: Record<string, unknown> = {};
  let pretrained: GranularityModel[] | undefined;
  const bar = progressBar();
  try {
    for (const [g, series] of [...data.byGranularity].sort(([a], [b]) => a.localeCompare(b))) {
      const result = trainGranularity(series, SPECS[g], { epochs, seed, batchSize, onProgress: bar });
      if (result.report.stage1.points === 0) {
        throw new AlertigerError('NotEnoughData', `no ${g} series has a point with ${SPECS[g].window} points of history`);
      }
      let stage2 = result.stage2;
      if (stage2 === undefined) {
        pretrained ??= (await loadDetectorFiles(pretrainedModelPath())).models;
        const fallback = pretrained.find((m) => m.spec.granularity === g);
        if (fallback === undefined) throw new AlertigerError('NotEnoughData', `no labelled ${g} points to train stage 2, and no pretrained one`);
        logger.warn('No labelled points: kept the pretrained stage 2', { granularity: g });
        stage2 = fallback.stage2;
      }
      models.push({ spec: SPECS[g], stage1: result.stage1, stage2 });
      reports[g] = { series: series.length, ...result.report };
    }
    const training = { ...data.description, epochs, seed, batchSize, backend, tfjs: tf.version_core, results: reports };
    await saveDetector(values.output, models, { threshold: DEFAULT_THRESHOLD, training });
    logger.info('Saved detector', { output: values.output, granularities: models.map((m) => m.spec.granularity) });
  } finally {
    for (const m of models) disposeModel(m);
    for (const m of pretrained ?? []) if (!models.some((x) => x.stage2 === m.stage2)) disposeModel(m);
  }
  return 0;
}

/** `--feedback`: arguments checked here, the work in train-feedback.ts. */
async function feedbackMode(values: Record<string, string | boolean | string[] | undefined>, output: string, seed: number): Promise<number> {
  const text = (name: string): string | undefined => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const influx = text('influx');
  const database = text('database');
  if (influx === undefined || database === undefined) throw new AlertigerError('InvalidArguments', '--feedback needs --influx URL and --database DB');
  try {
    new URL(influx);
  } catch (err) {
    throw new AlertigerError('InvalidArguments', `--influx must be a URL, got "${influx}"`, { cause: err });
  }
  if (text('monitor') !== undefined && text('namespace') === undefined) throw new AlertigerError('InvalidArguments', '--monitor NAME needs --namespace NS');
  const threshold = Number(text('threshold') ?? '0.2');
  if (!(threshold > 0 && threshold < 1)) throw new AlertigerError('InvalidArguments', `--threshold must be in (0, 1), got "${text('threshold')}"`);
  const recallTolerance = Number(text('recall-tolerance') ?? '0.02');
  if (!(recallTolerance >= 0 && recallTolerance < 1)) throw new AlertigerError('InvalidArguments', `--recall-tolerance must be in [0, 1), got "${text('recall-tolerance')}"`);
  let configMap: { namespace: string; name: string } | undefined;
  const ref = text('configmap');
  if (ref !== undefined) {
    const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/.exec(ref);
    if (m === null) throw new AlertigerError('InvalidArguments', `--configmap must be NAMESPACE/NAME of a ConfigMap, got "${ref}"`);
    configMap = { namespace: m[1], name: m[3] };
  }
  const logger = createLogger();
  await initBackend({ logger });
  const { trainOnFeedback } = await import('./train-feedback.js');
  const env = process.env;
  return trainOnFeedback({
    connection: {
      url: influx,
      database,
      ...(env.ALERTIGER_INFLUX_TOKEN ? { token: env.ALERTIGER_INFLUX_TOKEN } : {}),
      ...(env.ALERTIGER_INFLUX_USERNAME ? { username: env.ALERTIGER_INFLUX_USERNAME, password: env.ALERTIGER_INFLUX_PASSWORD } : {}),
    },
    scope: { namespace: text('namespace'), monitor: text('monitor'), modelVersion: text('model-version') },
    modelDir: text('model') ?? pretrainedModelPath(),
    output,
    epochs: positiveInt(text('epochs'), 'epochs', 30),
    seed,
    threshold,
    recallTolerance,
    configMap,
    kubeconfig: text('kubeconfig') ?? env.KUBECONFIG,
    logger,
    print: (line) => process.stdout.write(line + '\n'),
  });
}

/**
 * `alertiger detect --input FILE... [--granularity 1d|1h] [--output PATH]`: scores CSV series
 * (`timestamp,value`) with the detector and writes `timestamp,value,baseline,lower,upper,score,anomaly`
 * per point with enough history (anomaly after the severity and duration filters).
 * One input without --output goes to stdout; several inputs need --output DIR, where each
 * result keeps its input's file name. Problems with one file are reported and the others still
 * scored. Exit code: 0 when no point is flagged, 1 when any scored point is flagged (the anomaly
 * column), 2 when a file failed (bad arguments are thrown: 2 as well).
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Granularity } from '../api/types.js';
import { AlertigerError, describeError } from '../errors.js';
import { createLogger } from '../log.js';
import { parseSeriesCsv, type ParsedSeries } from '../detector/csv.js';
import { loadDetector, type Detector, type SeriesScores } from '../detector/detector.js';
import { inferGranularity, regularize } from '../detector/series.js';
import { SPECS, isGranularity } from '../detector/spec.js';
import { filterSeries, type Combine } from '../postprocess/filters.js';
import { combineOf } from '../api/defaults.js';
import { thresholdFor } from '../api/sensitivity.js';

const USAGE = `Usage: alertiger detect --input FILE [--input FILE...] [options]

Scores time series (CSV: timestamp,value) with the two-stage detector.

Options:
  --input FILE          a CSV series (repeatable, or several files after one --input)
  --output PATH         output file (one input) or directory (several inputs); default stdout
  --granularity G       1d or 1h; inferred from the timestamps when absent
  --detector DIR        detector directory, as in run and demo (default: the pretrained model
                        shipped in models/); --model DIR is the same
  --sensitivity S       low, medium (default), high, or a stage-2 threshold in (0, 1)
  --min-severity X      severity filter (default 1.0)
  --duration W/M        duration filter: M anomalous points in some window of W (default 3/2)
  --combine And|Or      how severity and duration combine, either case as in YAML (default And)
  --raw                 write the detector's raw decision (no filters) in the anomaly column

Exit status: 0 no point flagged, 1 some scored point flagged (anomaly 1), 2 a file failed or
bad arguments (the other files are still scored).`;

interface Options {
  inputs: string[];
  output?: string;
  granularity?: Granularity;
  model?: string;
  threshold: number;
  minSeverity: number;
  duration: { window: number; min: number };
  combine: Combine;
  raw: boolean;
}

function parseOptions(args: string[]): Options | undefined {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      input: { type: 'string', multiple: true, short: 'i' },
      output: { type: 'string', short: 'o' },
      granularity: { type: 'string' },
      detector: { type: 'string' },
      model: { type: 'string' },
      sensitivity: { type: 'string' },
      'min-severity': { type: 'string' },
      duration: { type: 'string' },
      combine: { type: 'string' },
      raw: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return undefined;
  const inputs = [...(values.input ?? []), ...positionals];
  if (inputs.length === 0) throw new AlertigerError('InvalidArguments', 'no input: pass --input FILE');
  if (values.granularity !== undefined && !isGranularity(values.granularity)) {
    throw new AlertigerError('InvalidArguments', `--granularity must be 1d or 1h, got "${values.granularity}"`);
  }
  const minSeverity = Number(values['min-severity'] ?? '1');
  if (!(minSeverity >= 0)) throw new AlertigerError('InvalidArguments', `--min-severity must be a number >= 0`);
  const d = /^(\d+)\/(\d+)$/.exec(values.duration ?? '3/2');
  if (d === null) throw new AlertigerError('InvalidArguments', `--duration must look like W/M, e.g. 3/2`);
  const combine = combineOf(values.combine ?? 'and');
  if (combine === undefined) throw new AlertigerError('InvalidArguments', `--combine must be And or Or (either case)`);
  return {
    inputs,
    output: values.output,
    granularity: values.granularity as Granularity | undefined,
    model: values.detector ?? values.model,
    threshold: thresholdFor(values.sensitivity),
    minSeverity,
    duration: { window: Number(d[1]), min: Number(d[2]) },
    combine,
    raw: values.raw ?? false,
  };
}

const num = (x: number): string => String(Number(x.toPrecision(6)));

/** The output CSV of one scored series; rows echo the input's timestamp and value cells. */
function formatScores(parsed: ParsedSeries, start: number, stepMs: number, source: Int32Array, scores: SeriesScores, anomaly: ArrayLike<number>): string {
  const out = ['timestamp,value,baseline,lower,upper,score,anomaly'];
  for (let k = 0; k < scores.timestamps.length; k++) {
    const row = source[Math.round((scores.timestamps[k] - start) / stepMs)];
    out.push(
      [parsed.timestampText[row], parsed.valueText[row], num(scores.baseline[k]), num(scores.lower[k]), num(scores.upper[k]), scores.score[k].toFixed(4), anomaly[k] ? '1' : '0'].join(','),
    );
  }
  return out.join('\n') + '\n';
}

/** The scored CSV of one file and how many of its points are flagged. */
async function scoreFile(file: string, opts: Options, detector: Detector, note: (msg: string) => void): Promise<{ csv: string; flagged: number }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new AlertigerError('InputUnreadable', `${file}: cannot read`, { cause: err });
  }
  const parsed = parseSeriesCsv(text, file);
  const granularity = opts.granularity ?? inferGranularity(parsed.timestamps);
  if (granularity === undefined) {
    throw new AlertigerError('GranularityUnknown', `${file}: cannot infer daily or hourly spacing from the timestamps; pass --granularity 1d or 1h`);
  }
  const spec = SPECS[granularity];
  const grid = regularize(parsed.timestamps, parsed.values, spec.stepMs);
  if (grid.unordered) note(`timestamps were not in time order; sorted`);
  if (grid.duplicates > 0) note(`${grid.duplicates} duplicate timestamp(s); the last row of each kept`);
  if (grid.offGrid > 0) note(`${grid.offGrid} timestamp(s) off the ${granularity} grid; snapped to the nearest step`);
  const missing = grid.values.reduce((n, v) => n + (Number.isNaN(v) ? 1 : 0), 0);
  if (missing > 0) note(`${missing} missing point(s) (${grid.gaps} gap(s) in the timestamps, the rest empty values); left missing and not scored`);
  const needed = spec.window + 1;
  const unit = granularity === '1d' ? 'daily' : 'hourly';
  if (grid.values.length < needed) {
    throw new AlertigerError(
      'SeriesTooShort',
      `${file}: ${grid.values.length} ${unit} points; scoring needs at least ${needed} (${spec.window} of history + the point scored)`,
    );
  }
  const [scores] = detector.score([{ timestamps: parsed.timestamps, values: parsed.values, granularity }], { threshold: opts.threshold });
  if (scores.timestamps.length === 0) {
    throw new AlertigerError('NothingScored', `${file}: no point has enough history (too many missing values in every window)`);
  }
  const anomaly = opts.raw
    ? scores.anomalous
    : filterSeries(scores, { minSeverity: opts.minSeverity, duration: opts.duration, combine: opts.combine }).keep;
  let flagged = 0;
  for (let k = 0; k < anomaly.length; k++) if (anomaly[k]) flagged++;
  return { csv: formatScores(parsed, grid.start, spec.stepMs, grid.source, scores, anomaly), flagged };
}

function outputPath(opts: Options, input: string): string | undefined {
  if (opts.output === undefined) return undefined;
  const isDir = opts.inputs.length > 1 || (existsSync(opts.output) && statSync(opts.output).isDirectory());
  return isDir ? path.join(opts.output, path.basename(input)) : opts.output;
}

export async function run(args: string[]): Promise<number> {
  const opts = parseOptions(args);
  if (opts === undefined) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (opts.inputs.length > 1) {
    if (opts.output === undefined) throw new AlertigerError('InvalidArguments', 'several inputs need --output DIR');
    await mkdir(opts.output, { recursive: true });
  }
  const detector = await loadDetector(opts.model, { logger: createLogger() });
  let failed = 0;
  let flagged = 0;
  try {
    for (const input of opts.inputs) {
      try {
        const scored = await scoreFile(input, opts, detector, (msg) => process.stderr.write(`alertiger detect: ${input}: ${msg}\n`));
        const csv = scored.csv;
        flagged += scored.flagged;
        const target = outputPath(opts, input);
        if (target === undefined) process.stdout.write(csv);
        else await writeFile(target, csv);
      } catch (err) {
        failed++;
        process.stderr.write(`alertiger detect: ${describeError(err)}\n`);
      }
    }
  } finally {
    detector.dispose();
  }
  if (failed > 0) return 2;
  return flagged > 0 ? 1 : 0;
}

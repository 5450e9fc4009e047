/**
 * The statistics port on the real source readers and statistics code: one read of the source
 * for every window of the run (a first run's backfill included), split into UTC windows by the
 * statistics' WindowedAccumulator, each window's result flattened into the values the store
 * writes. Drift is measured against a fixed reference: the first window that held rows, kept
 * by the store so every later run compares with the same one.
 *
 * Every window also gets its data quality (WindowStatistics.quality) and the `data`/`log`
 * statistics (corrupt lines, invalid and non-finite values, duplicate and future rows). Rows
 * dated after the run's now are counted on the newest window and otherwise ignored; the named
 * columns no row holds are reported on the newest window too. A log in which no row holds the
 * timestamp field fails the read with TimestampFieldMissing.
 */
import type { DefaultedSpec } from '../api/defaults.js';
import type { RowSource } from '../sources/types.js';
import type { Reference } from '../stats/reference.js';
import { buildReference, windowResult, type WindowResult } from '../stats/result.js';
import { WindowedAccumulator } from '../stats/windowing.js';
import { DATA_CATEGORY, DATA_SUBJECT, dataStatistics, emptyQualityReport, namedColumns, type DataQualityReport, type MissingColumn } from '../stats/quality.js';
import type { WindowSummary } from '../stats/summary.js';
import type { StatisticsPort, StatValue, WindowStatistics } from './ports.js';
import type { Window } from './windows.js';
import { segmentReader, withSegmentValues, type SegmentChoiceStore } from './segment-statistics.js';

export interface ReferenceStore extends SegmentChoiceStore {
  loadReference(): Promise<Reference | undefined>;
  saveReference(reference: Reference): Promise<void>;
}

export interface SourceStatisticsOptions {
  spec: DefaultedSpec;
  /** Opens the monitor's source for rows in [from, to) (ms); a file source may yield more. */
  open(from: number, to: number): Promise<RowSource>;
  references: ReferenceStore;
  /** The run's now; rows dated after both it and the wall clock are future rows. */
  now?: () => Date;
}

export function sourceStatistics(options: SourceStatisticsOptions): StatisticsPort {
  const { spec } = options;
  return {
    async windows(windows) {
      if (windows.length === 0) return [];
      const from = windows[0].start.getTime();
      const to = windows[windows.length - 1].end.getTime();
      const acc = windowedAccumulator(spec, from, to, options.now);
      // spec.schema.segments: the same rows, per segment (run/segment-statistics.ts); none without.
      const segments = await segmentReader(spec, options.references, { from, to, now: acc.options.now! });
      for await (const batch of await options.open(from, to)) {
        acc.addBatch(batch);
        segments?.addBatch(batch);
      }
      const summaries = new Map(acc.finish().map((w) => [w.windowStart, w.summary]));
      const out = await statisticsFromSummaries({ windows, summaries, findings: { missingColumns: acc.missingColumns(), futureRows: acc.future }, spec, references: options.references });
      return segments === undefined ? out : withSegmentValues(out, await segments.finish());
    },
  };
}

/** The accumulator of one read of [from, to) for the spec (a sharded run's shards use the same). */
export function windowedAccumulator(spec: DefaultedSpec, from: number, to: number, now?: () => Date): WindowedAccumulator {
  return new WindowedAccumulator({
    granularity: spec.granularity,
    from,
    to,
    score: spec.schema.score,
    label: spec.schema.label,
    timestamp: spec.schema.timestamp,
    categorical: spec.schema.categorical,
    exclude: spec.schema.exclude,
    threshold: spec.schema.threshold,
    task: spec.schema.task,
    // Future rows are dated after the real time: a run replayed at an earlier --now reads a log
    // whose later rows have happened, and they are no data problem (they lie outside its windows).
    now: Math.max((now?.() ?? new Date()).getTime(), Date.now()),
    named: namedColumns(spec.schema),
  });
}

/** What a read found besides the windows' rows; it goes on the read's newest window. */
export interface ReadFindings {
  missingColumns: MissingColumn[];
  futureRows: number;
}

export interface SummariesInput {
  windows: readonly Window[];
  /** The read's summaries by window start; a window absent here held no row. */
  summaries: ReadonlyMap<number, WindowSummary>;
  findings: ReadFindings;
  spec: DefaultedSpec;
  references: ReferenceStore;
}

/**
 * The windows' statistics from one read's summaries (of one process, or merged from shards): the
 * drift reference is the first window with rows, kept by the store.
 */
export async function statisticsFromSummaries(input: SummariesInput): Promise<WindowStatistics[]> {
  const { windows, summaries, spec } = input;
  let reference = await input.references.loadReference();
  const out: WindowStatistics[] = [];
  const newest = windows.length - 1;
  for (let i = 0; i < windows.length; i++) {
    const window = windows[i];
    const start = window.start.getTime();
    const summary = summaries.get(start);
    // The read's findings go on the newest window, which every run stores.
    const findings = i === newest ? input.findings : {};
    if (summary === undefined || summary.rows === 0) {
      const quality: DataQualityReport = { ...emptyQualityReport(), ...findings };
      if (summary !== undefined) {
        quality.corruptLines = summary.corrupt;
        quality.examples = [...summary.corruptLines];
      }
      out.push(emptyWindow(window, spec, quality));
      continue;
    }
    if (reference === undefined) {
      reference = buildReference(summary, start);
      await input.references.saveReference(reference);
    }
    const result = windowResult(summary, { reference, task: spec.schema.task, windowStart: start, ...findings });
    out.push({ window, rows: result.rows, values: flatten(result, spec), quality: result.quality });
  }
  return out;
}

/** Subjects of the score and label statistics: the schema's field names. */
function scoreSubject(spec: DefaultedSpec): string {
  return spec.schema.score ?? 'score';
}

function labelSubject(spec: DefaultedSpec): string {
  return spec.schema.label ?? 'label';
}

/** A window's result as store values; statistics that could not be computed (null) are absent. */
export function flatten(result: WindowResult, spec: DefaultedSpec): StatValue[] {
  const values: StatValue[] = [];
  const add = (category: StatValue['category'], subject: string, stats: Record<string, number | null>): void => {
    for (const [statistic, value] of Object.entries(stats)) {
      if (value !== null && Number.isFinite(value)) values.push({ category, subject, statistic, value });
    }
  };
  for (const name of Object.keys(result.features).sort()) add('feature', name, result.features[name]);
  add('score', scoreSubject(spec), result.score);
  add('label', labelSubject(spec), result.label);
  values.push(...dataValues(result.quality));
  return values;
}

/** The `data`/`log` statistics of a window's quality report, as store values. */
function dataValues(quality: DataQualityReport): StatValue[] {
  return Object.entries(dataStatistics(quality)).flatMap(([statistic, value]) => (
    value !== null && Number.isFinite(value) ? [{ category: DATA_CATEGORY, subject: DATA_SUBJECT, statistic, value }] : []));
}

/**
 * A window in which the model logged nothing, after it had started logging: zero traffic is a
 * real observation (an outage), so it is stored with the window's data quality; every other
 * statistic is undefined.
 */
export function emptyWindow(window: Window, spec: DefaultedSpec, quality: DataQualityReport = emptyQualityReport()): WindowStatistics {
  const traffic: StatValue = { category: 'score', subject: scoreSubject(spec), statistic: 'traffic', value: 0 };
  return { window, rows: 0, values: [traffic, ...dataValues(quality)], quality };
}

/**
 * Segment statistics (docs/segments.md): the score and label statistics of each of the top-K
 * values of a categorical column (spec.schema.segments), the other values pooled in one
 * `(other)` segment. Pure and on plain arrays like the rest of stats/: rows in, per-window and
 * per-value summaries out; which values are tracked is `chooseSegments`, a pure rule over the
 * choice remembered in the store and the counts of this read.
 *
 * Bound: in one read, the tracked values and at most MAX_SEGMENT_VALUES other distinct values of
 * a column are counted and summarised on their own; later new values go straight to the pool,
 * so a column of user ids costs memory in proportion to the bound, not to its cardinality.
 */
import type { Granularity } from '../api/types.js';
import { segmentName, segmentSubject } from '../api/segments.js';
import { granularityMs } from '../api/granularity.js';
import { LabelSummary, labelStatistics, type Task } from './label.js';
import { ScoreSummary, scoreStatistics } from './score.js';
import { SEGMENT_LABEL_STATISTICS, SEGMENT_SCORE_STATISTICS, type Statistics } from './names.js';
import type { RowBatch } from '../sources/types.js';

/** The pooled segment: every value of the column outside the tracked top-K (and missing values). */
export const OTHER_SEGMENT = '(other)';
/** Distinct values of one column given their own summaries in one read; later ones are pooled. */
export const MAX_SEGMENT_VALUES = 256;
/** Rows staged per value before they are summarised. */
const STAGE = 128;

/** A segment column as the defaulted spec holds it. */
export interface SegmentSpec {
  column: string;
  topK: number;
}

/** The values tracked for one column, remembered across runs (the store keeps it). */
export interface SegmentChoice {
  column: string;
  /** Tracked values with the start (ms) of the last window that held a row of each. */
  values: Array<{ value: string; lastSeen: number }>;
}

/** Longest value with a segment of its own; longer ones are pooled (the status bounds a subject to 512). */
export const MAX_SEGMENT_VALUE_LENGTH = 120;

/** A cell value as a segment value; undefined when missing or too long (pooled). */
export function segmentValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' || v.length > MAX_SEGMENT_VALUE_LENGTH ? undefined : v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return undefined;
}

function scoreOf(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return NaN;
}

function labelOf(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v === 'true' || v === 'True' || v === 'TRUE') return 1;
  if (v === 'false' || v === 'False' || v === 'FALSE') return 0;
  return typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
}

/** The score and label summaries of one value in one window. */
export class SegmentCell {
  rows = 0;
  readonly label = new LabelSummary();
  readonly score: ScoreSummary;

  constructor(threshold: number) {
    this.score = new ScoreSummary(threshold);
  }

  merge(other: SegmentCell): void {
    this.rows += other.rows;
    this.score.merge(other.score);
    this.label.merge(other.label);
  }
}

/** Rows of one value staged for the window they fall in. */
interface Stage {
  window: number;
  n: number;
  scores: Float64Array;
  labels: Float64Array;
}

export interface SegmentAccumulatorOptions {
  column: string;
  score: string;
  label: string;
  timestamp: string;
  threshold: number;
  granularity: Granularity;
  /** Rows outside [from, to) or after now (ms) are skipped, as the windowed statistics skip them. */
  from: number;
  to: number;
  now?: number;
  /** Values tracked so far: always summarised on their own, whatever the bound. */
  tracked?: ReadonlySet<string>;
}

/**
 * One read's summaries of one segment column: per window, per value (the first
 * MAX_SEGMENT_VALUES values; the others in the pool), with each value's row count and last window.
 */
export class SegmentAccumulator {
  /** Rows per value over the read, and the start of the newest window that held each value. */
  readonly counts = new Map<string, number>();
  readonly lastSeen = new Map<string, number>();
  /** window start -> value (or OTHER_SEGMENT for values past the bound and missing ones) -> cell. */
  readonly windows = new Map<number, Map<string, SegmentCell>>();
  private readonly stages = new Map<string, Stage>();
  private readonly size: number;
  /** Tracked values among `counts` (they do not count against the bound). */
  private trackedSeen = 0;

  constructor(readonly options: SegmentAccumulatorOptions) {
    this.size = granularityMs(options.granularity);
  }

  addBatch(batch: RowBatch): void {
    const { column, score, label, from, to, now } = this.options;
    for (const row of batch.rows) {
      const ts = row.ts;
      if (ts === undefined || !(ts >= from && ts < to) || (now !== undefined && ts > now)) continue;
      const window = Math.floor(ts / this.size) * this.size;
      const fields = row.fields;
      const value = segmentValue(fields[column]);
      const key = value === undefined ? OTHER_SEGMENT : this.keyOf(value, window);
      this.stage(key, window, scoreOf(fields[score]), labelOf(fields[label]));
    }
  }

  /** The value's own key (counted) while it is tracked or under the bound, else the pool. */
  private keyOf(value: string, window: number): string {
    const count = this.counts.get(value);
    if (count !== undefined) {
      this.counts.set(value, count + 1);
      if (window > this.lastSeen.get(value)!) this.lastSeen.set(value, window);
      return value;
    }
    if (this.counts.size - this.trackedSeen >= MAX_SEGMENT_VALUES && this.options.tracked?.has(value) !== true) return OTHER_SEGMENT;
    if (this.options.tracked?.has(value) === true) this.trackedSeen++;
    this.counts.set(value, 1);
    this.lastSeen.set(value, window);
    return value;
  }

  private stage(key: string, window: number, score: number, label: number): void {
    let s = this.stages.get(key);
    if (s === undefined) {
      s = { window, n: 0, scores: new Float64Array(STAGE), labels: new Float64Array(STAGE) };
      this.stages.set(key, s);
    } else if (s.window !== window) {
      this.flushStage(key, s);
      s.window = window;
    }
    s.scores[s.n] = score;
    s.labels[s.n] = label;
    if (++s.n === STAGE) this.flushStage(key, s);
  }

  private flushStage(key: string, s: Stage): void {
    if (s.n === 0) return;
    const cell = this.cell(s.window, key);
    cell.score.addColumn(s.scores, s.n);
    cell.label.addColumns(s.scores, s.labels, s.n);
    cell.rows += s.n;
    s.n = 0;
  }

  private cell(window: number, key: string): SegmentCell {
    let cells = this.windows.get(window);
    if (cells === undefined) this.windows.set(window, cells = new Map());
    let cell = cells.get(key);
    if (cell === undefined) cells.set(key, cell = new SegmentCell(this.options.threshold));
    return cell;
  }

  /** Summarises what is still staged; call once, after the last batch. */
  finish(): this {
    for (const [key, s] of this.stages) this.flushStage(key, s);
    return this;
  }
}

export interface ChoiceOptions {
  topK: number;
  /** A tracked value with no row for this long (ms) before `now` gives its place up. */
  expireMs: number;
  now: number;
}

/**
 * The values tracked from now on. Stable by construction: a value once tracked stays tracked
 * (its history unbroken) while it keeps appearing; it gives its place up only after no row for
 * `expireMs`. Free places (a first run, an expired value, a raised topK) go to the most frequent
 * untracked values of this read, ties by name. A lowered topK keeps the most recently seen.
 */
export function chooseSegments(previous: SegmentChoice | undefined, column: string, counts: ReadonlyMap<string, number>, lastSeen: ReadonlyMap<string, number>, options: ChoiceOptions): SegmentChoice {
  const kept = (previous?.column === column ? previous.values : [])
    .map((v) => ({ value: v.value, lastSeen: Math.max(v.lastSeen, lastSeen.get(v.value) ?? -Infinity) }))
    .filter((v) => options.now - v.lastSeen <= options.expireMs)
    .sort((a, b) => b.lastSeen - a.lastSeen || compare(a.value, b.value))
    .slice(0, options.topK);
  const tracked = new Set(kept.map((v) => v.value));
  const candidates = [...counts]
    .filter(([value]) => !tracked.has(value) && value !== OTHER_SEGMENT)
    .sort((a, b) => b[1] - a[1] || compare(a[0], b[0]))
    .slice(0, options.topK - kept.length)
    .map(([value]) => ({ value, lastSeen: lastSeen.get(value)! }));
  return { column, values: [...kept, ...candidates].sort((a, b) => compare(a.value, b.value)) };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One statistic of a segment series, as the run stores it. */
export interface SegmentValue {
  category: 'score' | 'label';
  subject: string;
  statistic: string;
  value: number;
}

export interface SegmentStatisticsOptions {
  scoreSubject: string;
  labelSubject: string;
  task?: Task;
  threshold: number;
}

/**
 * The segment statistics of one window: each tracked value's (traffic 0 when it had no row:
 * an outage of one segment is an observation) and the pool's, which merges every other value.
 */
export function segmentStatistics(cells: ReadonlyMap<string, SegmentCell> | undefined, choice: SegmentChoice, options: SegmentStatisticsOptions): SegmentValue[] {
  const tracked = new Set(choice.values.map((v) => v.value));
  const pool = new SegmentCell(options.threshold);
  for (const [key, cell] of cells ?? []) if (!tracked.has(key)) pool.merge(cell);
  const out: SegmentValue[] = [];
  for (const { value } of choice.values) {
    out.push(...cellValues(cells?.get(value) ?? new SegmentCell(options.threshold), segmentName(choice.column, value), options));
  }
  if (pool.rows > 0 || (cells?.size ?? 0) > 0) out.push(...cellValues(pool, segmentName(choice.column, OTHER_SEGMENT), options));
  return out;
}

function cellValues(cell: SegmentCell, segment: string, options: SegmentStatisticsOptions): SegmentValue[] {
  const out: SegmentValue[] = [];
  const add = (category: SegmentValue['category'], subject: string, stats: Statistics, names: readonly string[]): void => {
    for (const statistic of names) {
      const value = stats[statistic];
      if (value !== null && value !== undefined && Number.isFinite(value)) out.push({ category, subject: segmentSubject(subject, segment), statistic, value });
    }
  };
  add('score', options.scoreSubject, scoreStatistics(cell.score, cell.rows), SEGMENT_SCORE_STATISTICS);
  if (cell.rows > 0) add('label', options.labelSubject, labelStatistics(cell.label, cell.rows, options.task), SEGMENT_LABEL_STATISTICS);
  return out;
}

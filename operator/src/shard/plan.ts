/**
 * What each shard of a sharded run reads (docs/sharding.md). Pure and deterministic: every shard
 * computes the same plan from the same inputs, so the shards' shares neither overlap nor leave
 * a row out, and no shard has to tell another what it took.
 *
 * - Files (a glob, in name order): with at least as many files as shards, file i goes whole to
 *   shard i mod N. With fewer, the shards are dealt over the files the same way (shard j works on
 *   file j mod F), and an uncompressed JSONL or CSV file is cut into as many byte ranges as it has
 *   shards; a gzip, Parquet or URL file cannot be entered in the middle, so the first of its
 *   shards reads it whole and the others get nothing of it.
 * - A byte range [start, end) holds the lines that begin in it: a range starting inside a line
 *   skips to the next newline, and the last line is read past `end` to its newline.
 * - InfluxDB: each window is cut into N equal time slices and shard i reads slice i of every
 *   window. Time, not series: slices need no query to plan (series would need a SHOW TAG VALUES
 *   and one large series would still sit in one shard), traffic within a window is smooth enough
 *   to balance, and rows with the same timestamp (exact duplicates) land in the same shard.
 */
import type { DefaultedSpec } from '../api/defaults.js';
import { granularityMs } from '../api/granularity.js';
import { BACKTEST_SPAN_MS } from '../local/backtest.js';
import { relabelWindows } from '../run/labels.js';
import { runPlan } from '../run/run.js';
import { AlertigerError } from '../errors.js';

/**
 * Segment statistics (spec.schema.segments) are not merged across shards yet: such a monitor's
 * run is read by one process (Pod 0), and the other shards exit at once.
 */
export function shardable(spec: DefaultedSpec): boolean {
  return (spec.schema.segments?.length ?? 0) === 0;
}

/** One file of a file source, in the order every shard lists them. */
export interface SourceFile {
  path: string;
  size: number;
  /** Uncompressed JSONL or CSV on a local disk: may be read from a byte offset. */
  splittable: boolean;
}

/** A file read by one shard: whole, or the lines beginning in [start, end). */
export interface FilePart {
  path: string;
  range?: { start: number; end: number };
}

/** A shard's position: index in [0, shards). */
export interface ShardId {
  index: number;
  shards: number;
}

export function checkShard(id: ShardId): void {
  if (!Number.isInteger(id.shards) || id.shards < 1) throw new AlertigerError('InvalidConfig', `shard count ${id.shards} is not a positive integer`);
  if (!Number.isInteger(id.index) || id.index < 0 || id.index >= id.shards) {
    throw new AlertigerError('InvalidConfig', `shard index ${id.index} is outside 0..${id.shards - 1}`);
  }
}

/** The parts of the files that shard `id` reads. */
export function planFileShare(files: readonly SourceFile[], id: ShardId): FilePart[] {
  checkShard(id);
  const { index, shards } = id;
  const f = files.length;
  if (f === 0) return [];
  if (f >= shards) return files.filter((_, i) => i % shards === index).map((file) => ({ path: file.path }));
  const file = files[index % f];
  // Shards index % f, index % f + f, ... share this file; this one is number `part` of `parts`.
  const part = Math.floor(index / f);
  const parts = Math.floor((shards - 1 - (index % f)) / f) + 1;
  if (!file.splittable || parts === 1) return part === 0 ? [{ path: file.path }] : [];
  const start = Math.floor((file.size * part) / parts);
  const end = Math.floor((file.size * (part + 1)) / parts);
  return start < end ? [{ path: file.path, range: { start, end } }] : [];
}

/** The time slices [from, to) of the windows in [from, to) that shard `id` reads, oldest first. */
export function timeSlices(from: number, to: number, step: number, id: ShardId): Array<[number, number]> {
  checkShard(id);
  const out: Array<[number, number]> = [];
  for (let w = from; w < to; w += step) {
    const a = w + Math.floor((step * id.index) / id.shards);
    const b = Math.min(to, w + Math.floor((step * (id.index + 1)) / id.shards));
    if (a < b) out.push([a, b]);
  }
  return out;
}

/** One read of the source: the windows [from, to) a statistics request asks for at once. */
export interface ReadRange {
  from: number;
  to: number;
}

/**
 * The reads a run at `now` makes, in order, as run/run.ts makes them: the label horizon's
 * windows and the new ones (one read when they touch, two when skipped windows lie between),
 * and on a first run the older windows its backtest replays (local/backtest.ts). The merge step
 * serves any other request by reading the source itself.
 */
export function runReads(spec: DefaultedSpec, lastWindowEnd: string | undefined, now: Date): ReadRange[] {
  const plan = runPlan(spec, lastWindowEnd, now);
  const step = granularityMs(spec.granularity);
  const planned = { from: plan.windows[0].start.getTime(), to: plan.latestEnd.getTime() };
  const relabel = relabelWindows(plan, lastWindowEnd, spec.granularity, spec.schema.labelDelay);
  const reads: ReadRange[] = [];
  if (relabel.length === 0) reads.push(planned);
  else if (relabel[relabel.length - 1].end.getTime() === planned.from) reads.push({ from: relabel[0].start.getTime(), to: planned.to });
  else reads.push({ from: relabel[0].start.getTime(), to: relabel[relabel.length - 1].end.getTime() }, planned);
  if (plan.firstRun) {
    // The backtest replays from its span's first window, each replayed run backfilling as a first run does.
    const fromStart = Math.floor((planned.to - BACKTEST_SPAN_MS[spec.granularity]) / step) * step;
    const replayFrom = runPlan(spec, undefined, new Date(fromStart + step)).windows[0].start.getTime();
    const older = Math.min(replayFrom, planned.to - step);
    if (older < planned.from) reads.push({ from: older, to: planned.from });
  }
  return reads;
}

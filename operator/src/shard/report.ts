/**
 * What a shard hands the merge step: for each read of the run, the mergeable summary of every
 * window it saw rows in (stats/summary.ts) and what the read found besides (rows dated in the
 * future, named columns no row held, rows without a timestamp). The merge step adds the shards'
 * reads up into what one process reading everything would have found: exact for counts, sums,
 * moments, labels and categories, within the sketch's rank error for quantiles.
 *
 * Two things a shard cannot see across its boundary: a duplicate row whose twin is in another
 * shard's share, and which window a corrupt line at the very start of a share belongs to (it
 * goes to the window of the share's first valid row).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { AlertigerError } from '../errors.js';
import { missingColumns, type NamedColumn } from '../stats/quality.js';
import { WindowSummary, type WindowSummaryState } from '../stats/summary.js';
import type { WindowedAccumulator } from '../stats/windowing.js';
import type { ReadFindings } from '../run/statistics.js';
import type { ReadRange } from './plan.js';

export const REPORT_VERSION = 1;

export interface ShardRead extends ReadRange {
  /** Window start (ms) and summary of each window the shard saw rows or corrupt lines in. */
  windows: Array<[number, WindowSummaryState]>;
  /** Rows dated after the run's now. */
  future: number;
  /** Schema-named fields no row of this shard held. */
  unseen: string[];
  rowsRead: number;
  /** Rows holding the timestamp field. */
  timedRows: number;
  /** Corrupt lines in a share without a single valid row (no window to count them in). */
  unassignedCorrupt: number;
  /** A sample of the field names seen (for the TimestampFieldMissing message). */
  fieldsSeen: string[];
}

export interface ShardReport {
  version: number;
  index: number;
  shards: number;
  /** The run's newest window end (ms): shards planning another run are refused. */
  latestEnd: number;
  reads: ShardRead[];
}

/** A finished read's part of a report. The accumulator's own TimestampFieldMissing check is the merge's. */
export function shardRead(range: ReadRange, acc: WindowedAccumulator): ShardRead {
  const timed = acc.timedRows > 0 || acc.rowsRead === 0;
  // Without a timed row there is no window (finish would refuse); the merge decides for all shards.
  const windows = timed ? acc.finish().map(({ windowStart, summary }): [number, WindowSummaryState] => [windowStart, summary.toJSON()]) : [];
  return {
    ...range,
    windows,
    future: acc.future,
    unseen: acc.missingColumns().map((m) => m.field),
    rowsRead: acc.rowsRead,
    timedRows: acc.timedRows,
    unassignedCorrupt: acc.unassignedCorrupt,
    fieldsSeen: acc.fieldsSeen().slice(0, 30),
  };
}

/** The merged summaries of one read and its findings, as statisticsFromSummaries takes them. */
export interface MergedRead {
  summaries: Map<number, WindowSummary>;
  findings: ReadFindings;
}

/**
 * The shards' parts of one read, merged in shard order. Fails with TimestampFieldMissing as one
 * process would: rows were read, and not one held the timestamp field.
 */
export function mergeReads(reads: readonly ShardRead[], named: readonly NamedColumn[], timestampField: string): MergedRead {
  const rowsRead = sum(reads.map((r) => r.rowsRead));
  if (rowsRead > 0 && sum(reads.map((r) => r.timedRows)) === 0) {
    const seen = [...new Set(reads.flatMap((r) => r.fieldsSeen))].sort().slice(0, 30);
    throw new AlertigerError('TimestampFieldMissing', `no row of the log has the timestamp field "${timestampField}" (schema.timestamp); ${rowsRead} rows read by ${reads.length} shards, fields seen: ${seen.length > 0 ? seen.join(', ') : 'none'}`);
  }
  const summaries = new Map<number, WindowSummary>();
  for (const read of reads) {
    for (const [start, state] of read.windows) {
      const theirs = WindowSummary.fromJSON(state);
      const ours = summaries.get(start);
      if (ours === undefined) summaries.set(start, theirs);
      else ours.merge(theirs);
    }
  }
  const starts = [...summaries.keys()].sort((a, b) => a - b);
  const unassigned = sum(reads.map((r) => r.unassignedCorrupt));
  // One process would have counted them with the nearest valid row: the earliest window is the best guess.
  if (unassigned > 0 && starts.length > 0) summaries.get(starts[0])!.corrupt += unassigned;
  const unseenEverywhere = named.filter((n) => reads.every((r) => r.unseen.includes(n.field)));
  return {
    summaries: new Map(starts.map((s) => [s, summaries.get(s)!])),
    findings: { missingColumns: missingColumns(unseenEverywhere, new Set()), futureRows: sum(reads.map((r) => r.future)) },
  };
}

/** A report as compact text (gzip, base64): summaries are JSON with many repeated keys. */
export function encodeReport(report: ShardReport): string {
  return gzipSync(Buffer.from(JSON.stringify(report))).toString('base64');
}

export function decodeReport(text: string, what: string): ShardReport {
  let report: ShardReport;
  try {
    report = JSON.parse(gunzipSync(Buffer.from(text, 'base64')).toString('utf8')) as ShardReport;
  } catch (err) {
    throw new AlertigerError('ShardsIncomplete', `${what} is not a readable shard summary: ${(err as Error).message}`, { cause: err });
  }
  if (report?.version !== REPORT_VERSION || !Array.isArray(report.reads)) {
    throw new AlertigerError('ShardsIncomplete', `${what} is a shard summary of version ${String(report?.version)}, not ${REPORT_VERSION}: shards of different AlerTiger versions`);
  }
  return report;
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

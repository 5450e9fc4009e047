/**
 * A shard's share of the monitor's source, as a RowSource (the plan is shard/plan.ts): the
 * files or byte ranges of a file source, or the time slices of an InfluxDB source. The adapters
 * here only open and read; every choice of what to read is made by the pure plan.
 */
import { createReadStream } from 'node:fs';
import type { DefaultedSpec } from '../api/defaults.js';
import { granularityMs } from '../api/granularity.js';
import { AlertigerError } from '../errors.js';
import { isUrl, localFiles, openFileSource, textRows } from '../sources/file.js';
import { splitLines } from '../sources/lines.js';
import type { FileFormat, RowBatch, RowSource } from '../sources/types.js';
import { planFileShare, timeSlices, type FilePart, type ShardId, type SourceFile } from './plan.js';

const CHUNK = 1 << 20;

/** Opens the whole source for [from, to) (the job's or the CLI's opener). */
export type SourceOpener = (from: number, to: number) => Promise<RowSource>;

/**
 * The opener of shard `id`'s share. `openInflux` opens the monitor's InfluxDB source for one
 * time range; a file source is listed here (every shard lists it the same way).
 */
export function shareOpener(spec: DefaultedSpec, id: ShardId, openInflux: SourceOpener): SourceOpener {
  if (spec.source.file === undefined) {
    const step = granularityMs(spec.granularity);
    return async (from, to) => chain(timeSlices(from, to, step, id).map(([a, b]) => () => openInflux(a, b)));
  }
  const { path, format } = spec.source.file;
  const timestamp = spec.schema.timestamp ?? 'ts';
  return async () => {
    const parts = planFileShare(await listFiles(path, format), id);
    return chain(parts.map((part) => () => openPart(part, format, timestamp)));
  };
}

/** The files of a file source in name order, with sizes; a URL is one file, read whole. */
export async function listFiles(path: string, format: FileFormat): Promise<SourceFile[]> {
  if (isUrl(path)) return [{ path, size: 0, splittable: false }];
  return (await localFiles(path)).map((f) => ({ ...f, splittable: format !== 'parquet' && !f.path.toLowerCase().endsWith('.gz') }));
}

async function openPart(part: FilePart, format: FileFormat, timestamp: string): Promise<RowSource> {
  if (part.range === undefined) return openFileSource({ path: part.path, format }, { timestamp });
  return rangeRows(part.path, format, part.range, timestamp);
}

/** The rows of the lines beginning in [start, end) of an uncompressed JSONL or CSV file. */
export async function* rangeRows(path: string, format: FileFormat, range: { start: number; end: number }, timestamp: string): AsyncGenerator<RowBatch> {
  if (format === 'parquet') throw new AlertigerError('SourceInvalid', `${path}: a Parquet file is read whole, not by byte range`);
  // Line numbers count from the range's start; the file name says where that is.
  const file = range.start > 0 ? `${path} (from byte ${range.start})` : undefined;
  const options = { timestamp, ...(file !== undefined ? { file } : {}) };
  // A CSV range past the first line starts without the header: read it from the file's head.
  const header = format === 'csv' && range.start > 0 ? await firstLine(path) : undefined;
  yield* textRows(rangeBytes(path, range.start, range.end), format, options, header);
}

/**
 * The bytes of the lines that begin in [start, end): from the first line start at or after
 * `start` (a line begins at 0 or after a newline) through the newline ending the line that
 * holds byte end - 1.
 */
export async function* rangeBytes(path: string, start: number, end: number): AsyncGenerator<Buffer> {
  if (start >= end) return;
  // Reading from start - 1 tells whether `start` begins a line (the byte before is a newline).
  let pos = start > 0 ? start - 1 : 0;
  let skipping = start > 0;
  for await (const raw of createReadStream(path, { start: pos, highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
    let chunk = raw;
    if (skipping) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        pos += chunk.length;
        continue;
      }
      chunk = chunk.subarray(nl + 1);
      pos += nl + 1;
      skipping = false;
    }
    // pos is the file offset of chunk[0], a line start.
    if (pos >= end) return;
    if (pos + chunk.length >= end) {
      const nl = chunk.indexOf(10, end - 1 - pos);
      if (nl >= 0) {
        yield chunk.subarray(0, nl + 1);
        return;
      }
    }
    yield chunk;
    pos += chunk.length;
  }
}

async function firstLine(path: string): Promise<string | undefined> {
  for await (const batch of splitLines(rangeBytes(path, 0, 1))) return batch.lines[0];
  return undefined;
}

/** The sources one after another, each opened when the one before is done. */
async function* chain(openers: ReadonlyArray<() => Promise<RowSource>>): AsyncGenerator<RowBatch> {
  for (const open of openers) yield* await open();
}

/**
 * Parquet through hyparquet (pure JavaScript): one row group at a time, one column at a time,
 * handed on as columnar batches (rows are built only for consumers that ask), so memory holds
 * one row group's decoded columns, not the file. INT64 values arrive as bigint and timestamps
 * as Date; the statistics and timestamp parsing accept both.
 */
import { open } from 'node:fs/promises';
import { parquetScan, parquetSchema, type AsyncBuffer } from 'hyparquet';
import { AlertigerError } from '../errors.js';
import { parseTimestamp } from './timestamp.js';
import type { ParseOptions } from './jsonl.js';
import type { ColumnarRows, CorruptLine, Row, RowBatch } from './types.js';

const SLICE = 4096;

export async function* readParquet(file: AsyncBuffer, name: string, options: ParseOptions): AsyncGenerator<RowBatch> {
  let scan: Awaited<ReturnType<typeof parquetScan>>;
  let columns: string[];
  try {
    scan = await parquetScan({ file });
    columns = parquetSchema(scan.metadata).children.map((c) => c.element.name);
  } catch (err) {
    throw new AlertigerError('SourceInvalid', `${name} is not a readable Parquet file`, { cause: err });
  }
  for (const range of scan.ranges) {
    const data: ArrayLike<unknown>[] = [];
    try {
      for (const column of columns) data.push(await scan.readColumn({ column, rowStart: range.rowStart, rowEnd: range.rowEnd }));
    } catch (err) {
      throw new AlertigerError('SourceInvalid', `${name}: cannot read rows ${range.rowStart + 1}-${range.rowEnd} of the Parquet file`, { cause: err });
    }
    const n = range.rowEnd - range.rowStart;
    for (let start = 0; start < n; start += SLICE) {
      const end = Math.min(n, start + SLICE);
      const slice = start === 0 && end === n ? data : data.map((d) => sliceOf(d, start, end));
      yield new ColumnarBatch({ names: columns, data: slice, length: end - start, firstLine: range.rowStart + start + 1, file: options.file }, options.timestamp);
    }
  }
}

function sliceOf(d: ArrayLike<unknown>, start: number, end: number): ArrayLike<unknown> {
  return ArrayBuffer.isView(d) ? (d as unknown as Float64Array).subarray(start, end) : (d as unknown[]).slice(start, end);
}

/** A batch of columns whose rows are built on demand. */
export class ColumnarBatch implements RowBatch {
  readonly corrupt: CorruptLine[] = [];
  private built: Row[] | undefined;

  constructor(readonly columns: ColumnarRows, private readonly timestamp?: string) {}

  get rows(): Row[] {
    this.built ??= rowsOf(this.columns, this.timestamp);
    return this.built;
  }
}

export function rowsOf(c: ColumnarRows, timestamp?: string): Row[] {
  const rows: Row[] = new Array(c.length);
  for (let i = 0; i < c.length; i++) {
    const fields: Record<string, unknown> = {};
    for (let j = 0; j < c.names.length; j++) fields[c.names[j]] = c.data[j][i];
    const row: Row = { line: c.firstLine + i, fields };
    if (timestamp !== undefined) row.ts = parseTimestamp(fields[timestamp]);
    if (c.file !== undefined) row.file = c.file;
    rows[i] = row;
  }
  return rows;
}

/** An AsyncBuffer over one open file handle (hyparquet's own opens a stream per slice). */
export async function fileAsyncBuffer(path: string): Promise<AsyncBuffer & { close(): Promise<void> }> {
  const handle = await open(path, 'r');
  const { size } = await handle.stat();
  return {
    byteLength: size,
    async slice(start: number, end: number = size): Promise<ArrayBuffer> {
      const bytes = new Uint8Array(Math.max(0, end - start));
      let done = 0;
      while (done < bytes.length) {
        const { bytesRead } = await handle.read(bytes, done, bytes.length - done, start + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return bytes.buffer;
    },
    close: () => handle.close(),
  };
}

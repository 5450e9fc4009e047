/**
 * Parquet through hyparquet (pure JavaScript): one row group at a time, one column at a time,
 * handed on as columnar batches (rows are built only for consumers that ask), so memory holds
 * a slice of a row group's decoded columns, not the file. INT64 values arrive as bigint and timestamps
 * as Date; the statistics and timestamp parsing accept both.
 */
import { open } from 'node:fs/promises';
import { parquetScan, parquetSchema, type AsyncBuffer } from 'hyparquet';
import { AlertigerError } from '../errors.js';
import { ColumnarBatch } from './columnar.js';
import type { ParseOptions } from './jsonl.js';
import type { RowBatch } from './types.js';

const SLICE_ROWS = 65_536;

export async function* readParquet(file: AsyncBuffer, name: string, options: ParseOptions): AsyncGenerator<RowBatch> {
  let scan: Awaited<ReturnType<typeof parquetScan>>;
  let columns: string[];
  try {
    scan = await parquetScan({ file });
    columns = parquetSchema(scan.metadata).children.map((c) => c.element.name);
  } catch (err) {
    throw new AlertigerError('SourceInvalid', `${name} is not a readable Parquet file`, { cause: err });
  }
  // With offset indexes (most writers add them) a row group is read in slices of whole pages,
  // so memory stays bounded however large the row groups; without them, a group at a time.
  const indexed = scan.metadata.row_groups.every((g) => g.columns.every((c) => c.offset_index_offset !== undefined && c.offset_index_length !== undefined));
  for (const range of scan.ranges) {
    const step = indexed ? SLICE_ROWS : range.rowEnd - range.rowStart;
    for (let rowStart = range.rowStart; rowStart < range.rowEnd; rowStart += step) {
      const rowEnd = Math.min(range.rowEnd, rowStart + step);
      const data: ArrayLike<unknown>[] = [];
      try {
        for (const column of columns) data.push(await scan.readColumn({ column, rowStart, rowEnd }));
      } catch (err) {
        throw new AlertigerError('SourceInvalid', `${name}: cannot read rows ${rowStart + 1}-${rowEnd} of the Parquet file`, { cause: err });
      }
      yield new ColumnarBatch({ names: columns, data, length: rowEnd - rowStart, firstLine: rowStart + 1, file: options.file }, options.timestamp);
    }
  }
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

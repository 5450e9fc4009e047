/**
 * Parquet through hyparquet (pure JavaScript), in bounded memory: row groups one after another,
 * each handed on in slices of at most PARQUET_SLICE_ROWS rows as columnar batches (rows are built
 * only for consumers that ask). Per column, memory holds at most one data page, decoded once,
 * numbers kept as 8-byte doubles (parquet-cursor.ts); the pages are found from the offset index
 * or the page headers (parquet-pages.ts), so a row group of any size costs its pages, not its
 * rows (docs/sources.md states the bound). INT64 values arrive as bigint and timestamps as Date;
 * the statistics and timestamp parsing accept both.
 */
import { open } from 'node:fs/promises';
import { parquetMetadataAsync, parquetScan, parquetSchema, type AsyncBuffer, type FileMetaData, type ParquetScanOptions, type RowGroup } from 'hyparquet';
import { AlertigerError } from '../errors.js';
import { ColumnarBatch } from './columnar.js';
import type { ParseOptions } from './jsonl.js';
import { ColumnCursor, type ReadRows, type Values } from './parquet-cursor.js';
import { groupPageLocations, type PageLocation } from './parquet-pages.js';
import type { RowBatch } from './types.js';

/** Rows per batch: the statistics stage 512 at a time, so larger slices buy nothing. */
export const PARQUET_SLICE_ROWS = 8192;

export async function* readParquet(file: AsyncBuffer, name: string, options: ParseOptions): AsyncGenerator<RowBatch> {
  let metadata: FileMetaData;
  let columns: string[];
  try {
    metadata = await parquetMetadataAsync(file);
    columns = parquetSchema(metadata).children.map((c) => c.element.name);
  } catch (err) {
    throw new AlertigerError('SourceInvalid', `${name} is not a readable Parquet file`, { cause: err });
  }
  let groupStart = 0;
  for (let g = 0; g < metadata.row_groups.length; g++) {
    const group = metadata.row_groups[g];
    const rows = Number(group.num_rows);
    let cursors: ColumnCursor[];
    try {
      const pages = await groupPageLocations(file, metadata, group);
      const reader = groupReader(file, metadata, group, pages);
      cursors = columns.map((column) => new ColumnCursor(reader(column), pageStarts(pages[column]), rows));
    } catch (err) {
      throw new AlertigerError('SourceInvalid', `${name}: cannot read the pages of row group ${g + 1} of the Parquet file`, { cause: err });
    }
    for (let rowStart = 0; rowStart < rows; rowStart += PARQUET_SLICE_ROWS) {
      const rowEnd = Math.min(rows, rowStart + PARQUET_SLICE_ROWS);
      const data: Values[] = [];
      try {
        for (const cursor of cursors) data.push(await cursor.take(rowStart, rowEnd));
      } catch (err) {
        throw new AlertigerError('SourceInvalid', `${name}: cannot read rows ${groupStart + rowStart + 1}-${groupStart + rowEnd} of the Parquet file`, { cause: err });
      }
      yield new ColumnarBatch({ names: columns, data, length: rowEnd - rowStart, firstLine: groupStart + rowStart + 1, file: options.file }, options.timestamp);
    }
    groupStart += rows;
  }
}

function pageStarts(pages: PageLocation[] | undefined): number[] {
  return pages === undefined ? [0] : pages.map((p) => Number(p.first_row_index));
}

/**
 * Reads one page (group-relative rows) of one column. hyparquet's scan keeps the last read of
 * each column, so a scan per read lets the page go once the cursor drops it. The scan sees the
 * one row group (planning stays constant however many groups the file has), and the page
 * locations handed in make it fetch that page and the dictionary only, also without an offset index.
 */
function groupReader(file: AsyncBuffer, metadata: FileMetaData, group: RowGroup, pages: Record<string, PageLocation[]>): (column: string) => ReadRows {
  const groupMetadata: FileMetaData = { ...metadata, row_groups: [group], num_rows: group.num_rows };
  // pageLocationsByGroup is read by hyparquet's planner (1.31) but not in its option types.
  const options = { file, metadata: groupMetadata, pageLocationsByGroup: [pages] };
  return (column) => async (rowStart, rowEnd) => {
    const scan = await parquetScan({ ...options, columns: [column] } as ParquetScanOptions);
    return scan.readColumn({ column, rowStart, rowEnd });
  };
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

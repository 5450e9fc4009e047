/**
 * Parquet through hyparquet (pure JavaScript), in bounded memory: row groups one after another,
 * each handed on in slices of at most PARQUET_SLICE_ROWS rows as columnar batches (rows are built
 * only for consumers that ask). Each flat column holds one page, as its decompressed bytes, and
 * decodes each slice from them (parquet-page.ts); the pages are found from the offset index or the
 * page headers (parquet-pages.ts), so a row group of any size costs its pages, not its rows, and
 * the pages held at once are kept under PARQUET_MAX_PAGE_BYTES (docs/sources.md states the
 * bound). Nested columns and other codecs go through hyparquet's scan (parquet-cursor.ts).
 * INT64 values arrive as bigint and timestamps as Date; the statistics and timestamp parsing
 * accept both.
 */
import { open } from 'node:fs/promises';
import { parquetMetadataAsync, parquetScan, parquetSchema, type AsyncBuffer, type FileMetaData, type ParquetScanOptions, type RowGroup, type SchemaTree } from 'hyparquet';
import { DEFAULT_PARSERS } from 'hyparquet/src/convert.js';
import { getTreePath } from 'hyparquet/src/schema.js';
import { AlertigerError } from '../errors.js';
import { ColumnarBatch } from './columnar.js';
import type { ParseOptions } from './jsonl.js';
import { ColumnCursor, type ReadRows, type Values } from './parquet-cursor.js';
import { Bytes, PageBudget, PageBudgetError, PageColumn, STREAMED_CODECS, type ColumnBuffers, type HeldPages, type PageFile } from './parquet-page.js';
import { groupPageLocations, type PageLocation } from './parquet-pages.js';
import type { RowBatch } from './types.js';

/** Rows per batch: the statistics stage 512 at a time, so larger slices buy nothing. */
export const PARQUET_SLICE_ROWS = 8192;

/** Reads one column of a row group in consecutive row slices. */
interface ColumnSlices {
  take(rowStart: number, rowEnd: number): Promise<Values>;
  held?(): HeldPages;
}

/** For tests and the bench: the bound, and what the reader holds after each slice. */
export interface ParquetReadLimits {
  /** Page memory held at once (PARQUET_MAX_PAGE_BYTES by default). */
  maxPageBytes?: number;
  watch?: (held: HeldPages) => void;
}

export async function* readParquet(file: PageFile, name: string, options: ParseOptions, limits: ParquetReadLimits = {}): AsyncGenerator<RowBatch> {
  let metadata: FileMetaData;
  let tree: SchemaTree;
  let columns: string[];
  try {
    metadata = await parquetMetadataAsync(file);
    tree = parquetSchema(metadata);
    columns = tree.children.map((c) => c.element.name);
  } catch (err) {
    throw new AlertigerError('SourceInvalid', `${name} is not a readable Parquet file`, { cause: err });
  }
  // Page memory, reused by every page of every row group (parquet-page.ts).
  const budget = new PageBudget(limits.maxPageBytes);
  const buffers: ColumnBuffers[] = columns.map((c) => ({ page: new Bytes(budget, `a page of column "${c}"`), levels: new Bytes(budget, `the levels of column "${c}"`) }));
  const scratch = new Bytes(budget, 'a compressed page');
  let groupStart = 0;
  for (let g = 0; g < metadata.row_groups.length; g++) {
    const group = metadata.row_groups[g];
    const rows = Number(group.num_rows);
    let cursors: ColumnSlices[];
    try {
      const pages = await groupPageLocations(file, metadata, group);
      const reader = groupReader(file, metadata, group, pages);
      cursors = columns.map((column, j) => pageColumn({ file, tree, group, column, pages: pages[column], buffers: buffers[j], scratch })
        ?? new ColumnCursor(reader(column), pageStarts(pages[column]), rows));
    } catch (err) {
      throw new AlertigerError('SourceInvalid', `${name}: cannot read the pages of row group ${g + 1} of the Parquet file`, { cause: err });
    }
    for (let rowStart = 0; rowStart < rows; rowStart += PARQUET_SLICE_ROWS) {
      const rowEnd = Math.min(rows, rowStart + PARQUET_SLICE_ROWS);
      const data: Values[] = [];
      try {
        for (const cursor of cursors) data.push(await cursor.take(rowStart, rowEnd));
      } catch (err) {
        const why = err instanceof PageBudgetError ? `: ${err.message}` : '';
        throw new AlertigerError('SourceInvalid', `${name}: cannot read rows ${groupStart + rowStart + 1}-${groupStart + rowEnd} of the Parquet file${why}`, { cause: err });
      }
      if (limits.watch !== undefined) limits.watch(heldBy(cursors));
      yield new ColumnarBatch({ names: columns, data, length: rowEnd - rowStart, firstLine: groupStart + rowStart + 1, file: options.file }, options.timestamp);
    }
    groupStart += rows;
  }
}

/**
 * A flat column whose pages are known, in a codec decoded here: streamed from its page bytes
 * (parquet-page.ts); undefined for any other, read by hyparquet's scan a page at a time.
 */
function pageColumn(options: { file: PageFile; tree: SchemaTree; group: RowGroup; column: string; pages: PageLocation[] | undefined; buffers: ColumnBuffers; scratch: Bytes }): PageColumn | undefined {
  const { file, tree, group, column, pages, buffers, scratch } = options;
  const meta = group.columns.find((c) => c.meta_data?.path_in_schema.length === 1 && c.meta_data.path_in_schema[0] === column)?.meta_data;
  if (meta === undefined || pages === undefined || !STREAMED_CODECS.has(meta.codec)) return undefined;
  const schemaPath = getTreePath(tree, [column]);
  const decoder = { pathInSchema: meta.path_in_schema, type: meta.type, codec: meta.codec, element: schemaPath[schemaPath.length - 1].element, schemaPath, parsers: DEFAULT_PARSERS };
  // A chunk starts at its dictionary page when it has one (an offset of 0 is a writer's "none").
  const chunkStart = Number(meta.dictionary_page_offset || meta.data_page_offset);
  return new PageColumn({ file, decoder, pages, rows: Number(group.num_rows), chunkStart, buffers, scratch });
}

function heldBy(cursors: ColumnSlices[]): HeldPages {
  const held = { pages: 0, bytes: 0 };
  for (const cursor of cursors) {
    const h = cursor.held?.();
    if (h !== undefined) {
      held.pages += h.pages;
      held.bytes += h.bytes;
    }
  }
  return held;
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

/**
 * An AsyncBuffer over one open file handle (hyparquet's own opens a stream per slice), which also
 * reads into a buffer of the caller's, so page reads allocate nothing.
 */
export async function fileAsyncBuffer(path: string): Promise<PageFile & { close(): Promise<void> }> {
  const handle = await open(path, 'r');
  const { size } = await handle.stat();
  const readInto = async (start: number, target: Uint8Array): Promise<number> => {
    let done = 0;
    while (done < target.length) {
      const { bytesRead } = await handle.read(target, done, target.length - done, start + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  };
  return {
    byteLength: size,
    async slice(start: number, end: number = size): Promise<ArrayBuffer> {
      const bytes = new Uint8Array(Math.max(0, end - start));
      await readInto(start, bytes);
      return bytes.buffer;
    },
    async readInto(start: number, target: Uint8Array): Promise<void> {
      const done = await readInto(start, target);
      if (done < target.length) throw new Error(`the file ends at byte ${start + done}, before byte ${start + target.length}`);
    },
    close: () => handle.close(),
  };
}

/**
 * Where each data page of a Parquet row group starts: the unit a bounded read decodes.
 *
 * From the offset index when the writer wrote one (hyparquet-writer, parquet-mr, DuckDB); else
 * (pyarrow's default) by reading the page headers one after another, a few KB each, without the
 * page data. A column whose pages cannot be told apart this way (a nested column, whose page
 * value counts are not row counts) gets none and is read a row group at a time.
 */
import { readOffsetIndex, type AsyncBuffer, type FileMetaData, type OffsetIndex, type RowGroup } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';

export type PageLocation = OffsetIndex['page_locations'][number];

/** Bytes read for one page header; a header that does not fit is read again with more. */
const HEADER_BYTES = 4096;
const MAX_HEADER_BYTES = 1 << 20;

/**
 * The data pages of each flat column of one row group, keyed by column name, in the offset
 * index's form (first row relative to the group, byte offset and size with the header).
 */
export async function groupPageLocations(file: AsyncBuffer, metadata: FileMetaData, group: RowGroup): Promise<Record<string, PageLocation[]>> {
  const flat = flatColumns(metadata);
  const out: Record<string, PageLocation[]> = {};
  for (const chunk of group.columns) {
    const meta = chunk.meta_data;
    if (meta === undefined || meta.path_in_schema.length !== 1 || !flat.has(meta.path_in_schema[0])) continue;
    const name = meta.path_in_schema[0];
    let pages: PageLocation[] | undefined;
    if (chunk.offset_index_offset !== undefined && chunk.offset_index_length !== undefined) {
      const start = Number(chunk.offset_index_offset);
      const bytes = await file.slice(start, start + chunk.offset_index_length);
      pages = readOffsetIndex({ view: new DataView(bytes), offset: 0 }).page_locations;
    } else {
      const start = Number(meta.dictionary_page_offset || meta.data_page_offset); // 0: a writer's "none"
      pages = await scanPageHeaders(file, start, start + Number(meta.total_compressed_size), Number(group.num_rows));
    }
    if (pages.length > 0 && covers(pages, Number(group.num_rows))) out[name] = pages;
  }
  return out;
}

/** Top-level columns that are neither nested nor repeated: one value per row in every page. */
function flatColumns(metadata: FileMetaData): Set<string> {
  const names = new Set<string>();
  const schema = metadata.schema;
  // schema[0] is the root; a child with num_children is a group (nested), skipped with its subtree.
  let i = 1;
  while (i < schema.length) {
    const element = schema[i];
    if (!element.num_children && element.repetition_type !== 'REPEATED') names.add(element.name);
    i += 1 + subtreeSize(schema, i);
  }
  return names;
}

function subtreeSize(schema: FileMetaData['schema'], at: number): number {
  let size = 0;
  for (let k = 0; k < (schema[at].num_children ?? 0); k++) size += 1 + subtreeSize(schema, at + 1 + size);
  return size;
}

/** Page locations read from the page headers of the column chunk [start, end). */
export async function scanPageHeaders(file: AsyncBuffer, start: number, end: number, rows: number): Promise<PageLocation[]> {
  const pages: PageLocation[] = [];
  let offset = start;
  let row = 0;
  while (offset < end && row < rows) {
    const { header, length } = await readHeader(file, offset, end);
    const size = length + header.compressed_page_size;
    if (header.compressed_page_size < 0 || offset + size > end) throw new Error(`page header at byte ${offset} runs past its column chunk`);
    const count = header.type === 'DATA_PAGE' ? header.data_page_header?.num_values
      : header.type === 'DATA_PAGE_V2' ? header.data_page_header_v2?.num_rows : undefined;
    if (count !== undefined) {
      pages.push({ offset: BigInt(offset), compressed_page_size: size, first_row_index: BigInt(row) });
      row += count;
    }
    offset += size;
  }
  return pages;
}

async function readHeader(file: AsyncBuffer, offset: number, end: number): Promise<{ header: ReturnType<typeof parquetHeader>; length: number }> {
  for (let want = HEADER_BYTES; ; want *= 4) {
    const bytes = await file.slice(offset, Math.min(end, offset + want));
    const reader = { view: new DataView(bytes), offset: 0 };
    try {
      return { header: parquetHeader(reader), length: reader.offset };
    } catch (err) {
      // A header cut off by the read window reads past the view; a longer read fixes that.
      if (!(err instanceof RangeError) || offset + want >= end || want >= MAX_HEADER_BYTES) throw err;
    }
  }
}

/** Pages that start at row 0 and go up: a layout a read can trust. */
function covers(pages: PageLocation[], rows: number): boolean {
  if (Number(pages[0].first_row_index) !== 0) return false;
  for (let i = 1; i < pages.length; i++) {
    const first = Number(pages[i].first_row_index);
    if (first <= Number(pages[i - 1].first_row_index) || first >= rows) return false;
  }
  return true;
}

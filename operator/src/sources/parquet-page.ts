/**
 * One flat column of a Parquet row group, read a page at a time: the reader holds the column's
 * current page as its decompressed bytes, and each slice is decoded from them when it is asked
 * for (parquet-decode.ts). A column costs one page buffer (for doubles 8 bytes a value, as a
 * decoded page would), reused by its next page and by the next row group, and the compressed
 * bytes are read into one buffer the columns share; so turning pages allocates nothing, and the
 * garbage is the slices handed on. (Decoding whole pages with hyparquet left, per page, the
 * compressed and decompressed bytes, an array of definition levels, the values and the values
 * with nulls in place, several MB; with 57 columns turning pages on the same rows, ~90 MB of
 * garbage outside V8's heap at the peak, which is what put one large row group at 1.5-1.7x
 * JSONL's peak RSS; docs/sources.md.) The page buffers are kept under a bound, PageBudget.
 */
import type { AsyncBuffer, DecodedArray, PageHeader } from 'hyparquet';
import { parquetHeader, readPage } from 'hyparquet/src/column.js';
import { convert } from 'hyparquet/src/convert.js';
import type { Values } from './parquet-cursor.js';
import { concat } from './parquet-cursor.js';
import { openPage, readerOf, type PageSlicer } from './parquet-decode.js';
import type { PageLocation } from './parquet-pages.js';

export type ColumnDecoder = Parameters<typeof readPage>[2];

/** What the reader holds right now, for the bound's test and the bench. */
export interface HeldPages {
  /** Pages held (at most one a column; a used-up page is held until the next is read). */
  pages: number;
  /** Their bytes, as held (decompressed), plus the raw dictionary pages. */
  bytes: number;
}

/** Codecs decoded here; a column chunk in any other is read by hyparquet's scan. */
export const STREAMED_CODECS: ReadonlySet<string> = new Set(['UNCOMPRESSED', 'SNAPPY']);

export interface PageColumnOptions {
  file: PageFile;
  decoder: ColumnDecoder;
  /** The chunk's data pages: first row (group-relative), byte offset and size with the header. */
  pages: readonly PageLocation[];
  /** Rows in the row group. */
  rows: number;
  /** Byte offset of the column chunk: a dictionary page, when there is one, lies before pages[0]. */
  chunkStart: number;
  /** The column's page bytes, reused from page to page and from row group to row group. */
  buffers: ColumnBuffers;
  /** Where a page's compressed bytes are read, shared by the columns (read one at a time). */
  scratch: Bytes;
}

/** An AsyncBuffer that can also read into a buffer of the caller's (fileAsyncBuffer). */
export type PageFile = AsyncBuffer & { readInto?(start: number, target: Uint8Array): Promise<void> };

/**
 * The most page memory one read holds at once: every column's page buffers and the read buffer.
 * Under the chart's default job limit of 1 Gi it leaves room for the statistics (docs/sources.md).
 */
export const PARQUET_MAX_PAGE_BYTES = 384 * 2 ** 20;

/** A file whose pages would take more than the bound: refused, rather than the job killed. */
export class PageBudgetError extends Error {}

/** The page memory of one read, against its bound. */
export class PageBudget {
  private used = 0;

  constructor(readonly limit: number = PARQUET_MAX_PAGE_BYTES) {}

  grow(by: number, what: string): void {
    if (this.used + by > this.limit) {
      throw new PageBudgetError(`${what} would take the pages held at once to ${mb(this.used + by)} MB, over the reader's bound of ` +
        `${mb(this.limit)} MB (each column holds its largest page): write the file with smaller pages (pyarrow data_page_size, ` +
        'Spark parquet.page.size) or fewer columns');
    }
    this.used += by;
  }
}

function mb(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 2 : 0);
}

/** A growable byte buffer: each page is decoded into the same memory, so pages leave no garbage. */
export class Bytes {
  private buffer = new Uint8Array(0);

  /** @param what names the buffer in the budget's error ("column x's pages") */
  constructor(private readonly budget?: PageBudget, private readonly what = 'a page') {}

  /** n bytes of the buffer, grown if needed (the old contents are not kept). */
  get(n: number): Uint8Array {
    if (this.buffer.length < n) {
      const size = Math.max(n, Math.ceil(this.buffer.length * 1.25));
      this.budget?.grow(size - this.buffer.length, `${this.what} (${n} bytes)`);
      this.buffer = new Uint8Array(size);
    }
    return this.buffer.subarray(0, n);
  }

  get capacity(): number {
    return this.buffer.length;
  }
}

export interface ColumnBuffers {
  /** The decompressed page (values, and in v1 pages the levels before them). */
  page: Bytes;
  /** The definition levels of a v2 page (stored apart from the compressed values). */
  levels: Bytes;
}

/** Hands out consecutive row slices of one flat column, one page held at a time. */
export class PageColumn {
  private row = 0;
  private next = 0;
  private page: PageSlicer | undefined;
  private dictionary: DecodedArray | undefined;
  private dictionaryBytes = 0;
  private dictionaryRead = false;

  constructor(private readonly options: PageColumnOptions) {}

  /** Values of group-relative rows [rowStart, rowEnd); slices must follow one another. */
  async take(rowStart: number, rowEnd: number): Promise<Values> {
    if (rowStart !== this.row) throw new Error(`rows are read in order: asked for row ${rowStart + 1}, the next is ${this.row + 1}`);
    if (rowEnd > this.options.rows) throw new Error(`row ${rowEnd} is past the row group's ${this.options.rows} rows`);
    const pieces: Values[] = [];
    while (this.row < rowEnd) {
      if (this.page === undefined || this.page.left === 0) {
        this.page = undefined; // let the used-up page go before the next is read
        this.page = await this.load();
      }
      const n = Math.min(rowEnd - this.row, this.page.left);
      pieces.push(this.page.take(n));
      this.row += n;
    }
    return pieces.length === 1 ? pieces[0] : concat(pieces);
  }

  held(): HeldPages {
    const { page, levels } = this.options.buffers;
    return { pages: this.page !== undefined ? 1 : 0, bytes: page.capacity + levels.capacity + this.dictionaryBytes };
  }

  private async load(): Promise<PageSlicer> {
    const { file, pages, rows } = this.options;
    if (this.next >= pages.length) throw new Error(`row ${this.row + 1} is past the column's last page`);
    if (!this.dictionaryRead) await this.readDictionary();
    const location = pages[this.next];
    const first = Number(location.first_row_index);
    const pageRows = (this.next + 1 < pages.length ? Number(pages[this.next + 1].first_row_index) : rows) - first;
    const bytes = this.options.scratch.get(location.compressed_page_size);
    await readInto(file, Number(location.offset), bytes);
    const { header, body } = pageOf(bytes, Number(location.offset));
    this.next++;
    return openPage({ header, body, rows: pageRows, decoder: this.options.decoder, dictionary: this.dictionary, buffers: this.options.buffers });
  }

  /** The dictionary page, read as hyparquet reads it (decoded, then converted). */
  private async readDictionary(): Promise<void> {
    this.dictionaryRead = true;
    const { file, pages, chunkStart, decoder } = this.options;
    const end = Number(pages[0].offset);
    if (chunkStart >= end) return;
    const { header, body } = pageOf(new Uint8Array(await file.slice(chunkStart, end)), chunkStart);
    if (header.type !== 'DICTIONARY_PAGE') return;
    const { data } = readPage(readerOf(body), header, decoder, undefined, undefined, 0);
    if (data !== undefined) this.dictionary = convert(data, decoder);
    this.dictionaryBytes = header.uncompressed_page_size;
  }
}

async function readInto(file: PageFile, offset: number, target: Uint8Array): Promise<void> {
  if (file.readInto !== undefined) await file.readInto(offset, target);
  else target.set(new Uint8Array(await file.slice(offset, offset + target.length)));
}

/** One page's header and its (still compressed) body. */
function pageOf(bytes: Uint8Array, offset: number): { header: PageHeader; body: Uint8Array } {
  const reader = readerOf(bytes);
  const header = parquetHeader(reader);
  const body = bytes.subarray(reader.offset, reader.offset + header.compressed_page_size);
  if (body.length !== header.compressed_page_size) throw new Error(`the page at byte ${offset} runs past its ${bytes.length} bytes`);
  return { header, body };
}


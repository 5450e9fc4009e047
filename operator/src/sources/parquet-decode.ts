/**
 * One Parquet data page decoded slice by slice (parquet-page.ts reads the pages): the page's
 * decompressed bytes are kept, and each slice's values are decoded from them when it is read,
 * the RLE / bit-packed runs (definition levels, dictionary indices) carried over between slices.
 *
 * Streamed: PLAIN and dictionary-encoded values (and RLE booleans), definition levels, data
 * pages v1 and v2, uncompressed or Snappy. Any other page (a DELTA or BYTE_STREAM_SPLIT encoding,
 * say) is decoded whole by hyparquet and handed on in slices. Values are converted with
 * hyparquet's own `convert`, so every value equals what hyparquet returns for the whole file.
 */
import { snappyUncompress, type DataReader, type DecodedArray, type PageHeader } from 'hyparquet';
import { readPage } from 'hyparquet/src/column.js';
import { convert } from 'hyparquet/src/convert.js';
import { readPlain } from 'hyparquet/src/plain.js';
import type { Values } from './parquet-cursor.js';
import type { Bytes, ColumnBuffers, ColumnDecoder } from './parquet-page.js';

export function readerOf(bytes: Uint8Array, offset = 0): DataReader {
  return { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset };
}

/** The rows of one page not yet handed on. */
export interface PageSlicer {
  left: number;
  /** The next n rows (n <= left). */
  take(n: number): Values;
}

/** A page read: its header, its body (in the shared scratch buffer) and where to decode it. */
export interface PageInput {
  header: PageHeader;
  body: Uint8Array;
  rows: number;
  decoder: ColumnDecoder;
  dictionary: DecodedArray | undefined;
  buffers: ColumnBuffers;
}

/** One page, handed on in slices: streamed when its layout allows, else decoded whole by hyparquet. */
export function openPage(input: PageInput): PageSlicer {
  const streamed = streamedPage(input);
  if (streamed !== undefined) return streamed;
  // Any other page: hyparquet decodes it whole, nulls in place, from a copy of its own (its
  // values may be views of the bytes, and the scratch buffer is reused).
  const { header, body, rows, decoder, dictionary } = input;
  const { data } = readPage(readerOf(body.slice()), header, decoder, dictionary, undefined, 0);
  if (data === undefined || data.length !== rows) throw new Error(`a page of ${rows} rows decoded to ${data?.length ?? 0} values`);
  return new DecodedSlicer(data);
}

class DecodedSlicer implements PageSlicer {
  left: number;
  private at = 0;

  constructor(private readonly data: DecodedArray) {
    this.left = data.length;
  }

  take(n: number): Values {
    const out = this.data.slice(this.at, this.at + n);
    this.at += n;
    this.left -= n;
    return out;
  }
}

/** A page decoded here, or undefined when its layout is one hyparquet must decode. */
function streamedPage({ header, body, rows, decoder, dictionary, buffers }: PageInput): PageSlicer | undefined {
  const maxDefinition = decoder.schemaPath.slice(1).filter((s) => s.element.repetition_type !== 'REQUIRED').length;
  const width = 32 - Math.clz32(maxDefinition);
  if (header.type === 'DATA_PAGE' && header.data_page_header !== undefined) {
    const { num_values: count, encoding } = header.data_page_header;
    if (count !== rows) throw new Error(`a page of ${rows} rows (offset index) holds ${count} values`);
    const page = uncompress(body, header.uncompressed_page_size, decoder, buffers.page);
    let offset = 0;
    let levels: Hybrid | undefined;
    if (maxDefinition > 0) {
      const length = readerOf(page).view.getUint32(0, true);
      levels = new Hybrid(page, 4, 4 + length, width);
      offset = 4 + length;
    }
    const values = valueReader(page, offset, encoding, decoder, dictionary);
    return values === undefined ? undefined : new StreamedSlicer(rows, maxDefinition, levels, values);
  }
  if (header.type === 'DATA_PAGE_V2' && header.data_page_header_v2 !== undefined) {
    const v2 = header.data_page_header_v2;
    if (v2.num_rows !== rows || v2.num_values !== rows) throw new Error(`a page of ${rows} rows (offset index) holds ${v2.num_rows} rows`);
    const repetition = v2.repetition_levels_byte_length;
    const definition = v2.definition_levels_byte_length;
    // The levels are never compressed; copied out, as the body is in the shared scratch buffer.
    let levels: Hybrid | undefined;
    if (maxDefinition > 0) {
      const bytes = buffers.levels.get(definition);
      bytes.set(body.subarray(repetition, repetition + definition));
      levels = new Hybrid(bytes, 0, definition, width);
    }
    const raw = body.subarray(repetition + definition);
    const page = v2.is_compressed === false ? copyInto(raw, buffers.page) : uncompress(raw, header.uncompressed_page_size - repetition - definition, decoder, buffers.page);
    const values = valueReader(page, 0, v2.encoding, decoder, dictionary, true);
    return values === undefined ? undefined : new StreamedSlicer(rows, maxDefinition, levels, values);
  }
  return undefined;
}

/** The page's bytes, decompressed into the column's page buffer. */
function uncompress(body: Uint8Array, size: number, decoder: ColumnDecoder, into: Bytes): Uint8Array {
  if (decoder.codec === 'UNCOMPRESSED') {
    if (body.length !== size) throw new Error(`an uncompressed page of ${body.length} bytes says it has ${size}`);
    return copyInto(body, into);
  }
  if (decoder.codec !== 'SNAPPY') throw new Error(`codec ${decoder.codec} is not streamed`);
  const page = into.get(size);
  snappyUncompress(body, page);
  return page;
}

function copyInto(bytes: Uint8Array, into: Bytes): Uint8Array {
  const page = into.get(bytes.length);
  page.set(bytes);
  return page;
}

/** Reads the next k present (non-null) values of a page, converted. */
type ValueReader = (k: number) => Values;

function valueReader(page: Uint8Array, offset: number, encoding: string, decoder: ColumnDecoder, dictionary: DecodedArray | undefined, v2 = false): ValueReader | undefined {
  const { type } = decoder;
  if (encoding === 'PLAIN' && type === 'BOOLEAN') return plainBooleans(page, offset, decoder);
  if (encoding === 'PLAIN') {
    const reader = readerOf(page, offset);
    return (k) => (k === 0 ? [] : detach(convert(readPlain(reader, type, k, decoder.element.type_length), decoder), page.buffer));
  }
  if (encoding === 'RLE' && type === 'BOOLEAN') {
    // Booleans are prefixed by their byte length, in v1 and v2 pages alike.
    const length = readerOf(page).view.getUint32(offset, true);
    const bits = new Hybrid(page, offset + 4, offset + 4 + length, 1);
    return (k) => convert(Array.from(bits.read(k), (b) => b !== 0), decoder);
  }
  if ((encoding === 'PLAIN_DICTIONARY' || encoding === 'RLE_DICTIONARY') && (v2 || type !== 'BOOLEAN')) {
    if (dictionary === undefined) throw new Error('a dictionary-encoded page without a dictionary page');
    const indices = new Hybrid(page, offset + 1, page.byteLength, page[offset]);
    return (k) => lookUp(dictionary, indices.read(k));
  }
  return undefined;
}

/**
 * Values that share no memory with the page buffer, which the next page overwrites: readPlain
 * hands out views of it (aligned numbers, byte arrays that no conversion turns into strings).
 */
function detach(values: DecodedArray, page: ArrayBufferLike): Values {
  if (ArrayBuffer.isView(values)) return values.buffer === page ? values.slice() : values;
  if (values.length === 0 || !(values[0] instanceof Uint8Array)) return values;
  return values.map((v: unknown) => (v instanceof Uint8Array && v.buffer === page ? v.slice() : v));
}

/** Dictionary values at the indices: doubles stay a Float64Array, anything else an array. */
function lookUp(dictionary: DecodedArray, indices: Int32Array): Values {
  const out: DecodedArray = dictionary instanceof Float64Array ? new Float64Array(indices.length) : new Array<unknown>(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = dictionary[indices[i]];
  return out;
}

function plainBooleans(page: Uint8Array, offset: number, decoder: ColumnDecoder): ValueReader {
  let bit = offset * 8;
  return (k) => {
    const out = new Array<boolean>(k);
    for (let i = 0; i < k; i++, bit++) out[i] = (page[bit >>> 3] & (1 << (bit & 7))) !== 0;
    return convert(out, decoder);
  };
}

/** Rows of a streamed page: definition levels say which rows have a value, nulls go in place. */
class StreamedSlicer implements PageSlicer {
  constructor(public left: number, private readonly maxDefinition: number,
    private readonly levels: Hybrid | undefined, private readonly values: ValueReader) {}

  take(n: number): Values {
    this.left -= n;
    if (this.levels === undefined) return this.values(n);
    const levels = this.levels.read(n);
    let present = 0;
    for (let i = 0; i < n; i++) if (levels[i] === this.maxDefinition) present++;
    const values = this.values(present);
    if (present === n) return values;
    const out = new Array<unknown>(n);
    for (let i = 0, k = 0; i < n; i++) out[i] = levels[i] === this.maxDefinition ? values[k++] : null;
    return out;
  }
}

/**
 * Parquet's RLE / bit-packed hybrid encoding (definition levels, dictionary indices, booleans)
 * read forward in pieces: a run may span the pieces, so its state is kept between reads.
 */
export class Hybrid {
  private offset: number;
  private repeat = 0;
  private value = 0;
  private packed = 0;
  private bit = 0;
  private out = new Int32Array(0);

  constructor(private readonly bytes: Uint8Array, start: number, private readonly end: number, private readonly width: number) {
    if (width > 32) throw new Error(`bit width ${width} is over 32`);
    this.offset = start;
  }

  /** The next n values, in a buffer reused by the next read. */
  read(n: number): Int32Array {
    if (this.out.length < n) this.out = new Int32Array(Math.max(n, 2 * this.out.length));
    const out = this.out.subarray(0, n);
    let i = 0;
    while (i < n) {
      if (this.repeat > 0) {
        const m = Math.min(this.repeat, n - i);
        out.fill(this.value, i, i + m);
        this.repeat -= m;
        i += m;
      } else if (this.packed > 0) {
        const m = Math.min(this.packed, n - i);
        for (let j = 0; j < m; j++) out[i + j] = this.unpack();
        this.packed -= m;
        i += m;
      } else if (this.width === 0) {
        out.fill(0, i);
        i = n;
      } else {
        this.nextRun();
      }
    }
    return out;
  }

  private nextRun(): void {
    if (this.offset >= this.end) throw new Error('an RLE / bit-packed run goes past the end of its page');
    let header = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = this.bytes[this.offset++];
      header += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) break;
    }
    if (header % 2 === 1) {
      const groups = Math.floor(header / 2);
      this.packed = groups * 8;
      this.bit = this.offset * 8;
      this.offset += groups * this.width;
    } else {
      this.repeat = header / 2;
      let value = 0;
      for (let b = 0; b < (this.width + 7) >> 3; b++) value += this.bytes[this.offset++] * 2 ** (8 * b);
      this.value = value;
    }
  }

  /** One bit-packed value: `width` bits, least significant first. */
  private unpack(): number {
    let value = 0;
    for (let got = 0; got < this.width;) {
      const shift = this.bit & 7;
      const take = Math.min(8 - shift, this.width - got);
      value += ((this.bytes[this.bit >>> 3] >>> shift) & ((1 << take) - 1)) * 2 ** got;
      got += take;
      this.bit += take;
    }
    return value;
  }
}

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetReadObjects, parquetSchema, type CompressionCodec, type DecodedArray, type FileMetaData, type PageHeader } from 'hyparquet';
import { readPage } from 'hyparquet/src/column.js';
import { DEFAULT_PARSERS } from 'hyparquet/src/convert.js';
import { readRleBitPackedHybrid } from 'hyparquet/src/encoding.js';
import { ByteWriter, parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js';
import { writePlain } from 'hyparquet-writer/src/plain.js';
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';
import { AlertigerError } from '../../../operator/src/errors.js';
import { xorshift32 } from '../../../operator/src/random.js';
import { Hybrid, openPage } from '../../../operator/src/sources/parquet-decode.js';
import { Bytes, type ColumnDecoder, type HeldPages } from '../../../operator/src/sources/parquet-page.js';
import { fileAsyncBuffer, readParquet } from '../../../operator/src/sources/parquet.js';

const rng = xorshift32(11);
const pick = <T>(values: T[]): T => values[Math.floor(rng.next() * values.length)];

/** Columns of every physical type a log may hold, some with nulls, some in encodings only hyparquet decodes. */
function typedColumns(rows: number): ColumnSource[] {
  const column = (name: string, type: ColumnSource['type'], make: (r: number) => unknown, more: Partial<ColumnSource> = {}): ColumnSource =>
    ({ name, type, data: Array.from({ length: rows }, (_, r) => make(r)), nullable: true, ...more });
  const maybe = <T>(value: T): T | null => (rng.next() < 0.2 ? null : value);
  return [
    column('double', 'DOUBLE', () => maybe(rng.next() * 100)),
    column('float', 'FLOAT', () => Math.fround(rng.next())),
    column('int32', 'INT32', () => maybe(Math.floor(rng.next() * 1000) - 500)),
    column('int64', 'INT64', () => maybe(BigInt(Math.floor(rng.next() * 1e9)))),
    column('flag', 'BOOLEAN', () => maybe(rng.next() < 0.3)),
    column('flagRle', 'BOOLEAN', () => rng.next() < 0.5, { encoding: 'RLE', nullable: false }),
    column('when', 'TIMESTAMP', (r) => maybe(new Date(1_767_225_600_000 + r * 1000))),
    column('country', 'STRING', () => maybe(pick(['us', 'de', 'fr', 'in', 'br']))),
    column('text', 'STRING', (r) => `row ${r} ${rng.next().toString(36)}`, { encoding: 'PLAIN' }),
    column('delta', 'INT32', (r) => r * 3, { encoding: 'DELTA_BINARY_PACKED', nullable: false }),
    column('split', 'DOUBLE', () => rng.next(), { encoding: 'BYTE_STREAM_SPLIT', nullable: false }),
  ];
}

async function readAll(path: string, maxPageBytes?: number): Promise<{ rows: Record<string, unknown>[]; held: HeldPages[] }> {
  const file = await fileAsyncBuffer(path);
  const rows: Record<string, unknown>[] = [];
  const held: HeldPages[] = [];
  try {
    for await (const batch of readParquet(file, path, {}, { maxPageBytes, watch: (h) => held.push(h) })) rows.push(...batch.rows.map((r) => r.fields));
  } finally {
    await file.close();
  }
  return { rows, held };
}

describe('PageColumn', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'alertiger-parquet-page-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const layouts: [string, { codec: CompressionCodec; rowGroupSize: number; pageSize: number }][] = [
    ['Snappy, one row group, 4 KB pages', { codec: 'SNAPPY', rowGroupSize: 12_000, pageSize: 4096 }],
    ['uncompressed, row groups of 5,000 rows, 4 KB pages', { codec: 'UNCOMPRESSED', rowGroupSize: 5000, pageSize: 4096 }],
    ['Snappy, one page per column chunk', { codec: 'SNAPPY', rowGroupSize: 12_000, pageSize: 1 << 30 }],
  ];
  for (const [label, layout] of layouts) {
    it(`reads every type and encoding as hyparquet does (${label})`, async () => {
      const path = join(dir, `${label.replace(/\W+/g, '-')}.parquet`);
      writeFileSync(path, Buffer.from(parquetWriteBuffer({ columnData: typedColumns(12_000), ...layout })));
      const { rows, held } = await readAll(path);
      const whole = await parquetReadObjects({ file: new Uint8Array(readFileSync(path)).buffer });
      assert.equal(rows.length, 12_000);
      assert.deepEqual(rows, whole);
      // Every column was read by the streaming reader (none fell back to hyparquet's scan).
      assert.ok(held.some((h) => h.pages === 11), `pages held per slice: ${held.map((h) => h.pages).join(', ')}`);
    });
  }

  it('holds one page a column however many rows the row group has', async () => {
    const columns = (rows: number): ColumnSource[] => typedColumns(rows).slice(0, 8);
    const held: Record<string, number> = {};
    for (const rows of [20_000, 100_000]) {
      const path = join(dir, `bound-${rows}.parquet`);
      writeFileSync(path, Buffer.from(parquetWriteBuffer({ columnData: columns(rows), rowGroupSize: rows, pageSize: 8192 })));
      const read = await readAll(path);
      assert.equal(read.rows.length, rows);
      held[rows] = Math.max(...read.held.map((h) => h.bytes));
      assert.equal(Math.max(...read.held.map((h) => h.pages)), 8, 'every column is streamed, one page each');
    }
    // 8 columns of 8 KB pages (some a little over, plus a dictionary): well under 160 KB, against
    // the 100,000-row group's ~3 MB of column chunks if chunks were held whole. Five times the
    // rows may hold a little more (at 20,000 rows some chunks are smaller than a page), not 5x.
    assert.ok(held[100_000] < 8 * 20 * 1024, `held ${held[100_000]} bytes`);
    assert.ok(held[100_000] <= 1.6 * held[20_000], `held ${held[20_000]} bytes for 20,000 rows, ${held[100_000]} for 100,000`);
  });

  it('refuses, naming the cause, a file whose pages would take more than the bound', async () => {
    const path = join(dir, 'large-pages.parquet');
    writeFileSync(path, Buffer.from(parquetWriteBuffer({ columnData: typedColumns(20_000).slice(0, 4), rowGroupSize: 20_000, pageSize: 1 << 30 })));
    // One page per column chunk: 20,000 doubles alone are 160 KB, over a bound of 100 KB.
    await assert.rejects(readAll(path, 100 * 1024), (err: unknown) => {
      assert.ok(err instanceof AlertigerError);
      assert.equal(err.code, 'SourceInvalid');
      assert.match(err.message, /large-pages\.parquet: cannot read rows 1-8192 .*over the reader's bound of 0\.10 MB .*smaller pages/);
      return true;
    });
    assert.equal((await readAll(path, 2 * 2 ** 20)).rows.length, 20_000);
  });
});

/** A flat column's decoder, as hyparquet builds it for a column of this type. */
function decoderOf(type: 'DOUBLE' | 'INT32' | 'BOOLEAN' | 'BYTE_ARRAY', nullable: boolean, codec: CompressionCodec): ColumnDecoder {
  const tree = parquetSchema({ schema: [{ name: 'root', num_children: 1 }, { name: 'x', type, repetition_type: nullable ? 'OPTIONAL' : 'REQUIRED', converted_type: type === 'BYTE_ARRAY' ? 'UTF8' : undefined }] } as FileMetaData);
  const schemaPath = [tree, tree.children[0]];
  return { pathInSchema: ['x'], type, codec, element: tree.children[0].element, schemaPath, parsers: DEFAULT_PARSERS };
}

/** A v1 data page (the layout of pyarrow's default), which hyparquet-writer does not write. */
function v1Page(values: unknown[], type: string, encoding: 'PLAIN' | 'RLE_DICTIONARY' | 'RLE', nullable: boolean, codec: CompressionCodec): { header: PageHeader; body: Uint8Array } {
  const page = new ByteWriter();
  if (nullable) {
    const levels = new ByteWriter();
    writeRleBitPackedHybrid(levels, values.map((v) => (v === null ? 0 : 1)), 1);
    page.appendUint32(levels.offset);
    page.appendBytes(levels.getBytes());
  }
  const present = values.filter((v) => v !== null) as DecodedArray;
  if (encoding === 'PLAIN') writePlain(page, present, type as 'DOUBLE', undefined);
  else if (encoding === 'RLE') {
    const bits = new ByteWriter();
    writeRleBitPackedHybrid(bits, (present as boolean[]).map((b) => (b ? 1 : 0)), 1);
    page.appendUint32(bits.offset);
    page.appendBytes(bits.getBytes());
  } else {
    page.appendUint8(3);
    writeRleBitPackedHybrid(page, present, 3);
  }
  const bytes = page.getBytes();
  const body = codec === 'SNAPPY' ? snappyCompress(bytes) : bytes;
  const header: PageHeader = {
    type: 'DATA_PAGE', uncompressed_page_size: bytes.length, compressed_page_size: body.length,
    data_page_header: { num_values: values.length, encoding, definition_level_encoding: 'RLE', repetition_level_encoding: 'RLE' },
  };
  return { header, body };
}

describe('openPage', () => {
  const dictionary = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  const cases: [string, 'DOUBLE' | 'INT32' | 'BOOLEAN' | 'BYTE_ARRAY', 'PLAIN' | 'RLE_DICTIONARY' | 'RLE', () => unknown][] = [
    ['doubles', 'DOUBLE', 'PLAIN', () => rng.next() * 10 - 5],
    ['integers', 'INT32', 'PLAIN', () => Math.floor(rng.next() * 100)],
    ['plain booleans', 'BOOLEAN', 'PLAIN', () => rng.next() < 0.5],
    ['RLE booleans', 'BOOLEAN', 'RLE', () => rng.next() < 0.9],
    ['dictionary strings', 'BYTE_ARRAY', 'RLE_DICTIONARY', () => (rng.next() < 0.6 ? 0 : Math.floor(rng.next() * 8))],
  ];
  for (const [label, type, encoding, make] of cases) {
    for (const nullable of [false, true]) {
      for (const codec of ['UNCOMPRESSED', 'SNAPPY'] as CompressionCodec[]) {
        it(`streams a v1 page of ${label}${nullable ? ' with nulls' : ''} (${codec}) in slices, equal to hyparquet's whole-page decode`, () => {
          const values = Array.from({ length: 5000 }, () => (nullable && rng.next() < 0.25 ? null : make()));
          const { header, body } = v1Page(values, type, encoding, nullable, codec);
          const decoder = decoderOf(type, nullable, codec);
          const dict = encoding === 'RLE_DICTIONARY' ? dictionary : undefined;
          const expected = readPage({ view: new DataView(body.buffer, body.byteOffset, body.byteLength), offset: 0 }, header, decoder, dict, undefined, 0).data;
          const slicer = openPage({ header, body, rows: values.length, decoder, dictionary: dict, buffers: { page: new Bytes(), levels: new Bytes() } });
          const got: unknown[] = [];
          while (slicer.left > 0) got.push(...Array.from(slicer.take(Math.min(slicer.left, 1 + Math.floor(rng.next() * 700)))));
          assert.deepEqual(got, Array.from(expected ?? []));
        });
      }
    }
  }

  it('refuses a page whose value count is not the rows the offset index gives it', () => {
    const { header, body } = v1Page([1, 2, 3], 'DOUBLE', 'PLAIN', false, 'UNCOMPRESSED');
    assert.throws(() => openPage({ header, body, rows: 4, decoder: decoderOf('DOUBLE', false, 'UNCOMPRESSED'), dictionary: undefined, buffers: { page: new Bytes(), levels: new Bytes() } }),
      /a page of 4 rows \(offset index\) holds 3 values/);
  });
});

describe('Hybrid', () => {
  for (const width of [1, 2, 3, 7, 8, 9, 13, 20]) {
    it(`reads RLE and bit-packed runs of width ${width} in pieces of any size, as hyparquet reads them whole`, () => {
      // Long repeats make RLE runs, noise makes bit-packed runs.
      const values: number[] = [];
      while (values.length < 3000) {
        const v = Math.floor(rng.next() * 2 ** width);
        const n = rng.next() < 0.3 ? 10 + Math.floor(rng.next() * 100) : 1;
        for (let i = 0; i < n; i++) values.push(n > 1 ? v : Math.floor(rng.next() * 2 ** width));
      }
      const writer = new ByteWriter();
      writeRleBitPackedHybrid(writer, values, width);
      const bytes = writer.getBytes();
      const expected = new Array<number>(values.length);
      readRleBitPackedHybrid({ view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 }, width, expected, bytes.length);
      assert.deepEqual(expected, values);
      const hybrid = new Hybrid(bytes, 0, bytes.length, width);
      const got: number[] = [];
      while (got.length < values.length) got.push(...hybrid.read(Math.min(values.length - got.length, 1 + Math.floor(rng.next() * 50))));
      assert.deepEqual(got, values);
    });
  }

  it('fails naming the cause when the runs end before the values asked for', () => {
    const writer = new ByteWriter();
    writeRleBitPackedHybrid(writer, [1, 1, 1, 1], 1);
    const bytes = writer.getBytes();
    assert.throws(() => new Hybrid(bytes, 0, bytes.length, 1).read(100), /past the end of its page/);
  });
});

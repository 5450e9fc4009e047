import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetReadObjects, type AsyncBuffer } from 'hyparquet';
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import { AlertigerError } from '../../../operator/src/errors.js';
import { openFileSource, type RowBatch } from '../../../operator/src/sources/index.js';
import { ColumnCursor, compact } from '../../../operator/src/sources/parquet-cursor.js';
import { fileAsyncBuffer, PARQUET_SLICE_ROWS, readParquet } from '../../../operator/src/sources/parquet.js';
import { StatsAccumulator } from '../../../operator/src/stats/accumulator.js';
import { windowResult, type WindowResult } from '../../../operator/src/stats/result.js';
import { xorshift32 } from '../../../operator/src/random.js';

const ROWS = 30_000;
const NAMES = ['ts', 'age', 'income', 'clicks', 'country', 'score', 'label'];

/** A log with doubles (some null), integers, strings, a score and a sparse label, seeded. */
function logColumns(rows: number): Record<string, unknown[]> {
  const rng = xorshift32(7);
  const out: Record<string, unknown[]> = Object.fromEntries(NAMES.map((n) => [n, new Array<unknown>(rows)]));
  for (let r = 0; r < rows; r++) {
    out.ts[r] = 1_767_225_600_000 + r * 1000;
    out.age[r] = rng.next() < 0.15 ? null : Math.round(20 + 50 * rng.next());
    out.income[r] = Math.round(Math.exp(10 + rng.next()) * 100) / 100;
    out.clicks[r] = Math.floor(10 * rng.next() ** 3);
    out.country[r] = ['us', 'de', 'fr', 'in'][Math.floor(4 * rng.next() ** 2)];
    out.score[r] = Math.round(rng.next() * 1e6) / 1e6;
    out.label[r] = rng.next() < 0.1 ? (rng.next() < 0.5 ? 1 : 0) : null;
  }
  return out;
}

function parquetOf(columns: Record<string, unknown[]>, options: { rowGroupSize: number; pageSize?: number; offsetIndex?: boolean }): Buffer {
  const columnData: ColumnSource[] = NAMES.map((name) => ({
    name,
    data: columns[name],
    type: name === 'country' ? 'STRING' : 'DOUBLE',
    nullable: name === 'age' || name === 'label',
    offsetIndex: options.offsetIndex ?? true,
  }));
  return Buffer.from(parquetWriteBuffer({ columnData, rowGroupSize: options.rowGroupSize, pageSize: options.pageSize }));
}

async function batchesOf(path: string): Promise<RowBatch[]> {
  const out: RowBatch[] = [];
  for await (const b of await openFileSource({ path }, { timestamp: 'ts' })) out.push(b);
  return out;
}

function statsOf(batches: RowBatch[]): WindowResult {
  const acc = new StatsAccumulator();
  for (const b of batches) acc.addBatch(b);
  return windowResult(acc.finish());
}

/** An AsyncBuffer over a file that records the size of every read. */
async function recording(path: string): Promise<{ buffer: AsyncBuffer & { close(): Promise<void> }; reads: number[] }> {
  const inner = await fileAsyncBuffer(path);
  const reads: number[] = [];
  return {
    reads,
    buffer: { byteLength: inner.byteLength, slice: (s, e) => { reads.push((e ?? inner.byteLength) - s); return inner.slice(s, e); }, close: () => inner.close() },
  };
}

describe('readParquet', () => {
  let dir: string;
  let columns: Record<string, unknown[]>;
  const layouts: Record<string, Parameters<typeof parquetOf>[1]> = {
    'row groups of 7,000 rows': { rowGroupSize: 7000 },
    'one row group of 30,000 rows, 8 KB pages': { rowGroupSize: ROWS, pageSize: 8192 },
    'one row group without offset indexes, 8 KB pages': { rowGroupSize: ROWS, pageSize: 8192, offsetIndex: false },
    'one row group without offset indexes, one page per column': { rowGroupSize: ROWS, pageSize: 1 << 30, offsetIndex: false },
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'alertiger-parquet-'));
    columns = logColumns(ROWS);
    const lines: string[] = [];
    for (let r = 0; r < ROWS; r++) lines.push(JSON.stringify(Object.fromEntries(NAMES.map((n) => [n, columns[n][r]]))));
    writeFileSync(join(dir, 'log.jsonl'), lines.join('\n') + '\n');
    for (const [i, layout] of Object.values(layouts).entries()) writeFileSync(join(dir, `log-${i}.parquet`), parquetOf(columns, layout));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [i, label] of Object.keys(layouts).entries()) {
    it(`reads ${label}: every row as hyparquet decodes the whole file, the statistics of the same log as JSONL`, async () => {
      const file = join(dir, `log-${i}.parquet`);
      const batches = await batchesOf(file);
      const rows = batches.flatMap((b) => b.rows);
      const whole = await parquetReadObjects({ file: new Uint8Array(readFileSync(file)).buffer });
      assert.equal(rows.length, ROWS);
      assert.deepEqual(rows.map((r) => r.line), Array.from({ length: ROWS }, (_, r) => r + 1));
      assert.deepEqual(rows.map((r) => r.fields), whole);
      assert.deepEqual(rows.map((r) => r.ts), columns.ts);
      const expected = statsOf(await batchesOf(join(dir, 'log.jsonl')));
      assert.equal(expected.rows, ROWS);
      assert.deepEqual(statsOf(batches), expected);
    });
  }

  it('hands a large row group on in slices of at most PARQUET_SLICE_ROWS rows, in order', async () => {
    const batches = await batchesOf(join(dir, 'log-1.parquet'));
    const sizes = batches.map((b) => b.columns?.length ?? b.rows.length);
    assert.ok(ROWS > 3 * PARQUET_SLICE_ROWS);
    assert.ok(sizes.every((n) => n > 0 && n <= PARQUET_SLICE_ROWS), `slice sizes ${sizes.join(', ')}`);
    assert.equal(sizes.reduce((a, b) => a + b, 0), ROWS);
    assert.deepEqual(batches.map((b) => b.columns?.firstLine), [1, 8193, 16385, 24577]);
  });

  it('reads a row group without offset indexes a page at a time, each page once', async () => {
    const path = join(dir, 'log-2.parquet');
    const { buffer, reads } = await recording(path);
    let rows = 0;
    try {
      for await (const batch of readParquet(buffer, path, {})) rows += batch.columns?.length ?? 0;
    } finally {
      await buffer.close();
    }
    assert.equal(rows, ROWS);
    // After the footer (the first read), a column chunk of 30,000 doubles (~240 KB) is read a
    // page of 8 KB at a time (the 4 KB header reads aside), the pages together about once.
    const pageReads = reads.slice(1);
    assert.ok(Math.max(...pageReads) < 64 * 1024, `largest read ${Math.max(...pageReads)} bytes`);
    const dataReads = pageReads.filter((n) => n !== 4096).reduce((a, b) => a + b, 0);
    assert.ok(dataReads < 1.2 * buffer.byteLength, `read ${dataReads} bytes of a ${buffer.byteLength}-byte file`);
  });

  it('fails with SourceInvalid naming the file and row group when a page header is broken', async () => {
    const bytes = parquetOf(columns, { rowGroupSize: ROWS, pageSize: 8192, offsetIndex: false });
    bytes.fill(0xff, 4, 40); // the first page header of the first column chunk
    const path = join(dir, 'broken.parquet');
    writeFileSync(path, bytes);
    await assert.rejects(batchesOf(path), (err: unknown) => {
      assert.ok(err instanceof AlertigerError);
      assert.equal(err.code, 'SourceInvalid');
      assert.match(err.message, /broken\.parquet: cannot read .*row group 1/);
      return true;
    });
  });
});

describe('ColumnCursor', () => {
  it('decodes each page once and hands out slices across page boundaries with nulls in place', async () => {
    const values = [1, null, 3, 4, 5, null, 7, 8, 9, 10];
    const reads: [number, number][] = [];
    const cursor = new ColumnCursor(async (s, e) => { reads.push([s, e]); return values.slice(s, e); }, [0, 3, 7], values.length);
    const got = [await cursor.take(0, 2), await cursor.take(2, 5), await cursor.take(5, 9), await cursor.take(9, 10)];
    assert.deepEqual(got.map((v) => Array.from(v)), [[1, null], [3, 4, 5], [null, 7, 8, 9], [10]]);
    assert.deepEqual(reads, [[0, 3], [3, 7], [7, 10]]);
  });

  it('refuses to go back to a page it has let go', async () => {
    const cursor = new ColumnCursor(async (s, e) => [1, 2, 3, 4].slice(s, e), [0, 2], 4);
    await cursor.take(2, 4);
    await assert.rejects(cursor.take(0, 1), /row 0 is before/);
  });

  it('copies numbers and nulls as doubles and a null mask, any other values as they are', () => {
    const page = compact([9, 1.5, null, -0, 3], 1, 5);
    assert.ok(page.values instanceof Float64Array);
    assert.deepEqual(Array.from(page.values), [1.5, 0, -0, 3]);
    assert.deepEqual(Array.from(page.nulls ?? []), [0, 1, 0, 0]);
    assert.ok(Object.is(page.values[2], -0));
    assert.deepEqual(compact(['a', null, 'b'], 1).values, [null, 'b']);
    assert.deepEqual(compact([1, 2n]), { values: [1, 2n] });
    const typed = new BigInt64Array([1n, 2n, 3n]);
    const copy = compact(typed, 1).values;
    assert.ok(copy instanceof BigInt64Array && copy.buffer !== typed.buffer);
    assert.deepEqual(Array.from(copy), [2n, 3n]);
  });
});

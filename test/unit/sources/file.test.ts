import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { AlertigerError } from '../../../operator/src/errors.js';
import { inferFormat, openFileSource, type FileSourceSpec, type FileSourceOptions, type RowBatch } from '../../../operator/src/sources/index.js';
import { StatsAccumulator } from '../../../operator/src/stats/accumulator.js';
import { windowResult, type WindowResult } from '../../../operator/src/stats/result.js';
import { repoRoot } from '../../harness/golden.js';

const FIXTURES = join(repoRoot(), 'test', 'fixtures', 'logs');

async function statsOf(spec: FileSourceSpec, options: FileSourceOptions = {}): Promise<WindowResult> {
  const acc = new StatsAccumulator();
  for await (const batch of await openFileSource(spec, options)) acc.addBatch(batch);
  return windowResult(acc.finish());
}

async function batches(spec: FileSourceSpec, options: FileSourceOptions = {}): Promise<RowBatch[]> {
  const out: RowBatch[] = [];
  for await (const b of await openFileSource(spec, options)) out.push(b);
  return out;
}

async function rejectsWith(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof AlertigerError, `not an AlertigerError: ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  });
}

describe('openFileSource', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'alertiger-sources-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the JSONL fixture: valid rows, corrupt lines by number, NaN missing, a bad cell invalid, Infinity reported', async () => {
    const r = await statsOf({ path: join(FIXTURES, 'small.jsonl') });
    assert.equal(r.rows, 5);
    assert.equal(r.corrupt, 2);
    assert.deepEqual(r.corruptLines.map((c) => c.line), [3, 7]);
    // The string "unknown" invalidates the age cell of line 5 only: the row's score still counts.
    assert.deepEqual(r.quality.invalidExamples, [{ line: 5, reason: 'field "age": string "unknown" in a numeric feature' }]);
    assert.equal(r.features.age.count, 3);
    assert.equal(r.features.age.missing_rate, 0.2);
    assert.equal(r.features.age.invalid_rate, 0.2);
    assert.equal(r.features.age.non_finite_rate, 0.2);
    assert.equal(r.features.age.mean, 41.5);
    assert.deepEqual(r.infinite, { age: 1 });
    assert.equal(r.features.country.distinct_count, 3);
    assert.equal(r.score.traffic, 5);
    assert.equal(r.label.label_coverage, 0.6);
    assert.equal(r.label.auc, 1);
    assert.equal(r.features.ts, undefined);
  });

  it('reads the CSV fixture: quoted cells, a record over two lines, a short row corrupt', async () => {
    const r = await statsOf({ path: join(FIXTURES, 'small.csv') });
    assert.equal(r.rows, 5);
    assert.deepEqual(r.corruptLines, [{ line: 7, reason: 'expected 6 columns, got 5' }]);
    assert.equal(r.features.age.count, 3);
    assert.equal(r.features.age.missing_rate, 0.4);
    assert.equal(r.features.note.distinct_count, 5);
    assert.equal(r.label.label_coverage, 0.6);
  });

  it('copies timestamps into rows when asked', async () => {
    const rows = (await batches({ path: join(FIXTURES, 'small.jsonl') }, { timestamp: 'ts' })).flatMap((b) => b.rows);
    assert.equal(rows[0].ts, Date.UTC(2026, 2, 1));
  });

  it('reads a glob in name order and names each file in rows and corrupt lines', async () => {
    const logs = join(dir, 'glob');
    mkdirSync(join(logs, 'b'), { recursive: true });
    mkdirSync(join(logs, 'a'), { recursive: true });
    writeFileSync(join(logs, 'b', 'day.jsonl'), '{"x":2}\n');
    writeFileSync(join(logs, 'a', 'day.jsonl'), '{"x":1}\nbroken\n');
    writeFileSync(join(logs, 'a', '.hidden.jsonl'), '{"x":100}\n');
    writeFileSync(join(logs, 'a', 'notes.txt'), 'not a log\n');
    const all = await batches({ path: join(logs, '*', '*.jsonl') });
    assert.deepEqual(all.flatMap((b) => b.rows.map((r) => [r.file, r.fields.x])), [[join(logs, 'a', 'day.jsonl'), 1], [join(logs, 'b', 'day.jsonl'), 2]]);
    assert.deepEqual(all.flatMap((b) => b.corrupt.map((c) => [c.file, c.line])), [[join(logs, 'a', 'day.jsonl'), 2]]);
  });

  it('gunzips .jsonl.gz and .csv.gz', async () => {
    writeFileSync(join(dir, 'z.jsonl.gz'), gzipSync('{"x":1}\n{"x":3}\n'));
    writeFileSync(join(dir, 'z.csv.gz'), gzipSync('x\n1\n3\n'));
    assert.equal((await statsOf({ path: join(dir, 'z.jsonl.gz') })).features.x.mean, 2);
    assert.equal((await statsOf({ path: join(dir, 'z.csv.gz') })).features.x.mean, 2);
  });

  it('reads Parquet columns: doubles with nulls, INT64, strings, booleans', async () => {
    const file = join(dir, 'log.parquet');
    writeFileSync(file, Buffer.from(parquetWriteBuffer({
      columnData: [
        { name: 'ts', data: [1_767_225_600_000n, 1_767_225_660_000n, 1_767_225_720_000n], type: 'INT64' },
        { name: 'age', data: [30, null, 50], type: 'DOUBLE', nullable: true },
        { name: 'clicks', data: [1n, 2n, 6n], type: 'INT64' },
        { name: 'country', data: ['us', 'de', 'us'], type: 'STRING' },
        { name: 'score', data: [0.9, 0.1, 0.6], type: 'DOUBLE' },
        { name: 'label', data: [true, null, false], type: 'BOOLEAN', nullable: true },
      ],
      rowGroupSize: 2,
    })));
    const r = await statsOf({ path: file });
    assert.equal(r.rows, 3);
    assert.equal(r.features.age.mean, 40);
    assert.equal(r.features.age.missing_rate, 1 / 3);
    assert.equal(r.features.clicks.mean, 3);
    assert.equal(r.features.country.top_share, 2 / 3);
    assert.equal(r.label.label_coverage, 2 / 3);
    assert.equal(r.label.auc, 1);
    const rows = (await batches({ path: file }, { timestamp: 'ts' })).flatMap((b) => b.rows);
    assert.deepEqual(rows.map((x) => [x.line, x.ts]), [[1, 1_767_225_600_000], [2, 1_767_225_660_000], [3, 1_767_225_720_000]]);
  });

  it('counts a wrong type in a Parquet column cell by cell, keeping the rows and reporting the row', async () => {
    const file = join(dir, 'mixed.parquet');
    writeFileSync(file, Buffer.from(parquetWriteBuffer({
      columnData: [
        { name: 'x', data: [1, 2, 3], type: 'DOUBLE' },
        { name: 'score', data: ['0.5', 'high', '0.7'], type: 'STRING' },
      ],
    })));
    const r = await statsOf({ path: file });
    assert.equal(r.rows, 3);
    assert.equal(r.corrupt, 0);
    assert.equal(r.features.x.count, 3);
    assert.equal(r.score.traffic, 2);
    assert.equal(r.score.invalid_rate, 1 / 3);
    assert.equal(r.quality.invalidValues, 1);
    assert.deepEqual(r.quality.invalidExamples, [{ line: 2, reason: 'field "score": string "high" in a score' }]);
  });

  it('fails with SourceNotFound naming a missing file or a glob that matches nothing', async () => {
    await rejectsWith(openFileSource({ path: join(dir, 'nope.jsonl') }), 'SourceNotFound', /nope\.jsonl/);
    await rejectsWith(openFileSource({ path: join(dir, 'none-*.jsonl') }), 'SourceNotFound', /no file matches .*none-\*\.jsonl/);
  });

  it('fails with SourceInvalid for an unknown format or a file that is not Parquet', async () => {
    await rejectsWith(openFileSource({ path: join(FIXTURES, 'small.jsonl') + '.txt' }), 'SourceInvalid', /cannot tell the format/);
    const bad = join(dir, 'bad.parquet');
    writeFileSync(bad, 'PAR1 not really');
    await rejectsWith(batches({ path: bad }), 'SourceInvalid', /bad\.parquet is not a readable Parquet file/);
  });

  it('infers formats from names and URLs', () => {
    assert.equal(inferFormat('/x/y.ndjson'), 'jsonl');
    assert.equal(inferFormat('/x/y.CSV.gz'), 'csv');
    assert.equal(inferFormat('https://h/logs/y.pq?sig=1'), 'parquet');
  });

  describe('over http', () => {
    let server: Server;
    let base: string;
    const served: Record<string, Buffer> = {};
    before(async () => {
      served['/small.jsonl'] = readFileSync(join(FIXTURES, 'small.jsonl'));
      served['/small.csv'] = readFileSync(join(FIXTURES, 'small.csv'));
      served['/log.parquet'] = readFileSync(join(dir, 'log.parquet'));
      server = createServer((req, res) => {
        const path = (req.url ?? '').split('?')[0];
        if (path === '/broken.jsonl') {
          res.writeHead(503).end();
          return;
        }
        const body = served[path];
        if (body === undefined) {
          res.writeHead(404).end();
          return;
        }
        const range = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
        if (range !== null) {
          const start = Number(range[1]);
          const end = range[2] === '' ? body.length - 1 : Number(range[2]);
          res.writeHead(206, { 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${body.length}` });
          res.end(req.method === 'HEAD' ? undefined : body.subarray(start, end + 1));
          return;
        }
        res.writeHead(200, { 'content-length': body.length, 'accept-ranges': 'bytes' });
        res.end(req.method === 'HEAD' ? undefined : body);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('streams JSONL, CSV and Parquet from a URL with the same statistics as from the file', async () => {
      assert.deepEqual(await statsOf({ path: `${base}/small.jsonl` }), await statsOf({ path: join(FIXTURES, 'small.jsonl') }));
      assert.deepEqual(await statsOf({ path: `${base}/small.csv` }), await statsOf({ path: join(FIXTURES, 'small.csv') }));
      assert.deepEqual(await statsOf({ path: `${base}/log.parquet` }), await statsOf({ path: join(dir, 'log.parquet') }));
    });

    it('fails with SourceNotFound on 404 and SourceUnavailable on 5xx after retries, naming the URL', async () => {
      await rejectsWith(openFileSource({ path: `${base}/missing.jsonl` }), 'SourceNotFound', /missing\.jsonl answered HTTP 404/);
      await rejectsWith(openFileSource({ path: `${base}/broken.jsonl` }, { retries: 2, retryDelayMs: 1 }), 'SourceUnavailable', /broken\.jsonl answered HTTP 503/);
    });

    it('fails with SourceUnavailable naming a URL nobody answers', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const address = closed.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      await rejectsWith(openFileSource({ path: `http://127.0.0.1:${port}/log.jsonl` }, { retries: 1, retryDelayMs: 1 }), 'SourceUnavailable', new RegExp(`cannot reach http://127.0.0.1:${port}/log.jsonl: ECONNREFUSED`));
    });
  });
});

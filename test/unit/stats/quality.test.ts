/**
 * Data problems that used to be swallowed (issue 10 item 7, issue 14 item 2): each is now a cell
 * (not a row) problem, counted per field and per window, and never makes a statistic null.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertigerError } from '../../../operator/src/errors.js';
import { newestRowTime, openFileSource } from '../../../operator/src/sources/index.js';
import type { Row } from '../../../operator/src/sources/types.js';
import { StatsAccumulator, type StatsOptions } from '../../../operator/src/stats/accumulator.js';
import {
  dataStatistics, emptyQualityReport, isMissingText, mergeReports, missingColumns, namedColumns, QualitySummary, DATA_STATISTICS,
} from '../../../operator/src/stats/quality.js';
import { windowResult, type WindowResult } from '../../../operator/src/stats/result.js';
import { WindowSummary } from '../../../operator/src/stats/summary.js';
import { WindowedAccumulator } from '../../../operator/src/stats/windowing.js';

type Fields = Record<string, unknown>;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 1);

function statsOf(rows: Fields[], options: StatsOptions = {}): WindowResult {
  const acc = new StatsAccumulator(options);
  rows.forEach((fields, i) => acc.addFields(fields, i + 1));
  return windowResult(acc.finish());
}

async function fileStats(path: string, options: StatsOptions = {}): Promise<WindowResult> {
  const acc = new StatsAccumulator(options);
  for await (const batch of await openFileSource({ path })) acc.addBatch(batch);
  return windowResult(acc.finish());
}

describe('data quality: cells, not rows', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'alertiger-quality-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every row of a JSONL log that writes missing values as the string "NaN" (score, label, other features included)', async () => {
    const file = join(dir, 'nan-strings.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < 100; i++) {
      const x = i % 4 === 0 ? '"NaN"' : i % 4 === 1 ? '"null"' : i % 4 === 2 ? '"None"' : String(i);
      const c = i % 5 === 0 ? '"nan"' : '"us"';
      lines.push(`{"ts":${T0 / 1000 + i},"x":${x},"c":${c},"y":${i},"score":${(i % 10) / 10},"label":${i % 2}}`);
    }
    writeFileSync(file, lines.join('\n') + '\n');
    const r = await fileStats(file, { categorical: ['c'] });
    assert.equal(r.rows, 100);
    assert.equal(r.corrupt, 0);
    assert.equal(r.features.x.count, 25);
    assert.equal(r.features.x.missing_rate, 0.75);
    assert.equal(r.features.x.invalid_rate, 0);
    assert.equal(r.features.c.count, 80);
    assert.equal(r.features.c.distinct_count, 1);
    assert.equal(r.features.y.count, 100);
    assert.equal(r.score.traffic, 100);
    assert.equal(r.label.label_coverage, 1);
    assert.equal(r.quality.invalidValues, 0);
  });

  it('treats the missing words as missing in every field, and only them', () => {
    for (const w of ['', 'NaN', 'nan', 'NAN', 'null', 'NULL', 'None', 'N/A', 'n/a', '<NA>', '#N/A']) assert.ok(isMissingText(w), w);
    for (const w of ['NA', 'none', 'us', 'Infinity', '0']) assert.ok(!isMissingText(w), w);
    const r = statsOf([{ x: 1, score: 'NaN', label: 'null' }, { x: 'None', score: 0.5, label: 1 }, { x: 3, score: 0.7, label: 'NULL' }]);
    assert.equal(r.rows, 3);
    assert.equal(r.features.x.count, 2);
    assert.equal(r.score.traffic, 2);
    assert.equal(r.label.label_coverage, 1 / 3);
    assert.equal(r.quality.invalidValues, 0);
  });

  it('keeps a numeric feature numeric when 5 of 20,000 values are strings, the first value among them', () => {
    const rows: Fields[] = [];
    for (let i = 0; i < 20_000; i++) rows.push({ x: i < 3 || i === 700 || i === 19_999 ? 'n/k' : i % 100, score: 0.5 });
    const r = statsOf(rows);
    const x = r.features.x;
    assert.equal(x.count, 19_995, 'numeric: every number counted');
    assert.equal(x.distinct_count, undefined, 'not categorical');
    assert.equal(x.invalid_rate, 5 / 20_000);
    assert.equal(x.missing_rate, 0);
    assert.ok(typeof x.mean === 'number' && Math.abs(x.mean - 49.5) < 0.1, String(x.mean));
    assert.equal(r.rows, 20_000);
    assert.equal(r.score.traffic, 20_000);
    assert.deepEqual(r.quality.typeConflicts.map((c) => [c.field, c.kind, c.invalid]), [['x', 'numeric', 5]]);
    assert.equal(r.quality.typeConflicts[0].example, 'line 1: field "x": string "n/k" in a numeric feature');
  });

  it('decides a feature kind by the majority of the first batch, ties numeric, and takes numeric strings as numbers', () => {
    const mostlyText = statsOf(Array.from({ length: 10 }, (_, i) => ({ c: i < 3 ? i : `v${i % 2}` })));
    assert.equal(mostlyText.features.c.distinct_count, 5, 'categorical: 3 numbers and 2 strings, all categories');
    assert.equal(mostlyText.features.c.invalid_rate, 0);
    const tie = statsOf([{ x: 'a' }, { x: 1 }, { x: 'b' }, { x: 2 }]);
    assert.equal(tie.features.x.count, 2);
    assert.equal(tie.features.x.invalid_rate, 0.5);
    const numericText = statsOf([{ x: 1 }, { x: '2.5' }, { x: 'inf' }, { x: 4 }]);
    assert.equal(numericText.features.x.count, 4);
    assert.equal(numericText.features.x.mean, 2.5);
    assert.equal(numericText.features.x.non_finite_rate, 0.25);
  });

  it('counts Infinity and absurd magnitudes apart, never making std, mean or a quantile null or NaN', () => {
    const rows: Fields[] = [];
    for (let i = 0; i < 1000; i++) rows.push({ x: i === 10 ? 1e308 : i === 20 ? -1e200 : i === 30 ? Infinity : i % 10, score: i === 40 ? 1e308 : 0.5, label: i === 50 ? Infinity : 1 });
    const r = statsOf(rows);
    const x = r.features.x;
    for (const k of ['mean', 'std', 'min', 'max', 'p1', 'p50', 'p99']) assert.ok(typeof x[k] === 'number' && Number.isFinite(x[k]), `${k} = ${String(x[k])}`);
    assert.equal(x.count, 1000);
    assert.equal(x.non_finite_rate, 3 / 1000);
    assert.equal(x.max, 9);
    assert.ok(Number.isFinite(r.score.std as number), String(r.score.std));
    assert.equal(r.score.non_finite_rate, 1 / 1000);
    assert.ok(Number.isFinite(r.label.rmse ?? 0) && r.label.label_coverage === 999 / 1000);
    assert.equal(r.quality.nonFiniteValues, 5);
    assert.deepEqual(r.quality.fields, { x: { invalid: 0, nonFinite: 3 }, score: { invalid: 0, nonFinite: 1 }, label: { invalid: 0, nonFinite: 1 } });
    assert.equal(dataStatistics(r.quality).non_finite_values, 5);
  });

  it('counts an object in a categorical feature as invalid (the row still counts)', () => {
    const r = statsOf([{ c: 'a', x: 1 }, { c: { nested: true }, x: 2 }, { c: 'b', x: 3 }], { categorical: ['c'] });
    assert.equal(r.rows, 3);
    assert.equal(r.features.c.count, 2);
    assert.equal(r.features.c.invalid_rate, 1 / 3);
    assert.equal(r.features.c.missing_rate, 0);
    assert.equal(r.features.x.count, 3);
  });

  it('counts rows identical to an earlier row of the window as duplicates, CSV columns included', async () => {
    const rows: Fields[] = [];
    for (let i = 0; i < 300; i++) rows.push({ ts: T0 + i, x: i, c: 'us', score: 0.5 });
    for (let i = 0; i < 50; i++) rows.push({ ts: T0 + i, x: i, c: 'us', score: 0.5 });
    rows.push({ ts: T0 + 1, x: 1, c: 'de', score: 0.5 });
    const r = statsOf(rows);
    assert.equal(r.quality.duplicateRows, 50);
    assert.equal(statsOf(rows, { duplicates: false }).quality.duplicateRows, 0);
    const csv = join(dir, 'dups.csv');
    writeFileSync(csv, 'ts,x,c\n' + [1, 2, 3, 1, 2, 4].map((i) => `${T0 + i},${i},us`).join('\n') + '\n');
    assert.equal((await fileStats(csv)).quality.duplicateRows, 2);
  });

  it('merges and serialises the quality part of a summary', () => {
    const a = new StatsAccumulator();
    a.addFields({ x: 1, score: 'bad' }, 1);
    a.addFields({ x: 1, score: 'bad' }, 2);
    const b = new StatsAccumulator();
    b.addFields({ x: 'oops', score: 0.2 }, 3);
    b.addFields({ x: 2, score: 0.3 }, 4);
    const merged = a.finish();
    merged.merge(b.finish());
    const round = WindowSummary.fromJSON(JSON.parse(JSON.stringify(merged.toJSON())) as ReturnType<WindowSummary['toJSON']>);
    const r = windowResult(round);
    assert.equal(r.quality.invalidValues, 3);
    assert.equal(r.quality.duplicateRows, 1);
    assert.equal(r.features.x.invalid_rate, 1 / 4);
    assert.deepEqual(r.quality.typeConflicts.map((c) => [c.field, c.kind, c.invalid]), [['score', 'score', 2], ['x', 'numeric', 1]]);
    assert.equal(QualitySummary.fromJSON(undefined).duplicates, 0, 'a state written before quality existed');
  });
});

describe('data quality: windows of a read', () => {
  function row(line: number, ts: number | undefined, fields: Fields): Row {
    return ts === undefined ? { line, fields } : { line, ts, fields: { t: ts, ...fields } };
  }

  it('fails with TimestampFieldMissing naming the field and the fields seen when no row has the timestamp field', () => {
    const acc = new WindowedAccumulator({ granularity: '1d', timestamp: 'timestamp' });
    acc.addBatch({ rows: [row(1, undefined, { time: T0, x: 1 }), row(2, undefined, { time: T0, x: 2 })], corrupt: [] });
    assert.throws(() => acc.finish(), (err: unknown) => {
      assert.ok(err instanceof AlertigerError);
      assert.equal(err.code, 'TimestampFieldMissing');
      assert.match(err.message, /"timestamp" \(schema\.timestamp\); 2 rows read, fields seen: time, x/);
      return true;
    });
    const some = new WindowedAccumulator({ granularity: '1d', timestamp: 't' });
    some.addBatch({ rows: [row(1, T0, { x: 1 }), row(2, undefined, { x: 2 })], corrupt: [] });
    assert.equal(some.finish().length, 1, 'one row with a timestamp is enough: the others are corrupt lines');
  });

  it('counts rows dated after now and otherwise ignores them', () => {
    const now = T0 + 2 * DAY;
    const acc = new WindowedAccumulator({ granularity: '1d', timestamp: 't', from: T0, to: T0 + 2 * DAY, now });
    const rows: Row[] = [];
    for (let i = 0; i < 98; i++) rows.push(row(i + 1, T0 + i * 1000, { x: i }));
    rows.push(row(99, Date.UTC(2099, 0, 1), { x: 1 }), row(100, now + 1, { x: 2 }));
    acc.addBatch({ rows, corrupt: [] });
    const windows = acc.finish();
    assert.equal(acc.future, 2);
    assert.equal(windows.length, 1);
    assert.equal(windows[0].summary.rows, 98);
    const r = windowResult(windows[0].summary, { futureRows: acc.future });
    assert.equal(dataStatistics(r.quality).future_rows, 2);
  });

  it('finds the newest row time at or before now, counting later rows, so a future row cannot move a run\'s now', async () => {
    async function* source() {
      yield { rows: [row(1, T0, {}), row(2, Date.UTC(2099, 0, 1), {}), row(3, T0 + DAY, {}), row(4, NaN, {}), row(5, undefined, {})], corrupt: [] };
    }
    assert.deepEqual(await newestRowTime(source(), T0 + 10 * DAY), { newest: T0 + DAY, future: 1 });
    assert.deepEqual(await newestRowTime(source(), T0 - 1), { newest: undefined, future: 3 });
  });

  it('reports the named columns no row of the read holds (score, label, timestamp, categorical), outside rows included', () => {
    const named = namedColumns({ score: 'prob', label: 'clicked', timestamp: 't', categorical: ['country', 'device'] });
    const acc = new WindowedAccumulator({ granularity: '1d', timestamp: 't', score: 'prob', label: 'clicked', from: T0, to: T0 + DAY, named });
    acc.addBatch({ rows: [row(1, T0 - DAY, { device: 'ios' }), row(2, T0, { prob: 0.3, x: 1 })], corrupt: [] });
    acc.addBatch({ columns: { names: ['t', 'x'], data: [[T0], [1]], length: 1, firstLine: 3 }, rows: [row(3, T0, { x: 1 })], corrupt: [] });
    acc.finish();
    assert.deepEqual(acc.missingColumns(), [{ field: 'clicked', setting: 'schema.label' }, { field: 'country', setting: 'schema.categorical' }]);
    assert.deepEqual(missingColumns(named, new Set(['prob', 't', 'clicked', 'country', 'device'])), []);
  });

  it('keeps one kind per feature across the windows of a read', () => {
    const acc = new WindowedAccumulator({ granularity: '1d', timestamp: 't' });
    acc.addBatch({ rows: [row(1, T0, { x: 1 }), row(2, T0 + 1, { x: 2 }), row(3, T0 + 2, { x: 3 })], corrupt: [] });
    acc.addBatch({ rows: [row(4, T0 + DAY, { x: 'oops' }), row(5, T0 + DAY + 1, { x: 5 })], corrupt: [] });
    const [first, second] = acc.finish().map((w) => windowResult(w.summary));
    assert.equal(first.features.x.mean, 2);
    assert.equal(second.features.x.mean, 5, 'the second window is numeric too, although its first value is a string');
    assert.equal(second.features.x.invalid_rate, 0.5);
  });

  it('adds the reports of several windows', () => {
    const a = { ...emptyQualityReport(), rows: 10, corruptLines: 2, examples: [{ line: 3, reason: 'bad JSON' }], fields: { x: { invalid: 1, nonFinite: 0 } }, invalidValues: 1, typeConflicts: [{ field: 'x', kind: 'numeric', invalid: 1 }] };
    const b = { ...emptyQualityReport(), rows: 5, futureRows: 4, fields: { x: { invalid: 2, nonFinite: 1 } }, invalidValues: 2, nonFiniteValues: 1, typeConflicts: [{ field: 'x', kind: 'numeric', invalid: 2 }], missingColumns: [{ field: 'label', setting: 'schema.label' }] };
    const m = mergeReports([a, b]);
    assert.deepEqual([m.rows, m.corruptLines, m.invalidValues, m.nonFiniteValues, m.futureRows], [15, 2, 3, 1, 4]);
    assert.deepEqual(m.fields, { x: { invalid: 3, nonFinite: 1 } });
    assert.deepEqual(m.typeConflicts, [{ field: 'x', kind: 'numeric', invalid: 3 }]);
    assert.deepEqual(m.missingColumns, [{ field: 'label', setting: 'schema.label' }]);
    assert.deepEqual(Object.keys(dataStatistics(m)), [...DATA_STATISTICS]);
    assert.equal(dataStatistics(a).corrupt_rate, 2 / 12);
  });
});

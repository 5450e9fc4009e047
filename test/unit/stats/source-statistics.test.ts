/**
 * The statistics port of a run on a real log file: the data-quality statistics (category
 * `data`, subject `log`) and reports of each window, future rows, named columns the log lacks,
 * a wrong timestamp field.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withDefaults } from '../../../operator/src/api/defaults.js';
import type { ModelMonitorSpec } from '../../../operator/src/api/types.js';
import { AlertigerError } from '../../../operator/src/errors.js';
import type { WindowStatistics } from '../../../operator/src/run/ports.js';
import { dataQualityCondition } from '../../../operator/src/run/quality.js';
import { sourceStatistics } from '../../../operator/src/run/statistics.js';
import { openFileSource } from '../../../operator/src/sources/index.js';
import type { Reference } from '../../../operator/src/stats/reference.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 1);

function spec(path: string, schema: ModelMonitorSpec['schema'] = {}): ReturnType<typeof withDefaults> {
  return withDefaults({ model: { name: 'm' }, source: { file: { path } }, granularity: '1d', schema: { timestamp: 'ts', ...schema } });
}

async function read(path: string, schema: ModelMonitorSpec['schema'], days: number, now = T0 + days * DAY): Promise<WindowStatistics[]> {
  let reference: Reference | undefined;
  const port = sourceStatistics({
    spec: spec(path, schema),
    open: () => openFileSource({ path }, { timestamp: schema?.timestamp ?? 'ts' }),
    references: { loadReference: async () => reference, saveReference: async (r) => void (reference = r) },
    now: () => new Date(now),
  });
  const windows = Array.from({ length: days }, (_, d) => ({ start: new Date(T0 + d * DAY), end: new Date(T0 + (d + 1) * DAY) }));
  return port.windows(windows);
}

function data(w: WindowStatistics): Record<string, number> {
  return Object.fromEntries(w.values.filter((v) => v.category === 'data').map((v) => [`${v.subject}.${v.statistic}`, v.value]));
}

describe('sourceStatistics: data quality', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'alertiger-source-quality-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('stores corrupt lines, invalid and non-finite values as data/log statistics of each window, and names the first in the condition', async () => {
    const file = join(dir, 'log.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const day = Math.floor(i / 1000);
      if (i % 50 === 16) lines.push('{"ts": broken');
      else lines.push(JSON.stringify({ ts: new Date(T0 + day * DAY + (i % 1000) * 60_000).toISOString(), age: i === 5 ? 'n/a!' : i % 90, score: 0.5, label: 1, big: i === 7 ? 1e308 : 1 }));
    }
    lines[30] = lines[30].replace(/"big":1}/, '"big":Infinity}');
    writeFileSync(file, lines.join('\n') + '\n');
    const windows = await read(file, {}, 2);
    assert.deepEqual(windows.map((w) => w.rows), [980, 980]);
    assert.deepEqual(data(windows[0]), {
      'log.corrupt_lines': 20, 'log.corrupt_rate': 0.02, 'log.invalid_values': 1, 'log.non_finite_values': 2, 'log.duplicate_rows': 0, 'log.future_rows': 0,
    });
    assert.equal(data(windows[1])['log.corrupt_lines'], 20);
    const age = windows[0].values.find((v) => v.subject === 'age' && v.statistic === 'invalid_rate');
    assert.equal(age?.value, 1 / 980);
    const bigStd = windows[0].values.find((v) => v.subject === 'big' && v.statistic === 'std');
    assert.equal(bigStd?.value, 0, 'std of the finite values, not null');
    assert.equal(windows[0].quality?.examples[0].line, 17);
    const c = dataQualityCondition(windows);
    assert.equal(c.status, 'False');
    assert.equal(c.reason, 'CorruptLines');
    assert.match(c.message, /^40 corrupt lines \(first: line 17 bad JSON: [^)]*\), 1 invalid value: 1 in numeric feature 'age' \(first: line 6: field "age": string "n\/a!" in a numeric feature\), 2 infinite or out-of-range values \(2 in 'big'; left out of the statistics\)$/);
  });

  it('counts rows dated after the run on the newest window and still stores every window', async () => {
    const file = join(dir, 'future.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const ts = i % 50 === 0 ? Date.UTC(2099, 0, 1) + i : T0 + Math.floor(i / 500) * DAY + i;
      lines.push(JSON.stringify({ ts, x: i, score: 0.3 }));
    }
    writeFileSync(file, lines.join('\n') + '\n');
    const windows = await read(file, {}, 2);
    assert.deepEqual(windows.map((w) => w.rows), [490, 490]);
    assert.equal(data(windows[0])['log.future_rows'], 0);
    assert.equal(data(windows[1])['log.future_rows'], 20);
    assert.equal(windows[1].quality?.futureRows, 20);
    assert.match(dataQualityCondition(windows).message, /^20 rows dated after the run \(ignored\)$/);
  });

  it('reports the named score, label and categorical columns the log lacks on the newest window', async () => {
    const file = join(dir, 'lacks.jsonl');
    writeFileSync(file, [0, 1, 2].map((i) => JSON.stringify({ ts: T0 + i, x: i, prob: 0.2 })).join('\n') + '\n');
    const windows = await read(file, { score: 'score', label: 'clicked', categorical: ['country'] }, 2);
    assert.deepEqual(windows[0].quality?.missingColumns, []);
    assert.deepEqual(windows[1].quality?.missingColumns, [
      { field: 'score', setting: 'schema.score' }, { field: 'clicked', setting: 'schema.label' }, { field: 'country', setting: 'schema.categorical' },
    ]);
    const c = dataQualityCondition(windows);
    assert.equal(c.reason, 'NamedColumnMissing');
    assert.equal(c.message, "column 'score' named in schema.score is absent, column 'clicked' named in schema.label is absent, column 'country' named in schema.categorical is absent");
  });

  it('fails with TimestampFieldMissing when schema.timestamp names a field no row has', async () => {
    const file = join(dir, 'typo.jsonl');
    writeFileSync(file, [0, 1, 2].map((i) => JSON.stringify({ timestamp: T0 + i, x: i })).join('\n') + '\n');
    await assert.rejects(read(file, { timestamp: 'ts' }, 1), (err: unknown) => {
      assert.ok(err instanceof AlertigerError);
      assert.equal(err.code, 'TimestampFieldMissing');
      assert.match(err.message, /"ts".*fields seen: timestamp, x/);
      return true;
    });
  });

  it('says no data problems in N windows for a clean log, and stores zeros', async () => {
    const file = join(dir, 'clean.jsonl');
    writeFileSync(file, [0, 1, 2].map((i) => JSON.stringify({ ts: T0 + i * DAY, x: i, score: 0.1 * i, label: 1 })).join('\n') + '\n');
    const windows = await read(file, { score: 'score', label: 'label' }, 3);
    assert.deepEqual(data(windows[2]), { 'log.corrupt_lines': 0, 'log.corrupt_rate': 0, 'log.invalid_values': 0, 'log.non_finite_values': 0, 'log.duplicate_rows': 0, 'log.future_rows': 0 });
    assert.deepEqual(dataQualityCondition(windows), { type: 'DataQuality', status: 'True', reason: 'NoDataProblems', message: 'no data problems in 3 windows' });
  });
});

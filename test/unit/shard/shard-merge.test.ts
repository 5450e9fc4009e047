/**
 * A log read by 1 process and by N shards (byte ranges of one file, files of a glob) gives the
 * same statistics: exact for counts, rates, moments and labels, quantiles within the sketch's error.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withDefaults, type DefaultedSpec } from '../../../operator/src/api/defaults.js';
import type { ModelMonitorSpec } from '../../../operator/src/api/types.js';
import type { WindowStatistics } from '../../../operator/src/run/ports.js';
import { sourceStatistics, statisticsFromSummaries, windowedAccumulator, type ReferenceStore } from '../../../operator/src/run/statistics.js';
import type { Window } from '../../../operator/src/run/windows.js';
import { compareStatistics } from '../../../operator/src/shard/compare.js';
import { mergeReads, shardRead } from '../../../operator/src/shard/report.js';
import { rangeBytes, shareOpener } from '../../../operator/src/shard/source.js';
import { openFileSource } from '../../../operator/src/sources/file.js';
import { namedColumns } from '../../../operator/src/stats/quality.js';
import type { Reference } from '../../../operator/src/stats/reference.js';
import { CATEGORICAL_FEATURES, DEFAULT_START, generateInferenceLog, SYNTHETIC_SCHEMA, writeCsv } from '../../../operator/src/synthetic/index.js';

const DAY = 86_400_000;
const start = Date.parse(DEFAULT_START);
const windows: Window[] = Array.from({ length: 6 }, (_, i) => ({ start: new Date(start + i * DAY), end: new Date(start + (i + 1) * DAY) }));

function memoryReferences(): ReferenceStore {
  let ref: Reference | undefined;
  return { loadReference: async () => ref, saveReference: async (r) => { ref = r; } };
}

function specFor(path: string, format: 'jsonl' | 'csv'): DefaultedSpec {
  const spec: ModelMonitorSpec = {
    model: { name: 'propensity' },
    source: { file: { path, format } },
    schema: { timestamp: 'ts', score: 'score', label: 'label', categorical: [...CATEGORICAL_FEATURES, 'never_logged'] },
  };
  return withDefaults(spec);
}

async function single(spec: DefaultedSpec): Promise<WindowStatistics[]> {
  const { path, format } = spec.source.file!;
  return sourceStatistics({ spec, open: () => openFileSource({ path, format }, { timestamp: 'ts' }), references: memoryReferences() }).windows(windows);
}

async function sharded(spec: DefaultedSpec, shards: number): Promise<WindowStatistics[]> {
  const range = { from: windows[0].start.getTime(), to: windows.at(-1)!.end.getTime() };
  const reads = [];
  for (let index = 0; index < shards; index++) {
    const acc = windowedAccumulator(spec, range.from, range.to);
    const open = shareOpener(spec, { index, shards }, () => { throw new Error('no InfluxDB here'); });
    for await (const batch of await open(range.from, range.to)) acc.addBatch(batch);
    reads.push(shardRead(range, acc));
  }
  const merged = mergeReads(reads, namedColumns(spec.schema), 'ts');
  return statisticsFromSummaries({ windows, summaries: merged.summaries, findings: merged.findings, spec, references: memoryReferences() });
}

describe('sharded statistics', function () {
  this.timeout(60_000);
  let dir: string;
  let lines: string[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'alertiger-shard-'));
    const rows = [...generateInferenceLog({ seed: 11, days: 6, rowsPerDay: 700 })] as unknown as Array<Record<string, unknown>>;
    lines = rows.map((r, i) => (i % 97 === 5 ? '{"ts": broken' : JSON.stringify(i % 53 === 0 ? { ...r, purchase_amount: 'NaN' } : r)));
    writeFileSync(join(dir, 'log.jsonl'), lines.join('\n') + '\n');
    for (let p = 0; p < 4; p++) writeFileSync(join(dir, `part-${p}.jsonl`), lines.filter((_, i) => i % 4 === p).join('\n') + '\n');
    await writeCsv(join(dir, 'log.csv'), rows, SYNTHETIC_SCHEMA.columns);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const shards of [2, 3, 5]) {
    it(`gives the statistics of one read when ${shards} shards split one JSONL file by byte range`, async () => {
      const spec = specFor(join(dir, 'log.jsonl'), 'jsonl');
      const a = await single(spec);
      const b = await sharded(spec, shards);
      const c = compareStatistics(a, b);
      assert.deepEqual(c.differences, []);
      assert.ok(c.exact > 500 && c.sketched > 100, `compared ${c.exact} exact, ${c.sketched} sketched`);
      assert.equal(b.reduce((n, w) => n + (w.quality?.corruptLines ?? 0), 0), a.reduce((n, w) => n + (w.quality?.corruptLines ?? 0), 0));
      assert.deepEqual(b.at(-1)!.quality?.missingColumns, [{ field: 'never_logged', setting: 'schema.categorical' }]);
    });
  }

  it('gives the statistics of one read when 3 shards split a CSV file (each range gets the header)', async () => {
    const spec = specFor(join(dir, 'log.csv'), 'csv');
    const c = compareStatistics(await single(spec), await sharded(spec, 3));
    assert.deepEqual(c.differences, []);
    assert.ok(c.exact > 500);
  });

  it('gives the statistics of one read when 3 shards deal the 4 files of a glob', async () => {
    const spec = specFor(join(dir, 'part-*.jsonl'), 'jsonl');
    const c = compareStatistics(await single(spec), await sharded(spec, 3));
    assert.deepEqual(c.differences, []);
  });

  it('reads every line exactly once across byte ranges cut anywhere, even inside a line', async () => {
    const path = join(dir, 'log.jsonl');
    const text = await readFile(path, 'utf8');
    for (const cuts of [[1], [17, 18, 19], [text.indexOf('\n'), text.indexOf('\n') + 1], [5000, 90_000, 90_001]]) {
      const bounds = [0, ...cuts, Buffer.byteLength(text)];
      let joined = '';
      for (let i = 0; i + 1 < bounds.length; i++) for await (const chunk of rangeBytes(path, bounds[i], bounds[i + 1])) joined += chunk.toString('utf8');
      assert.equal(joined, text, `cuts ${cuts.join(',')}`);
    }
  });
});

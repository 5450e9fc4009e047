import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withDefaults } from '../../../operator/src/api/defaults.js';
import type { ModelMonitor } from '../../../operator/src/api/types.js';
import { AlertigerError } from '../../../operator/src/errors.js';
import { silentLogger } from '../../../operator/src/log.js';
import type { StatisticsPort } from '../../../operator/src/run/ports.js';
import { sourceStatistics, type ReferenceStore } from '../../../operator/src/run/statistics.js';
import { runPlan } from '../../../operator/src/run/run.js';
import { compareStatistics } from '../../../operator/src/shard/compare.js';
import { decodeReport, encodeReport } from '../../../operator/src/shard/report.js';
import { checkSamePlan, computeShard, mergedStatistics, runWorkerShard, type ReportExchange } from '../../../operator/src/shard/run.js';
import { openFileSource } from '../../../operator/src/sources/file.js';
import type { Reference } from '../../../operator/src/stats/reference.js';
import { completeShards, joinParts, PART_CHARS, shardPoints } from '../../../operator/src/store/shards.js';
import { DEFAULT_START, generateInferenceLog } from '../../../operator/src/synthetic/index.js';

const DAY = 86_400_000;
const start = Date.parse(DEFAULT_START);

function memoryReferences(): ReferenceStore {
  let ref: Reference | undefined;
  return { loadReference: async () => ref, saveReference: async (r) => { ref = r; } };
}

/** The exchange in memory: what InfluxDB holds, by shard. */
function memoryExchange(): ReportExchange & { texts: Map<number, string> } {
  const texts = new Map<number, string>();
  return {
    texts,
    write: async (shard, text) => { texts.set(shard, text); },
    complete: async () => new Set(texts.keys()),
    read: async (shard) => texts.get(shard),
    clear: async () => texts.clear(),
  };
}

describe('the merge step (shard 0)', function () {
  this.timeout(60_000);
  let dir: string;
  let monitor: ModelMonitor;
  const now = new Date(start + 20 * DAY + 2 * 3600_000);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'alertiger-shard-run-'));
    const rows = [...generateInferenceLog({ seed: 5, days: 21, rowsPerDay: 300 })];
    writeFileSync(join(dir, 'log.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    monitor = {
      apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', metadata: { name: 'm', namespace: 'default' },
      spec: { model: { name: 'm' }, source: { file: { path: join(dir, 'log.jsonl') } }, schema: { categorical: ['country', 'device', 'channel'] }, scale: { shards: 3 } },
    };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const spec = () => withDefaults(monitor.spec);
  const context = (index: number) => ({
    monitor, spec: spec(), id: { index, shards: 3 }, logger: silentLogger, now: () => now,
    openInflux: () => { throw new Error('a file source'); },
  });
  const direct = (): StatisticsPort => sourceStatistics({ spec: spec(), open: () => openFileSource({ path: join(dir, 'log.jsonl') }, { timestamp: 'ts' }), references: memoryReferences(), now: () => now });

  it('answers the run\'s read with what one process reading everything computes', async () => {
    const exchange = memoryExchange();
    for (const index of [1, 2]) await runWorkerShard(context(index), exchange);
    const port = mergedStatistics({ ...context(0), exchange, references: memoryReferences(), direct: direct(), waitMs: 1000 });
    const windows = runPlan(spec(), undefined, now).windows;
    const c = compareStatistics(await direct().windows(windows), await port.windows(windows));
    assert.deepEqual(c.differences, []);
    assert.ok(c.exact > 300);
    await port.clear();
    assert.equal(exchange.texts.size, 0, 'the reports are dropped once merged');
  });

  it('fails with ShardsIncomplete naming the shard that stored nothing by the deadline', async () => {
    const exchange = memoryExchange();
    await runWorkerShard(context(1), exchange);
    let slept = 0;
    const port = mergedStatistics({ ...context(0), exchange, references: memoryReferences(), direct: direct(), waitMs: 50, pollMs: 10, sleep: async (ms) => { slept += ms; await new Promise((r) => setTimeout(r, ms)); } });
    await assert.rejects(port.windows(runPlan(spec(), undefined, now).windows), (err: unknown) => {
      assert.ok(err instanceof AlertigerError && err.code === 'ShardsIncomplete');
      assert.match(err.message, /^shard 2 of 3 stored no summary within 0 s/);
      return true;
    });
    assert.ok(slept > 0, 'it polled before giving up');
    assert.equal(exchange.texts.size, 1, "shard 1's report stays for a retry");
  });

  it('refuses a shard that planned another run', async () => {
    const own = await computeShard(context(0));
    const other = await computeShard({ ...context(1), now: () => new Date(now.getTime() + DAY) });
    assert.throws(() => checkSamePlan(own, other), /shard 1 planned another run/);
  });

  it('round-trips a report through its text, and refuses text that is not one', async () => {
    const report = await computeShard(context(2));
    assert.deepEqual(decodeReport(encodeReport(report), 'r'), JSON.parse(JSON.stringify(report)));
    assert.throws(() => decodeReport('bm90IGd6aXA=', "shard 2's summary"), /shard 2's summary is not a readable shard summary/);
  });
});

describe('the InfluxDB exchange points', () => {
  const key = { namespace: 'ml', monitor: 'm', run: 'm-alertiger-1' };

  it('cuts a report into parts under the string limit and joins them back in time order', () => {
    const text = 'x'.repeat(PART_CHARS * 2 + 5);
    const points = shardPoints(key, 2, text, 1000);
    assert.equal(points.length, 3);
    assert.deepEqual(points.map((p) => [p.timestamp, p.fields!.parts, String(p.fields!.data).length]), [[1000, 3, PART_CHARS], [1001, 3, PART_CHARS], [1002, 3, 5]]);
    assert.deepEqual(points[0].tags, { namespace: 'ml', monitor: 'm', run: 'm-alertiger-1', shard: '2' });
    const raw = { results: [{ series: [{ columns: ['time', 'data', 'parts'], values: [...points].reverse().map((p) => [p.timestamp, p.fields!.data, 3]) }] }] };
    assert.equal(joinParts(raw), text);
    assert.equal(joinParts({ results: [{ series: [{ columns: ['time', 'data', 'parts'], values: [[1000, 'a', 3]] }] }] }), undefined, 'a part missing');
  });

  it('counts a shard complete only when all its parts are stored', () => {
    const raw = { results: [{ series: [
      { tags: { shard: '1' }, columns: ['time', 'stored', 'parts'], values: [[0, 3, 3]] },
      { tags: { shard: '2' }, columns: ['time', 'stored', 'parts'], values: [[0, 2, 3]] },
    ] }] };
    assert.deepEqual([...completeShards(raw)], [1]);
  });
});

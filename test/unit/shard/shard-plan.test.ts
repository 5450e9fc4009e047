import assert from 'node:assert/strict';
import { withDefaults } from '../../../operator/src/api/defaults.js';
import { planFileShare, runReads, shardable, timeSlices, type SourceFile } from '../../../operator/src/shard/plan.js';

const DAY = 86_400_000;
const files = (n: number, size = 1000, splittable = true): SourceFile[] =>
  Array.from({ length: n }, (_, i) => ({ path: `/logs/part-${i}.jsonl`, size, splittable }));

describe('planFileShare', () => {
  it('deals whole files by index when there are at least as many files as shards', () => {
    const shares = [0, 1, 2].map((index) => planFileShare(files(7), { index, shards: 3 }).map((p) => p.path));
    assert.deepEqual(shares, [
      ['/logs/part-0.jsonl', '/logs/part-3.jsonl', '/logs/part-6.jsonl'],
      ['/logs/part-1.jsonl', '/logs/part-4.jsonl'],
      ['/logs/part-2.jsonl', '/logs/part-5.jsonl'],
    ]);
  });

  it('cuts one large uncompressed file into byte ranges that cover it exactly once', () => {
    const ranges = [0, 1, 2].map((index) => planFileShare(files(1, 1000), { index, shards: 3 })[0].range);
    assert.deepEqual(ranges, [{ start: 0, end: 333 }, { start: 333, end: 666 }, { start: 666, end: 1000 }]);
  });

  it('deals shards over fewer files, each file cut among its own shards', () => {
    const all = [0, 1, 2, 3, 4].flatMap((index) => planFileShare(files(2, 900), { index, shards: 5 }).map((p) => ({ index, ...p })));
    assert.deepEqual(all.map((p) => [p.index, p.path.slice(-7), p.range?.start, p.range?.end]), [
      [0, '0.jsonl', 0, 300], [1, '1.jsonl', 0, 450], [2, '0.jsonl', 300, 600], [3, '1.jsonl', 450, 900], [4, '0.jsonl', 600, 900],
    ]);
  });

  it('gives a gzip or Parquet file whole to the first of its shards and nothing to the others', () => {
    const shares = [0, 1, 2].map((index) => planFileShare(files(1, 1000, false), { index, shards: 3 }));
    assert.deepEqual(shares, [[{ path: '/logs/part-0.jsonl' }], [], []]);
  });

  it('refuses an index outside the shard count', () => {
    assert.throws(() => planFileShare(files(1), { index: 3, shards: 3 }), /shard index 3 is outside 0..2/);
  });
});

describe('timeSlices', () => {
  it('gives each shard its slice of every window, the slices tiling the windows', () => {
    const from = Date.UTC(2024, 0, 1);
    const slices = [0, 1, 2].map((index) => timeSlices(from, from + 2 * DAY, DAY, { index, shards: 3 }));
    assert.deepEqual(slices[1], [[from + DAY / 3, from + (2 * DAY) / 3], [from + DAY + DAY / 3, from + DAY + (2 * DAY) / 3]]);
    const all = slices.flat().sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < all.length; i++) assert.equal(all[i][0], all[i - 1][1], 'no gap, no overlap');
    assert.deepEqual([all[0][0], all.at(-1)![1]], [from, from + 2 * DAY]);
  });

  it('is the whole range for one shard', () => {
    assert.deepEqual(timeSlices(0, 3600_000, 3600_000, { index: 0, shards: 1 }), [[0, 3600_000]]);
  });
});

describe('runReads', () => {
  const spec = withDefaults({ model: { name: 'm' }, source: { file: { path: '/logs/*.jsonl' } } });
  const now = new Date(Date.UTC(2024, 2, 1, 2, 15));

  it('reads the label horizon and the new window at once on a later run', () => {
    const reads = runReads(spec, new Date(Date.UTC(2024, 1, 29)).toISOString(), now);
    assert.deepEqual(reads, [{ from: Date.UTC(2024, 1, 22), to: Date.UTC(2024, 2, 1) }]);
  });

  it('adds the backtest\'s older windows on a first run, ending where the backfill begins', () => {
    const reads = runReads(spec, undefined, now);
    assert.equal(reads.length, 2);
    const end = Date.UTC(2024, 2, 1);
    // 38 windows of backfill (28 of history, 3 scored, 7 of label horizon); the replay starts 8 weeks
    // back and backfills 38 windows before its first run's window.
    assert.deepEqual(reads, [{ from: end - 38 * DAY, to: end }, { from: end - 56 * DAY + DAY - 38 * DAY, to: end - 38 * DAY }]);
  });
});

describe('shardable', () => {
  it('runs a monitor with segment statistics in one process (they are not merged across shards yet)', () => {
    const base = { model: { name: 'm' }, source: { file: { path: '/logs/*.jsonl' } } };
    assert.equal(shardable(withDefaults(base)), true);
    assert.equal(shardable(withDefaults({ ...base, schema: { segments: [{ column: 'country' }] } })), false);
  });
});

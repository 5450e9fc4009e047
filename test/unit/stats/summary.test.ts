import assert from 'node:assert/strict';
import { StatsAccumulator } from '../../../operator/src/stats/accumulator.js';
import { WindowSummary } from '../../../operator/src/stats/summary.js';
import { windowResult, type WindowResult } from '../../../operator/src/stats/result.js';
import { gen } from './gen.js';

type Fields = Record<string, unknown>;

function rowsOf(n: number, seed: number): Fields[] {
  const g = gen(seed);
  return Array.from({ length: n }, (_, i) => {
    const row: Fields = { x: 5 + g.normal(), c: g.pick(['a', 'b', 'c', 'd']), score: g.uniform() };
    if (i % 7 === 0) row.x = null;
    if (i % 3 === 0) row.label = g.uniform() < (row.score as number) ? 1 : 0;
    if (i % 11 === 0) row.y = g.uniform() * 10;
    if (i === 5) row.x = 'corrupt';
    if (i % 13 === 0) row.z = i;
    return row;
  });
}

function summarise(rows: Fields[], offset = 0): WindowSummary {
  const acc = new StatsAccumulator({ categorical: ['c'] });
  rows.forEach((f, i) => acc.addFields(f, offset + i + 1));
  return acc.finish();
}

/** Every statistic of a and b equal within a relative 1e-9 (the moments differ in rounding only). */
function assertSameResult(a: WindowResult, b: WindowResult): void {
  assert.equal(a.rows, b.rows);
  assert.equal(a.corrupt, b.corrupt);
  assert.deepEqual(Object.keys(a.features).sort(), Object.keys(b.features).sort());
  const sections: Array<[string, Record<string, number | null>, Record<string, number | null>]> = [
    ['score', a.score, b.score], ['label', a.label, b.label],
    ...Object.keys(a.features).map((k): [string, Record<string, number | null>, Record<string, number | null>] => [k, a.features[k], b.features[k]]),
  ];
  for (const [name, x, y] of sections) {
    assert.deepEqual(Object.keys(x), Object.keys(y), name);
    for (const k of Object.keys(x)) {
      const u = x[k];
      const v = y[k];
      if (u === null || v === null) assert.equal(u, v, `${name}.${k}`);
      else assert.ok(Math.abs(u - v) <= 1e-9 * Math.max(1, Math.abs(v)), `${name}.${k}: ${u} vs ${v}`);
    }
  }
}

describe('WindowSummary', () => {
  it('merges two shards into exactly the statistics of the whole window', () => {
    const rows = rowsOf(1800, 1);
    const whole = windowResult(summarise(rows));
    const a = summarise(rows.slice(0, 1000));
    a.merge(summarise(rows.slice(1000), 1000));
    assertSameResult(windowResult(a), whole);
  });

  it('merges shards whose features differ (a feature only in one shard is missing in the other)', () => {
    const first = Array.from({ length: 100 }, (_, i) => ({ x: i }));
    const second = Array.from({ length: 300 }, (_, i) => ({ x: i, only: 1 }));
    const a = summarise(first);
    a.merge(summarise(second));
    const f = windowResult(a).features;
    assert.equal(f.only.count, 300);
    assert.equal(f.only.missing_rate, 0.25);
    assertSameResult(windowResult(a), windowResult(summarise([...first, ...second])));
  });

  it('survives a JSON round trip (a shard sent to another pod) and merges after it', () => {
    const rows = rowsOf(1200, 2);
    const a = summarise(rows.slice(0, 500));
    const b = summarise(rows.slice(500), 500);
    const shipped = WindowSummary.fromJSON(JSON.parse(JSON.stringify(b.toJSON())));
    assertSameResult(windowResult(shipped), windowResult(b));
    a.merge(shipped);
    assertSameResult(windowResult(a), windowResult(summarise(rows)));
  });

  it('merges label summaries past the exact-pair limit into the same AUC as the whole', () => {
    const g = gen(4);
    const rows = Array.from({ length: 140_000 }, () => {
      const score = g.uniform();
      return { score, label: g.uniform() < score ? 1 : 0 };
    });
    const whole = windowResult(summarise(rows)).label;
    const a = summarise(rows.slice(0, 70_000));
    a.merge(summarise(rows.slice(70_000)));
    const merged = windowResult(a).label;
    assert.ok(Math.abs((merged.auc ?? 0) - (whole.auc ?? 1)) < 1e-12);
    assert.ok(Math.abs((whole.auc ?? 0) - 0.8333) < 0.01, `auc ${whole.auc}`);
  });

  it('keeps the kind with more values when two shards inferred different kinds', () => {
    const a = summarise([{ v: 'text' }]);
    a.merge(summarise([{ v: 1 }, { v: 2 }]));
    assert.equal(windowResult(a).features.v.mean, 1.5);
    assert.equal(windowResult(a).features.v.missing_rate, 1 / 3);
  });
});

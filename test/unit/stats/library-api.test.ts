/**
 * The exported statistics API, imported the way a user would: through the package name
 * (self-reference, resolved by package.json `exports`), not by a path into the source tree.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { deserializeSummary, mergeSummaries, serializeSummary, statisticsOf, summarize, summarizeRows, QUANTILES, type WindowResult } from 'alertiger-operator/stats';
import { gen } from './gen.js';

type Fields = Record<string, unknown>;

/** Rows whose numeric features go well past the sketch's exact range (2,048 values). */
function rowsOf(n: number, seed: number, shift = 0): Fields[] {
  const g = gen(seed);
  return Array.from({ length: n }, (_, i) => {
    const score = g.uniform();
    const row: Fields = { ts: i, x: shift + 5 + g.normal(), y: Math.exp(g.normal()), c: g.pick(['a', 'b', 'c']), score };
    if (i % 9 === 0) row.x = null;
    if (i % 4 === 0) row.label = g.uniform() < score ? 1 : 0;
    return row;
  });
}

/** Rank (share of n) of q among the sorted values, as an interval [below, atOrBelow]. */
function rankOf(sorted: number[], q: number): [number, number] {
  const below = sorted.filter((v) => v < q).length;
  const atOrBelow = below + sorted.filter((v) => v === q).length;
  return [below / sorted.length, atOrBelow / sorted.length];
}

function assertClose(merged: WindowResult, whole: WindowResult, rows: Fields[]): void {
  assert.equal(merged.rows, whole.rows);
  assert.deepEqual(Object.keys(merged.features).sort(), Object.keys(whole.features).sort());
  for (const name of ['x', 'y']) {
    const m = merged.features[name];
    const w = whole.features[name];
    for (const k of ['count', 'missing_rate', 'zero_rate', 'min', 'max']) assert.equal(m[k], w[k], `${name}.${k}`);
    for (const k of ['mean', 'std']) assert.ok(Math.abs(m[k]! - w[k]!) <= 1e-9 * Math.abs(w[k]!), `${name}.${k}: ${m[k]} vs ${w[k]}`);
    const values = rows.map((r) => r[name]).filter((v): v is number => typeof v === 'number').sort((a, b) => a - b);
    for (const [q, p] of QUANTILES) {
      // Within the sketch's rank error (about 1e-3 of n at this size; 0.5% is the contract).
      const [lo, hi] = rankOf(values, m[q]!);
      assert.ok(p >= lo - 0.005 && p <= hi + 0.005, `${name}.${q}: rank ${lo}..${hi}, want ${p}`);
    }
  }
  assertSameStatistics(merged.features.c, whole.features.c, 'c');
  assertSameStatistics(merged.label, whole.label, 'label');
  assertSameStatistics(merged.score, whole.score, 'score', QUANTILES.map(([q]) => q));
}

/** Equal up to summation order (relative 1e-9); the listed sketch quantiles are skipped. */
function assertSameStatistics(a: Record<string, number | null>, b: Record<string, number | null>, name: string, skip: string[] = []): void {
  assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort(), name);
  for (const k of Object.keys(b)) {
    if (skip.includes(k)) continue;
    const u = a[k];
    const v = b[k];
    if (u === null || v === null) assert.equal(u, v, `${name}.${k}`);
    else assert.ok(Math.abs(u - v) <= 1e-9 * Math.max(1, Math.abs(v)), `${name}.${k}: ${u} vs ${v}`);
  }
}

describe('alertiger-operator/stats (package exports)', () => {
  it('resolves through the package name to the compiled library', () => {
    const resolved = createRequire(import.meta.url).resolve('alertiger-operator/package.json');
    assert.match(resolved, /package\.json$/);
    assert.equal(typeof summarize, 'function');
  });

  it('merges two shards into the statistics of one summary of all rows (within sketch error)', () => {
    const first = rowsOf(30_000, 1);
    const second = rowsOf(20_000, 2, 3);
    const all = [...first, ...second];
    const whole = statisticsOf(summarize(all, { categorical: ['c'] }));
    const merged = statisticsOf(mergeSummaries([summarize(first, { categorical: ['c'] }), summarize(second, { categorical: ['c'] })]));
    assertClose(merged, whole, all);
  });

  it('merges serialised shards (one per pod) as well as live ones, leaving the inputs untouched', async () => {
    const shards = [rowsOf(12_000, 3), rowsOf(9_000, 4, -2), rowsOf(15_000, 5, 1)];
    const texts = await Promise.all(shards.map(async (rows) => serializeSummary(await summarizeRows(toAsync(rows)))));
    const parts = texts.map(deserializeSummary);
    const merged = mergeSummaries(parts);
    assert.equal(serializeSummary(parts[0]), texts[0]);
    const all = shards.flat();
    assertClose(statisticsOf(merged), statisticsOf(summarize(all)), all);
  });

  it('refuses text that is not a serialised summary, and rows that are not objects, naming why', () => {
    assert.throws(() => deserializeSummary('{"rows": 1'), /summary is not JSON/);
    assert.throws(() => deserializeSummary('{"rows": 1}'), /lacks rows, features, score or label/);
    assert.throws(() => summarize([{ x: 1 }, 7 as unknown as Fields]), /row 2 is not an object/);
    assert.throws(() => mergeSummaries([]), /at least one summary/);
  });
});

async function* toAsync(rows: Fields[]): AsyncIterable<Fields> {
  yield* rows;
}

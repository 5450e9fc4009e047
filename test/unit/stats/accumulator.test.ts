import assert from 'node:assert/strict';
import { StatsAccumulator, type StatsOptions } from '../../../operator/src/stats/accumulator.js';
import { windowResult, type WindowResult } from '../../../operator/src/stats/result.js';
import { exactQuantile, gen } from './gen.js';
import type { Row } from '../../../operator/src/sources/types.js';

type Fields = Record<string, unknown>;

function statsOf(rows: Fields[], options: StatsOptions = {}): WindowResult {
  const acc = new StatsAccumulator(options);
  rows.forEach((fields, i) => acc.addFields(fields, i + 1));
  return windowResult(acc.finish());
}

function close(actual: number | null | undefined, expected: number, what: string, tol = 1e-9): void {
  assert.ok(typeof actual === 'number', `${what}: expected a number, got ${String(actual)}`);
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

/** Straightforward statistics of the present finite values, for comparison. */
function reference(values: number[]): Record<string, number> {
  const sorted = Float64Array.from(values).sort();
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return {
    mean, std: Math.sqrt(variance), min: sorted[0], max: sorted[sorted.length - 1],
    p1: exactQuantile(sorted, 0.01), p5: exactQuantile(sorted, 0.05), p25: exactQuantile(sorted, 0.25), p50: exactQuantile(sorted, 0.5),
    p75: exactQuantile(sorted, 0.75), p95: exactQuantile(sorted, 0.95), p99: exactQuantile(sorted, 0.99),
  };
}

describe('StatsAccumulator', () => {
  it('computes exact numeric statistics, counting absent, null, empty and NaN only as missing', () => {
    const g = gen(1);
    const rows: Fields[] = [];
    const present: number[] = [];
    let zeros = 0;
    for (let i = 0; i < 1800; i++) {
      const r = g.uniform();
      const row: Fields = { id: `r${i}` };
      if (r < 0.05) row.x = null;
      else if (r < 0.1) row.x = '';
      else if (r < 0.15) row.x = NaN;
      else if (r < 0.2) { /* absent */ } else if (r < 0.25) { row.x = 0; zeros++; present.push(0); } else {
        const v = 10 + 3 * g.normal();
        row.x = v;
        present.push(v);
      }
      rows.push(row);
    }
    const x = statsOf(rows, { categorical: ['id'] }).features.x;
    assert.equal(x.count, present.length);
    close(x.missing_rate, (rows.length - present.length) / rows.length, 'missing_rate');
    close(x.zero_rate, zeros / present.length, 'zero_rate');
    for (const [k, v] of Object.entries(reference(present))) close(x[k], v, k);
    assert.equal(x.drift, null);
  });

  it('reports Infinity apart and keeps it out of mean, std, min, max and quantiles', () => {
    const rows: Fields[] = [{ x: 1 }, { x: Infinity }, { x: 3 }, { x: -Infinity }, { x: 5 }];
    const result = statsOf(rows);
    assert.deepEqual(result.infinite, { x: 2 });
    assert.equal(result.features.x.count, 5);
    assert.equal(result.features.x.missing_rate, 0);
    assert.equal(result.features.x.mean, 3);
    assert.equal(result.features.x.min, 1);
    assert.equal(result.features.x.max, 5);
    assert.equal(result.features.x.p99, 5);
  });

  it('counts a string in a numeric feature as an invalid cell, keeps the row and names the line and field', () => {
    const rows: Fields[] = [{ x: 1, c: 'a', score: 0.2 }, { x: 'oops', c: 'b', score: 0.9 }, { x: 3, c: 'a', score: 0.4 }];
    const result = statsOf(rows);
    assert.equal(result.rows, 3);
    assert.equal(result.corrupt, 0);
    assert.deepEqual(result.quality.invalidExamples, [{ line: 2, reason: 'field "x": string "oops" in a numeric feature' }]);
    assert.deepEqual(result.quality.typeConflicts, [{ field: 'x', kind: 'numeric', invalid: 1, example: 'line 2: field "x": string "oops" in a numeric feature' }]);
    assert.equal(result.features.x.mean, 2);
    assert.equal(result.features.x.count, 2);
    close(result.features.x.invalid_rate, 1 / 3, 'invalid_rate');
    assert.equal(result.features.x.missing_rate, 0);
    assert.equal(result.features.c.count, 3);
    assert.equal(result.features.c.distinct_count, 2);
    assert.equal(result.score.traffic, 3);
  });

  it('counts a string score or label as an invalid cell too, and keeps only the first few examples', () => {
    const rows: Fields[] = Array.from({ length: 15 }, (_, i) => (i % 2 ? { score: 'high' } : { score: 0.5, label: 'yes' }));
    const acc = new StatsAccumulator({ maxExamples: 3 });
    rows.forEach((f, i) => acc.addFields(f, i + 1));
    const result = windowResult(acc.finish());
    assert.equal(result.rows, 15);
    assert.equal(result.corrupt, 0);
    assert.equal(result.quality.invalidValues, 15);
    assert.deepEqual(result.quality.fields, { score: { invalid: 7, nonFinite: 0 }, label: { invalid: 8, nonFinite: 0 } });
    assert.equal(result.quality.invalidExamples.length, 5);
    assert.match(result.quality.invalidExamples[0].reason, /field "label": string "yes" in a label/);
    assert.match(result.quality.invalidExamples[1].reason, /field "score": string "high" in a score/);
    assert.equal(result.score.traffic, 8);
    close(result.score.invalid_rate, 7 / 15, 'score invalid_rate');
  });

  it('treats a feature that appears mid-window as missing before it, and one that disappears as missing after', () => {
    const rows: Fields[] = [];
    for (let i = 0; i < 1000; i++) rows.push(i < 600 ? { old: i } : { late: i, old: i < 800 ? i : undefined });
    const f = statsOf(rows).features;
    assert.equal(f.late.count, 400);
    close(f.late.missing_rate, 0.6, 'late missing_rate');
    assert.equal(f.late.min, 600);
    assert.equal(f.old.count, 800);
    close(f.old.missing_rate, 0.2, 'old missing_rate');
  });

  it('reports a mostly missing feature exactly, and an always-missing one as count 0', () => {
    const rows: Fields[] = Array.from({ length: 1000 }, (_, i) => ({ sparse: i % 100 === 0 ? i : null, never: null }));
    const f = statsOf(rows).features;
    assert.equal(f.sparse.count, 10);
    close(f.sparse.missing_rate, 0.99, 'missing_rate');
    close(f.sparse.p50, 400, 'p50');
    assert.deepEqual(f.never, { count: 0, missing_rate: 1 });
  });

  it('infers numeric and categorical kinds from the first value and honours the categorical list', () => {
    const rows: Fields[] = [{ a: 1, b: 'x', c: 7, d: true, nested: { k: 1 } }, { a: 2, b: 'y', c: 8, d: false, nested: [1] }];
    const f = statsOf(rows, { categorical: ['c'] }).features;
    assert.ok('zero_rate' in f.a);
    assert.ok('distinct_count' in f.b);
    assert.equal(f.c.distinct_count, 2);
    assert.equal(f.d.distinct_count, 2);
    assert.equal(f.nested, undefined);
  });

  it('leaves the score, label, timestamp and excluded fields out of the features', () => {
    const rows: Fields[] = [{ ts: 1, score: 0.3, label: 1, debug_x: 4, debug_y: 's', keep: 1 }];
    const f = statsOf(rows, { exclude: ['debug_*'] }).features;
    assert.deepEqual(Object.keys(f), ['keep']);
  });

  it('computes categorical statistics exactly: distinct count, top share, entropy', () => {
    const counts: Record<string, number> = { us: 50, de: 30, fr: 15, br: 5 };
    const rows: Fields[] = [];
    for (const [k, c] of Object.entries(counts)) for (let i = 0; i < c; i++) rows.push({ country: k });
    rows.push({ country: null }, { country: '' }, {});
    const c = statsOf(rows).features.country;
    assert.equal(c.count, 100);
    close(c.missing_rate, 3 / 103, 'missing_rate');
    assert.equal(c.distinct_count, 4);
    close(c.top_share, 0.5, 'top_share');
    const entropy = -Object.values(counts).reduce((a, n) => a + (n / 100) * Math.log2(n / 100), 0);
    close(c.entropy, entropy, 'entropy');
    assert.equal(c.unseen_share, null);
  });

  it('estimates the distinct count of a high-cardinality feature within 5% with bounded memory', () => {
    const rows: Fields[] = Array.from({ length: 60_000 }, (_, i) => ({ user: `u${i % 30_000}`, hot: i % 3 === 0 ? 'top' : `x${i}` }));
    const acc = new StatsAccumulator();
    rows.forEach((f, i) => acc.addFields(f, i + 1));
    const summary = acc.finish();
    const result = windowResult(summary);
    close(result.features.user.distinct_count, 30_000, 'distinct_count', 0.05);
    close(result.features.hot.top_share, 1 / 3, 'top_share of the heavy hitter', 0.01);
    const hot = summary.features.get('hot');
    assert.ok(hot?.kind === 'categorical' && hot.counts.size <= 8192);
  });

  it('computes score statistics: traffic, moments, quantiles and positive rate at the threshold', () => {
    const g = gen(2);
    const scores = Array.from({ length: 1500 }, () => g.uniform());
    const rows: Fields[] = scores.map((s) => ({ score: s }));
    rows.push({ other: 1 });
    const s = statsOf(rows, { threshold: 0.7 }).score;
    assert.equal(s.traffic, 1500);
    close(s.missing_rate, 1 / 1501, 'missing_rate');
    for (const [k, v] of Object.entries(reference(scores))) close(s[k], v, k);
    close(s.positive_rate, scores.filter((x) => x >= 0.7).length / 1500, 'positive_rate');
  });

  it('computes classifier label statistics against brute force: coverage, positive rate, AUC, log loss, calibration', () => {
    const g = gen(3);
    const rows: Fields[] = [];
    const pairs: Array<[number, number]> = [];
    for (let i = 0; i < 3000; i++) {
      const score = Math.round(g.uniform() * 100) / 100;
      const row: Fields = { score };
      if (i % 4 === 0) {
        const label = g.uniform() < score ? 1 : 0;
        row.label = i % 8 === 0 ? label === 1 : label;
        pairs.push([score, label]);
      }
      rows.push(row);
    }
    rows.push({ label: 1 });
    const l = statsOf(rows).label;
    close(l.label_coverage, (pairs.length + 1) / rows.length, 'label_coverage');
    close(l.positive_rate, (pairs.filter(([, y]) => y === 1).length + 1) / (pairs.length + 1), 'positive_rate');
    let wins = 0;
    let total = 0;
    for (const [sp, yp] of pairs) {
      if (yp !== 1) continue;
      for (const [sn, yn] of pairs) {
        if (yn !== 0) continue;
        total++;
        wins += sp > sn ? 1 : sp === sn ? 0.5 : 0;
      }
    }
    close(l.auc, wins / total, 'auc');
    const clamp = (p: number): number => Math.min(Math.max(p, 1e-15), 1 - 1e-15);
    close(l.log_loss, pairs.reduce((a, [s, y]) => a - (y ? Math.log(clamp(s)) : Math.log(1 - clamp(s))), 0) / pairs.length, 'log_loss');
    const meanScore = pairs.reduce((a, [s]) => a + s, 0) / pairs.length;
    const rate = pairs.reduce((a, [, y]) => a + y, 0) / pairs.length;
    close(l.calibration, meanScore / rate, 'calibration');
    assert.equal(l.mae, null);
  });

  it('switches to regression for labels other than 0/1, with MAE and RMSE', () => {
    const rows: Fields[] = [{ score: 1, label: 2 }, { score: 3, label: 3 }, { score: 5, label: 1 }, { score: 4 }];
    const l = statsOf(rows).label;
    close(l.mae, (1 + 0 + 4) / 3, 'mae');
    close(l.rmse, Math.sqrt((1 + 0 + 16) / 3), 'rmse');
    assert.equal(l.auc, null);
    assert.equal(l.positive_rate, null);
    close(l.label_coverage, 0.75, 'label_coverage');
  });

  it('reads true/false labels, also as text (CSV), as 1 and 0', () => {
    const l = statsOf([{ score: 0.9, label: true }, { score: 0.8, label: 'True' }, { score: 0.1, label: 'false' }, { score: 0.2, label: false }]).label;
    assert.equal(l.positive_rate, 0.5);
    assert.equal(l.auc, 1);
  });

  it('follows schema.task over the labels', () => {
    const rows: Fields[] = [{ score: 0.2, label: 0 }, { score: 0.9, label: 1 }];
    const acc = new StatsAccumulator({ task: 'regression' });
    rows.forEach((f, i) => acc.addFields(f, i + 1));
    const l = windowResult(acc.finish(), { task: 'regression' }).label;
    close(l.mae, 0.15, 'mae');
    assert.equal(l.auc, null);
  });

  it('gives null label statistics and zero coverage when no label arrived', () => {
    const l = statsOf([{ score: 0.4 }, { score: 0.6 }]).label;
    assert.deepEqual(l, { label_coverage: 0, positive_rate: null, auc: null, log_loss: null, calibration: null, mae: null, rmse: null });
  });

  it('accepts bigint values (Parquet INT64) as numbers', () => {
    const f = statsOf([{ n: 5n }, { n: 7 }]).features;
    assert.equal(f.n.mean, 6);
  });

  it('takes Row objects and row batches with corrupt lines', () => {
    const acc = new StatsAccumulator();
    const row: Row = { line: 3, fields: { x: 1 } };
    acc.addRow(row);
    acc.addBatch({ rows: [{ line: 4, fields: { x: 3 } }], corrupt: [{ line: 5, reason: 'bad JSON' }] });
    const result = windowResult(acc.finish());
    assert.equal(result.rows, 2);
    assert.equal(result.corrupt, 1);
    assert.deepEqual(result.corruptLines, [{ line: 5, reason: 'bad JSON' }]);
  });

  it('reads wide rows (dictionary-mode objects from JSON.parse) field for field, also when their shape varies', () => {
    // 300 fields: JSON.parse makes such rows dictionary-mode objects, read by key lookups.
    const g = gen(12);
    const width = 300;
    const sums = new Float64Array(width);
    const counts = new Int32Array(width);
    let extra = 0;
    const rows = Array.from({ length: 1500 }, (_, i) => {
      const row: Fields = {};
      for (let f = 0; f < width; f++) {
        if ((i + f) % 17 === 0) continue;
        const v = Math.round(g.normal() * 1000) / 100;
        row[`f${f}`] = (i + f) % 29 === 0 ? String(v) : v;
        sums[f] += v;
        counts[f]++;
      }
      if (i % 5 === 0) {
        row.extra = i;
        extra++;
      }
      if (i % 7 === 0) row.f3 = 'not a number';
      return JSON.parse(JSON.stringify(row)) as Fields;
    });
    const result = statsOf(rows);
    assert.equal(result.rows, 1500);
    assert.equal(result.features.extra.count, extra);
    for (const f of [0, 1, 150, 299]) {
      close(result.features[`f${f}`].count, counts[f], `f${f}.count`);
      close(result.features[`f${f}`].mean, sums[f] / counts[f], `f${f}.mean`);
    }
    const f3 = result.features.f3;
    assert.ok((f3.invalid_rate ?? 0) > 0, 'the text in f3 counts as invalid');
  });
});

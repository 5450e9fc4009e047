import assert from 'node:assert/strict';
import { QuantileSketch } from '../../../operator/src/stats/kll.js';
import { QUANTILES } from '../../../operator/src/stats/names.js';
import { DISTRIBUTIONS, exactQuantile, gen, rankError } from './gen.js';

const PS = QUANTILES.map(([, p]) => p);

function sketchOf(values: Float64Array, seed?: number): QuantileSketch {
  const s = new QuantileSketch(undefined, seed);
  for (let i = 0; i < values.length; i += 512) s.addMany(values.subarray(i, Math.min(values.length, i + 512)), Math.min(512, values.length - i));
  return s;
}

function sample(name: string, n: number, seed: number): Float64Array {
  const g = gen(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = DISTRIBUTIONS[name](g);
  return out;
}

/** Largest rank error over the contract's quantiles. */
function worstRankError(sketch: QuantileSketch, values: Float64Array): number {
  const sorted = values.slice().sort();
  return Math.max(...PS.map((p) => rankError(sorted, sketch.quantile(p), p)));
}

describe('QuantileSketch', () => {
  it('returns the exact quantiles while it holds fewer values than k', () => {
    const values = sample('lognormal', 1500, 1);
    const sketch = sketchOf(values);
    const sorted = values.slice().sort();
    for (const p of [0, ...PS, 1]) assert.equal(sketch.quantile(p), exactQuantile(sorted, p), `p=${p}`);
    assert.equal(sketch.cdf(sorted[749]), 750 / 1500);
    assert.equal(sketch.cdf(-Infinity), 0);
  });

  for (const name of Object.keys(DISTRIBUTIONS)) {
    it(`keeps the rank error of p1..p99 within 0.5% on 300k ${name} values`, () => {
      const values = sample(name, 300_000, 7);
      const sketch = sketchOf(values);
      const worst = worstRankError(sketch, values);
      assert.ok(worst <= 0.005, `worst rank error ${(worst * 100).toFixed(3)}%`);
      assert.ok(sketch.retained < 12_000, `retained ${sketch.retained} items`);
    });
  }

  it('keeps the rank error within 0.5% on 2M values, with memory that does not grow', () => {
    const values = sample('normal', 2_000_000, 11);
    const sketch = sketchOf(values);
    assert.ok(worstRankError(sketch, values) <= 0.005);
    assert.ok(sketch.retained < 12_000, `retained ${sketch.retained} items`);
  });

  it('merges two shards into a sketch as accurate as one over the whole', () => {
    const a = sample('pareto', 250_000, 3);
    const b = sample('normal', 150_000, 4);
    const merged = sketchOf(a, 1);
    merged.merge(sketchOf(b, 2));
    const whole = new Float64Array(a.length + b.length);
    whole.set(a);
    whole.set(b, a.length);
    assert.equal(merged.n, whole.length);
    assert.ok(worstRankError(merged, whole) <= 0.005);
  });

  it('merges small shards exactly', () => {
    const a = sample('normal', 700, 5);
    const b = sample('cauchy', 600, 6);
    const merged = sketchOf(a);
    merged.merge(sketchOf(b));
    const sorted = Float64Array.from([...a, ...b]).sort();
    for (const p of PS) assert.equal(merged.quantile(p), exactQuantile(sorted, p));
  });

  it('gives the same quantiles for the same input in the same order', () => {
    const values = sample('lognormal', 400_000, 8);
    const a = sketchOf(values);
    const b = sketchOf(values);
    assert.deepEqual(PS.map((p) => a.quantile(p)), PS.map((p) => b.quantile(p)));
  });

  it('survives a JSON round trip with the same quantiles and keeps accepting values', () => {
    const values = sample('bimodal', 200_000, 9);
    const sketch = sketchOf(values);
    const copy = QuantileSketch.fromJSON(JSON.parse(JSON.stringify(sketch.toJSON())));
    assert.deepEqual(PS.map((p) => copy.quantile(p)), PS.map((p) => sketch.quantile(p)));
    copy.addMany(values, values.length);
    const twice = new Float64Array(values.length * 2);
    twice.set(values);
    twice.set(values, values.length);
    assert.equal(copy.n, twice.length);
    assert.ok(worstRankError(copy, twice) <= 0.005);
  });

  it('answers NaN when empty and refuses a tiny k', () => {
    assert.ok(Number.isNaN(new QuantileSketch().quantile(0.5)));
    assert.throws(() => new QuantileSketch(4), /k must be an integer >= 16/);
  });
});

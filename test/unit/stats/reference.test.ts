import assert from 'node:assert/strict';
import { StatsAccumulator } from '../../../operator/src/stats/accumulator.js';
import { jensenShannon, parseReference } from '../../../operator/src/stats/reference.js';
import { buildReference, windowResult } from '../../../operator/src/stats/result.js';
import type { WindowSummary } from '../../../operator/src/stats/summary.js';
import { gen } from './gen.js';

function window(seed: number, shift: number, countries: readonly string[]): WindowSummary {
  const g = gen(seed);
  const acc = new StatsAccumulator();
  for (let i = 0; i < 20_000; i++) acc.addFields({ age: 40 + shift + 10 * g.normal(), country: g.pick(countries), score: Math.min(1, Math.max(0, 0.5 + 0.1 * shift + 0.2 * g.normal())) }, i + 1);
  return acc.finish();
}

describe('drift against a reference window', () => {
  const ref = buildReference(window(1, 0, ['us', 'de', 'fr']), Date.UTC(2026, 0, 1));

  it('uses deciles of the reference for numeric bins and its categories for categorical ones', () => {
    const age = ref.features.age;
    assert.ok(age.kind === 'numeric' && age.edges.length === 9 && age.proportions.length === 10);
    for (const p of age.proportions) assert.ok(Math.abs(p - 0.1) < 0.005, `decile share ${p}`);
    const country = ref.features.country;
    assert.ok(country.kind === 'categorical');
    assert.deepEqual([...country.categories].sort(), ['de', 'fr', 'us']);
    assert.equal(ref.windowStart, '2026-01-01T00:00:00.000Z');
  });

  it('measures near-zero drift for a window like the reference and large drift for a shifted one', () => {
    const same = windowResult(window(2, 0, ['us', 'de', 'fr']), { reference: ref });
    const shifted = windowResult(window(3, 15, ['us', 'de', 'br', 'jp']), { reference: ref });
    assert.ok((same.features.age.drift ?? 1) < 0.01, `same age drift ${same.features.age.drift}`);
    assert.ok((shifted.features.age.drift ?? 0) > 0.2, `shifted age drift ${shifted.features.age.drift}`);
    assert.ok((same.features.country.drift ?? 1) < 0.01);
    assert.ok((shifted.features.country.drift ?? 0) > 0.2);
    assert.ok((shifted.score.drift ?? 0) > (same.score.drift ?? 1));
  });

  it('measures unseen_share as the share of values in categories the reference never had', () => {
    const result = windowResult(window(4, 0, ['us', 'de', 'br', 'jp']), { reference: ref });
    const unseen = result.features.country.unseen_share ?? 0;
    assert.ok(Math.abs(unseen - 0.5) < 0.02, `unseen_share ${unseen}`);
    assert.equal(windowResult(window(5, 0, ['us']), { reference: ref }).features.country.unseen_share, 0);
  });

  it('survives a JSON round trip and refuses documents that are not references', () => {
    assert.deepEqual(parseReference(JSON.parse(JSON.stringify(ref))), ref);
    assert.throws(() => parseReference({ version: 1, features: { a: { kind: 'numeric', edges: [1], proportions: [1] } } }), /features\.a/);
    assert.throws(() => parseReference([]), /not a reference summary/);
  });

  it('computes the Jensen-Shannon divergence in bits: 0 for equal, 1 for disjoint', () => {
    assert.equal(jensenShannon([0.5, 0.5], [0.5, 0.5]), 0);
    assert.equal(jensenShannon([1, 0], [0, 1]), 1);
    const js = jensenShannon([0.5, 0.5], [0.9, 0.1]);
    const m = [0.7, 0.3];
    const expected = 0.5 * (0.5 * Math.log2(0.5 / m[0]) + 0.5 * Math.log2(0.5 / m[1])) + 0.5 * (0.9 * Math.log2(0.9 / m[0]) + 0.1 * Math.log2(0.1 / m[1]));
    assert.ok(Math.abs(js - expected) < 1e-12);
    assert.throws(() => jensenShannon([1], [0.5, 0.5]), /differ in length/);
  });
});

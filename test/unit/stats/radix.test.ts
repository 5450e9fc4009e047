import assert from 'node:assert/strict';
import { radixSort } from '../../../operator/src/stats/radix.js';
import { gen } from './gen.js';

function check(values: number[]): void {
  const data = Float64Array.from(values);
  const scratch = new Float64Array(values.length);
  const sorted = radixSort(data, values.length, scratch);
  const expected = Float64Array.from(values).sort();
  assert.deepEqual(Array.from(sorted.subarray(0, values.length)), Array.from(expected));
}

describe('radixSort', () => {
  const g = gen(3);
  const cases: Record<string, () => number[]> = {
    'random doubles of both signs': () => Array.from({ length: 5000 }, () => (g.uniform() - 0.5) * 1e6),
    'values that differ only in the low bits': () => Array.from({ length: 3000 }, () => 1000 + g.uniform() * 1e-9),
    'small integers with many ties': () => Array.from({ length: 4000 }, () => Math.floor(g.uniform() * 4)),
    'tiny and huge magnitudes': () => Array.from({ length: 2000 }, (_, i) => (i % 2 ? 1e-300 : 1e300) * g.normal()),
    'zeros of both signs': () => Array.from({ length: 1000 }, (_, i) => (i % 3 === 0 ? -0 : i % 3 === 1 ? 0 : g.normal())),
    'a short array (native path)': () => Array.from({ length: 50 }, () => g.normal()),
  };
  for (const [name, make] of Object.entries(cases)) {
    it(`sorts ${name} as the native sort does`, () => check(make()));
  }
});

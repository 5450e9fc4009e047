/** Seeded generators of test data for the statistics tests. */
import { xorshift32 as createRng } from '../../../operator/src/random.js';

export interface Gen {
  uniform(): number;
  normal(): number;
  pick<T>(items: readonly T[]): T;
}

export function gen(seed: number): Gen {
  const rng = createRng(seed);
  return {
    uniform: () => rng.next(),
    normal: () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next()),
    pick: (items) => items[Math.floor(rng.next() * items.length)],
  };
}

export type Distribution = (g: Gen) => number;

/** The distributions the quantile sketch must handle (issue 3). */
export const DISTRIBUTIONS: Record<string, Distribution> = {
  normal: (g) => 100 + 15 * g.normal(),
  lognormal: (g) => Math.exp(2 * g.normal()),
  bimodal: (g) => (g.uniform() < 0.3 ? 1000 + 0.001 * g.normal() : -5 + g.normal()),
  pareto: (g) => Math.pow(1 - g.uniform(), -1 / 1.1),
  cauchy: (g) => Math.tan(Math.PI * (g.uniform() - 0.5)),
  constant: () => 42,
  'small integers': (g) => Math.floor(g.uniform() * 5),
  'huge offset': (g) => 1.7e12 + 1000 * g.uniform(),
};

/** The inverted-CDF quantile of sorted values: sorted[ceil(p n) - 1]. */
export function exactQuantile(sorted: Float64Array | number[], p: number): number {
  const n = sorted.length;
  return sorted[Math.max(0, Math.ceil(Math.round(p * n * 1e6) / 1e6) - 1)];
}

/** How far (as a share of n) the rank of q is from p: 0 when q is a correct p-quantile. */
export function rankError(sorted: Float64Array, q: number, p: number): number {
  const n = sorted.length;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < q) lo = mid + 1;
    else hi = mid;
  }
  const below = lo;
  hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= q) lo = mid + 1;
    else hi = mid;
  }
  const target = p * n;
  if (target < below) return (below - target) / n;
  if (target > lo) return (target - lo) / n;
  return 0;
}

/**
 * Measures the quantile sketch's rank error (issue 3): for each distribution and a few seeds,
 * the largest and RMS distance, as a share of n, between the rank of each reported quantile
 * (p1 p5 p25 p50 p75 p95 p99) and its target rank. Run after a build:
 *   node dist/bench/stats-rank-error.js [--n 1000000] [--seeds 3]
 */
import { parseArgs } from 'node:util';
import { QuantileSketch } from '../operator/src/stats/kll.js';
import { QUANTILES } from '../operator/src/stats/names.js';
import { xorshift32 as createRng } from '../operator/src/random.js';

const { values } = parseArgs({ options: { n: { type: 'string' }, seeds: { type: 'string' } } });
const n = Number(values.n ?? 1_000_000);
const seeds = Number(values.seeds ?? 3);

type Draw = (u: () => number, z: () => number) => number;
const DISTRIBUTIONS: Array<[string, Draw, number]> = [
  ['normal', (_, z) => 100 + 15 * z(), 1],
  ['lognormal', (_, z) => Math.exp(2 * z()), 1],
  ['bimodal (narrow mode)', (u, z) => (u() < 0.3 ? 1000 + 0.001 * z() : -5 + z()), 1],
  ['pareto (alpha 1.1)', (u) => Math.pow(1 - u(), -1 / 1.1), 1],
  ['cauchy', (u) => Math.tan(Math.PI * (u() - 0.5)), 1],
  ['constant', () => 42, 1],
  ['small integers', (u) => Math.floor(u() * 5), 1],
  ['mostly missing (1% present)', (_, z) => z(), 0.01],
];

function rankError(sorted: Float64Array, q: number, p: number): number {
  const m = sorted.length;
  let lo = 0;
  let hi = m;
  while (lo < hi) { const mid = (lo + hi) >>> 1; if (sorted[mid] < q) lo = mid + 1; else hi = mid; }
  const below = lo;
  hi = m;
  while (lo < hi) { const mid = (lo + hi) >>> 1; if (sorted[mid] <= q) lo = mid + 1; else hi = mid; }
  const target = p * m;
  return target < below ? (below - target) / m : target > lo ? (target - lo) / m : 0;
}

process.stdout.write(`rank error of p1..p99 over ${seeds} seeds, n = ${n} rows per distribution (k = 2048)\n`);
let overall = 0;
for (const [name, draw, present] of DISTRIBUTIONS) {
  let worst = 0;
  let squares = 0;
  let count = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const rng = createRng(seed * 7919);
    const u = (): number => rng.next();
    const z = (): number => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
    const m = Math.round(n * present);
    const data = new Float64Array(m);
    for (let i = 0; i < m; i++) data[i] = draw(u, z);
    const sketch = new QuantileSketch();
    for (let i = 0; i < m; i += 512) sketch.addMany(data.subarray(i, Math.min(m, i + 512)), Math.min(512, m - i));
    const sorted = data.slice().sort();
    for (const [, p] of QUANTILES) {
      const e = rankError(sorted, sketch.quantile(p), p);
      worst = Math.max(worst, e);
      squares += e * e;
      count++;
    }
  }
  overall = Math.max(overall, worst);
  process.stdout.write(`  ${name.padEnd(30)} worst ${(worst * 100).toFixed(3)}%   rms ${(Math.sqrt(squares / count) * 100).toFixed(3)}%\n`);
}
process.stdout.write(`worst over all: ${(overall * 100).toFixed(3)}% (target <= 0.5%)\n`);

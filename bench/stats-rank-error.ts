/**
 * Rank error of the quantile sketch against a reference KLL with k = 1024 (issue 14), the sketch
 * whylogs profiles use (Apache DataSketches' KLL). whylogs is Python and not part of this repo's
 * tests, so the reference is a plain KLL written here (ReferenceKll, below: DataSketches' design
 * of lazy compaction, capacities k (2/3)^depth with a floor of 8, unsorted level 0), fed the very
 * same values in the same run.
 *
 * For each n, input order (random, sorted, reverse) and seed, both sketches see the values one
 * after the other; the error of a run is the largest distance, as a share of n, between the rank
 * of a reported quantile (p1 p5 p25 p50 p75 p95 p99) and its target rank. Printed: the median and
 * the worst of those over the seeds and orders, for both sketches, and their ratio.
 *
 * Run after a build:
 *   node dist/bench/stats-rank-error.js [--sizes 500000,2000000] [--seeds 5] [--distributions]
 * (--distributions adds the older per-distribution table of our sketch alone at 1M values).
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { QuantileSketch } from '../operator/src/stats/kll.js';
import { QUANTILES } from '../operator/src/stats/names.js';
import { xorshift32 as createRng, type StatefulRng } from '../operator/src/random.js';

const PS = QUANTILES.map(([, p]) => p);
export const REFERENCE_K = 1024;
const ORDERS = ['random', 'sorted', 'reverse'] as const;
type Order = (typeof ORDERS)[number];

/**
 * A KLL sketch as Apache DataSketches builds it (the reference, not used by the product): items
 * go unsorted into level 0; when the items held reach the total capacity, the lowest level at or
 * over its own capacity is sorted and compacted (every other item from a random offset moves up;
 * an odd one out stays).
 */
export class ReferenceKll {
  private levels: number[][] = [[]];
  private held = 0;
  private n = 0;

  constructor(readonly k: number, private readonly rng: StatefulRng) {}

  private capacity(h: number): number {
    const depth = this.levels.length - 1 - h;
    return Math.max(8, Math.ceil(this.k * Math.pow(2 / 3, depth)));
  }

  private totalCapacity(): number {
    let total = 0;
    for (let h = 0; h < this.levels.length; h++) total += this.capacity(h);
    return total;
  }

  update(x: number): void {
    this.levels[0].push(x);
    this.held++;
    this.n++;
    if (this.held >= this.totalCapacity()) this.compactOnce();
  }

  private compactOnce(): void {
    let h = 0;
    while (this.levels[h].length < this.capacity(h)) h++;
    if (h === this.levels.length - 1) this.levels.push([]);
    const items = h === 0 ? this.levels[0].sort((a, b) => a - b) : this.levels[h];
    const keep = items.length % 2 === 1 ? [items[0]] : [];
    const start = keep.length;
    const promoted: number[] = [];
    for (let j = start + (this.rng.next() < 0.5 ? 0 : 1); j < items.length; j += 2) promoted.push(items[j]);
    this.levels[h] = keep;
    this.levels[h + 1] = mergeSorted(this.levels[h + 1], promoted);
    this.held -= items.length - keep.length - promoted.length;
  }

  /** The smallest held value whose weighted rank reaches p of the total (as QuantileSketch does). */
  quantile(p: number): number {
    const items: Array<[number, number]> = [];
    this.levels.forEach((l, h) => { for (const v of l) items.push([v, 2 ** h]); });
    items.sort((a, b) => a[0] - b[0]);
    let total = 0;
    for (const [, w] of items) total += w;
    const target = Math.max(Math.ceil(p * total - 1e-9 * total), 1);
    let cumulative = 0;
    for (const [v, w] of items) {
      cumulative += w;
      if (cumulative >= target) return v;
    }
    return items[items.length - 1][0];
  }

  get retained(): number {
    return this.held;
  }
}

function mergeSorted(a: number[], b: number[]): number[] {
  const out = new Array<number>(a.length + b.length);
  let i = 0;
  let j = 0;
  let o = 0;
  while (i < a.length && j < b.length) out[o++] = a[i] <= b[j] ? a[i++] : b[j++];
  while (i < a.length) out[o++] = a[i++];
  while (j < b.length) out[o++] = b[j++];
  return out;
}

/** Distance (share of n) between the rank of q in sorted data and the target rank p n. */
export function rankError(sorted: Float64Array, q: number, p: number): number {
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

function worstError(sorted: Float64Array, quantile: (p: number) => number): number {
  return Math.max(...PS.map((p) => rankError(sorted, quantile(p), p)));
}

/** Lognormal values (ranks are all a comparison sketch sees: the shape does not matter). */
function valuesOf(n: number, seed: number, order: Order): Float64Array {
  const rng = createRng(seed * 7919);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.exp(2 * Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next()));
  if (order === 'sorted') data.sort();
  if (order === 'reverse') data.sort().reverse();
  return data;
}

export interface RankErrorFigure {
  n: number;
  runs: number;
  /** Median and largest over the runs of each run's worst error over p1..p99 (share of n). */
  ours: { median: number; worst: number };
  reference: { median: number; worst: number };
  /** Items held at the end, a measure of memory (median over runs). */
  oursRetained: number;
  referenceRetained: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Runs both sketches over every order and seed at n values. */
export function compareRankError(n: number, seeds: number): RankErrorFigure {
  const ours: number[] = [];
  const reference: number[] = [];
  const oursRetained: number[] = [];
  const referenceRetained: number[] = [];
  for (const order of ORDERS) {
    for (let seed = 1; seed <= seeds; seed++) {
      const data = valuesOf(n, seed, order);
      const sketch = new QuantileSketch(undefined, 0x5eed + seed);
      for (let i = 0; i < n; i += 512) sketch.addMany(data.subarray(i, Math.min(n, i + 512)), Math.min(512, n - i));
      const ref = new ReferenceKll(REFERENCE_K, createRng(0xbeef + seed));
      for (let i = 0; i < n; i++) ref.update(data[i]);
      const sorted = data.slice().sort();
      ours.push(worstError(sorted, (p) => sketch.quantile(p)));
      reference.push(worstError(sorted, (p) => ref.quantile(p)));
      oursRetained.push(sketch.retained);
      referenceRetained.push(ref.retained);
    }
  }
  return {
    n,
    runs: ours.length,
    ours: { median: median(ours), worst: Math.max(...ours) },
    reference: { median: median(reference), worst: Math.max(...reference) },
    oursRetained: median(oursRetained),
    referenceRetained: median(referenceRetained),
  };
}

export function formatRankError(f: RankErrorFigure): string {
  const e = (x: number): string => x.toExponential(2);
  return `  n = ${String(f.n).padStart(8)} (${f.runs} runs: random, sorted, reverse x seeds)  ` +
    `ours (k=2048) median ${e(f.ours.median)} worst ${e(f.ours.worst)} (${f.oursRetained} items)   ` +
    `reference KLL k=${REFERENCE_K} median ${e(f.reference.median)} worst ${e(f.reference.worst)} (${f.referenceRetained} items)   ` +
    `ratio ours/reference: median ${(f.ours.median / f.reference.median).toFixed(2)} worst ${(f.ours.worst / f.reference.worst).toFixed(2)}\n`;
}

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

/** Our sketch alone on several shapes (ties, heavy tails), worst and RMS over the quantiles. */
function distributionTable(n: number, seeds: number): void {
  process.stdout.write(`our sketch alone, p1..p99 over ${seeds} seeds, n = ${n} rows per distribution (k = 2048)\n`);
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
      for (const p of PS) {
        const e = rankError(sorted, sketch.quantile(p), p);
        worst = Math.max(worst, e);
        squares += e * e;
        count++;
      }
    }
    process.stdout.write(`  ${name.padEnd(30)} worst ${(worst * 100).toFixed(3)}%   rms ${(Math.sqrt(squares / count) * 100).toFixed(3)}%\n`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { sizes: { type: 'string' }, seeds: { type: 'string' }, distributions: { type: 'boolean' } } });
  const sizes = (values.sizes ?? '500000,2000000').split(',').map(Number);
  const seeds = Number(values.seeds ?? 5);
  if (sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`--sizes must be positive integers, got ${values.sizes}`);
  if (!Number.isInteger(seeds) || seeds <= 0) throw new Error(`--seeds must be a positive integer, got ${values.seeds}`);
  process.stdout.write(`rank error of p1..p99: our sketch against a reference KLL (k = ${REFERENCE_K}) on the same values\n`);
  for (const n of sizes) process.stdout.write(formatRankError(compareRankError(n, seeds)));
  if (values.distributions === true) distributionTable(1_000_000, 3);
}

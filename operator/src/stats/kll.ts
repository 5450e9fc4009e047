/**
 * A mergeable quantile sketch in the KLL family (Karnin, Lang, Liberty 2016), written for this
 * project: a stack of sorted compactors where an item of level h stands for 2^h values. When a
 * level outgrows its capacity it is compacted: every other item, from a random offset, moves up
 * a level. Capacities shrink geometrically (by 2/3) below the top level, so memory stays about
 * 3k values whatever the stream length.
 *
 * Two choices make it fast enough to keep up with JSON parsing:
 * - values land unsorted in a raw buffer that is radix-sorted in one go when full;
 * - past 64k values a sampler keeps one value at random from each group of 2^s (s grows by one
 *   each time the count doubles), the bottom of the KLL paper's design. Its rank error has a
 *   standard deviation of about sqrt(p(1-p) / 128k) of n whatever n is, below the compactors'.
 *
 * Rank error, measured in test/unit/stats/kll.test.ts over many distributions: below 0.5% of n
 * for every quantile at k = 2048 (the default). Below 2k values nothing is compacted and the
 * quantiles are exact. Coin flips come from a seeded PRNG: the same values in the same order give
 * the same sketch.
 */
import { radixSort } from './radix.js';
import { xorshift32, type StatefulRng } from '../random.js';

const DEFAULT_K = 2048;
const DECAY = 2 / 3;
const MIN_CAPACITY = 8;
/** Values taken whole before the sampler starts, as a multiple of k. */
const SAMPLER_START_FACTOR = 64;
const EMPTY = new Float64Array(0);
/** Items moving up a level during a compaction (single-threaded, reused). */
let promotedScratch = new Float64Array(1024);

/** The serialised form, for shipping a shard's partial result. */
export interface QuantileSketchState {
  k: number;
  /** Values offered so far. */
  n: number;
  /** levels[h]: sorted items, each standing for 2^h values. */
  levels: number[][];
}

/** The sketch flattened for queries: sorted values with cumulative weights. */
interface SortedView {
  values: Float64Array;
  cumulative: Float64Array;
  total: number;
}

export class QuantileSketch {
  readonly k: number;
  /** levels[h][0..sizes[h]): sorted items of weight 2^h (buffers have spare room). */
  private levels: Float64Array[] = [];
  private sizes: number[] = [];
  private capacities: number[] = [];
  private readonly raw: Float64Array;
  private readonly scratch: Float64Array;
  private rawSize = 0;
  /** Sampler level: raw items stand for 2^rawLevel values each. */
  private rawLevel = 0;
  private nextLevelAt: number;
  private count = 0;
  private groupPos = 0;
  private pick = 0;
  /** Unused random bits for the sampler's picks (one 32-bit draw serves several groups). */
  private bits = 0;
  private bitsLeft = 0;
  private readonly rng: StatefulRng;
  private view: SortedView | undefined;

  constructor(k: number = DEFAULT_K, seed = 0x5eed, samplerStart = SAMPLER_START_FACTOR * k) {
    if (!Number.isInteger(k) || k < 16) throw new RangeError(`sketch k must be an integer >= 16, got ${k}`);
    this.k = k;
    this.raw = new Float64Array(k);
    this.scratch = new Float64Array(k);
    this.rng = xorshift32(seed);
    this.nextLevelAt = samplerStart;
  }

  /** Number of values offered. */
  get n(): number {
    return this.count;
  }

  add(value: number): void {
    this.addMany(Float64Array.of(value), 1);
  }

  /** Adds the first m values of `values` (finite numbers only; the caller filters). */
  addMany(values: Float64Array, m: number): void {
    this.view = undefined;
    let i = 0;
    while (i < m) {
      const end = Math.min(m, i + (this.nextLevelAt - this.count));
      if (this.rawLevel === 0) this.takeAll(values, i, end);
      else this.sample(values, i, end);
      this.count += end - i;
      i = end;
      if (this.count >= this.nextLevelAt) this.raiseSamplerLevel();
    }
  }

  private takeAll(values: Float64Array, start: number, end: number): void {
    let i = start;
    while (i < end) {
      const take = Math.min(end - i, this.raw.length - this.rawSize);
      this.raw.set(values.subarray(i, i + take), this.rawSize);
      this.rawSize += take;
      i += take;
      if (this.rawSize === this.raw.length) this.flushRaw();
    }
  }

  /** Keeps one value at a random position of each group of 2^rawLevel. */
  private sample(values: Float64Array, start: number, end: number): void {
    const w = 1 << this.rawLevel;
    let i = start;
    while (i < end) {
      const toPick = this.pick - this.groupPos;
      if (toPick >= 0 && i + toPick < end) {
        this.raw[this.rawSize++] = values[i + toPick];
        if (this.rawSize === this.raw.length) this.flushRaw();
      }
      const toEnd = w - this.groupPos;
      if (i + toEnd <= end) {
        i += toEnd;
        this.groupPos = 0;
        this.pick = this.randomBits(this.rawLevel);
      } else {
        this.groupPos += end - i;
        i = end;
      }
    }
  }

  private raiseSamplerLevel(): void {
    this.flushRaw();
    while (this.count >= this.nextLevelAt) {
      this.rawLevel++;
      this.nextLevelAt *= 2;
    }
    this.groupPos = 0;
    this.pick = this.randomBits(this.rawLevel);
  }

  /** A uniform integer in [0, 2^count), count <= 16. */
  private randomBits(count: number): number {
    if (this.bitsLeft < count) {
      this.bits = Math.floor(this.rng.next() * 4294967296);
      this.bitsLeft = 32;
    }
    const value = this.bits & ((1 << count) - 1);
    this.bits >>>= count;
    this.bitsLeft -= count;
    return value;
  }

  private flushRaw(): void {
    if (this.rawSize === 0) return;
    const sorted = radixSort(this.raw, this.rawSize, this.scratch);
    this.insertSorted(this.rawLevel, sorted.subarray(0, this.rawSize));
    this.rawSize = 0;
    this.compress();
  }

  /** Merges sorted items into level h, in place from the back (no allocation once grown). */
  private insertSorted(h: number, items: Float64Array): void {
    while (this.levels.length <= h) this.addLevel();
    const size = this.sizes[h];
    const m = items.length;
    let buf = this.levels[h];
    if (buf.length < size + m) {
      const bigger = new Float64Array(Math.max(size + m, Math.ceil(buf.length * 1.5), 64));
      bigger.set(buf.subarray(0, size));
      this.levels[h] = buf = bigger;
    }
    let i = size - 1;
    let j = m - 1;
    for (let o = size + m - 1; j >= 0; o--) buf[o] = i >= 0 && buf[i] > items[j] ? buf[i--] : items[j--];
    this.sizes[h] = size + m;
  }

  private addLevel(): void {
    this.levels.push(EMPTY);
    this.sizes.push(0);
    const top = this.levels.length - 1;
    this.capacities = this.levels.map((_, h) => Math.max(MIN_CAPACITY, Math.floor(this.k * Math.pow(DECAY, top - h))));
  }

  private compress(): void {
    for (let changed = true; changed;) {
      changed = false;
      for (let h = 0; h < this.levels.length; h++) {
        if (this.sizes[h] > this.capacities[h]) {
          this.compact(h);
          changed = true;
        }
      }
    }
  }

  /** Moves every other item of level h, from a random offset, up one level. */
  private compact(h: number): void {
    const items = this.levels[h];
    const size = this.sizes[h];
    const even = size & ~1;
    if (promotedScratch.length < even / 2) promotedScratch = new Float64Array(even);
    let o = 0;
    for (let j = this.rng.next() < 0.5 ? 0 : 1; j < even; j += 2) promotedScratch[o++] = items[j];
    if (even !== size) items[0] = items[size - 1];
    this.sizes[h] = size - even;
    this.insertSorted(h + 1, promotedScratch.subarray(0, o));
  }

  /** Adds another sketch's values into this one (the other is left as it was). */
  merge(other: QuantileSketch): void {
    this.view = undefined;
    this.flushRaw();
    for (let h = 0; h < other.levels.length; h++) {
      if (other.sizes[h] > 0) this.insertSorted(h, other.levels[h].slice(0, other.sizes[h]));
    }
    if (other.rawSize > 0) this.insertSorted(other.rawLevel, other.raw.slice(0, other.rawSize).sort());
    this.count += other.count;
    if (this.count >= this.nextLevelAt) this.raiseSamplerLevel();
    this.compress();
  }

  /** Sum of the weights of the retained items (close to n once the sampler runs). */
  get weight(): number {
    return this.sortedView().total;
  }

  /** Number of items held, a measure of memory. */
  get retained(): number {
    return this.sizes.reduce((sum, size) => sum + size, 0) + this.rawSize;
  }

  /**
   * The p-quantile (0 <= p <= 1) as the smallest held value whose weighted rank reaches p of the
   * total ("inverted CDF"; exact data gives sorted[ceil(p n) - 1]). NaN when empty.
   */
  quantile(p: number): number {
    const { values, cumulative, total } = this.sortedView();
    if (total === 0) return NaN;
    const target = Math.max(Math.ceil(p * total - 1e-9 * total), 1);
    let lo = 0;
    let hi = values.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid] >= target) hi = mid;
      else lo = mid + 1;
    }
    return values[lo];
  }

  /** Estimated share (0..1) of values <= x. NaN when empty. */
  cdf(x: number): number {
    const { values, cumulative, total } = this.sortedView();
    if (total === 0) return NaN;
    let lo = 0;
    let hi = values.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (values[mid] <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 0 : cumulative[lo - 1] / total;
  }

  toJSON(): QuantileSketchState {
    this.flushRaw();
    return { k: this.k, n: this.count, levels: this.levels.map((l, h) => Array.from(l.subarray(0, this.sizes[h]))) };
  }

  static fromJSON(state: QuantileSketchState): QuantileSketch {
    const sketch = new QuantileSketch(state.k, 0x5eed ^ state.n);
    state.levels.forEach((l, h) => sketch.insertSorted(h, Float64Array.from(l)));
    sketch.count = state.n;
    if (sketch.count >= sketch.nextLevelAt) sketch.raiseSamplerLevel();
    return sketch;
  }

  private sortedView(): SortedView {
    if (this.view !== undefined) return this.view;
    const parts: Array<{ values: Float64Array; weight: number }> = this.levels.map((l, h) => ({ values: l.subarray(0, this.sizes[h]), weight: 2 ** h }));
    if (this.rawSize > 0) parts.push({ values: this.raw.slice(0, this.rawSize).sort(), weight: 2 ** this.rawLevel });
    this.view = flatten(parts);
    return this.view;
  }
}

function flatten(parts: Array<{ values: Float64Array; weight: number }>): SortedView {
  let size = 0;
  for (const p of parts) size += p.values.length;
  const values = new Float64Array(size);
  const weights = new Float64Array(size);
  const cursor = new Int32Array(parts.length);
  for (let o = 0; o < size; o++) {
    let best = -1;
    for (let q = 0; q < parts.length; q++) {
      if (cursor[q] < parts[q].values.length && (best < 0 || parts[q].values[cursor[q]] < parts[best].values[cursor[best]])) best = q;
    }
    values[o] = parts[best].values[cursor[best]++];
    weights[o] = parts[best].weight;
  }
  const cumulative = new Float64Array(size);
  let total = 0;
  for (let o = 0; o < size; o++) cumulative[o] = total += weights[o];
  return { values, cumulative, total };
}

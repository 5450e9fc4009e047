/**
 * The mergeable summary of one categorical column over a window.
 *
 * Counts are exact while a window holds at most 4096 categories. Past that (an id-like feature)
 * the counter keeps the 4096 most frequent, pruning whenever it doubles (a batched Misra-Gries:
 * a kept count is low by at most the largest count pruned), and distinct_count switches to a
 * HyperLogLog, fed from then on with every category not currently kept.
 */
import { HyperLogLog } from './hll.js';
import type { Statistics } from './names.js';

export const CATEGORY_CAPACITY = 4096;

export interface CategoricalState {
  count: number;
  counts: Array<[string, number]>;
  pruned: boolean;
  hll: string | null;
}

export class CategoricalSummary {
  readonly kind = 'categorical';
  /** Values present. */
  count = 0;
  readonly counts = new Map<string, number>();
  private hll: HyperLogLog | undefined;

  /** True once categories have been dropped: counts are then approximate for the tail. */
  get pruned(): boolean {
    return this.hll !== undefined;
  }

  /** Adds values[0..n) and clears them; undefined is a missing value. */
  addColumn(values: Array<string | undefined>, n: number): void {
    const counts = this.counts;
    for (let r = 0; r < n; r++) {
      const v = values[r];
      if (v === undefined) continue;
      values[r] = undefined;
      this.count++;
      const c = counts.get(v);
      if (c !== undefined) {
        counts.set(v, c + 1);
      } else {
        this.hll?.add(v);
        counts.set(v, 1);
        if (counts.size > 2 * CATEGORY_CAPACITY) this.prune();
      }
    }
  }

  add(value: string, times = 1): void {
    this.count += times;
    const c = this.counts.get(value);
    if (c !== undefined) {
      this.counts.set(value, c + times);
      return;
    }
    this.hll?.add(value);
    this.counts.set(value, times);
    if (this.counts.size > 2 * CATEGORY_CAPACITY) this.prune();
  }

  private prune(): void {
    if (this.hll === undefined) {
      this.hll = new HyperLogLog();
      for (const key of this.counts.keys()) this.hll.add(key);
    }
    const kept = [...this.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, CATEGORY_CAPACITY);
    this.counts.clear();
    for (const [k, c] of kept) this.counts.set(k, c);
  }

  merge(other: CategoricalSummary): void {
    if (other.hll !== undefined) {
      if (this.hll === undefined) {
        this.hll = new HyperLogLog();
        for (const key of this.counts.keys()) this.hll.add(key);
      }
      this.hll.merge(other.hll);
    }
    const before = this.count;
    for (const [k, c] of other.counts) this.add(k, c);
    this.count = before + other.count;
  }

  distinctCount(): number {
    return this.hll === undefined ? this.counts.size : Math.max(Math.round(this.hll.estimate()), this.counts.size);
  }

  toJSON(): CategoricalState {
    return { count: this.count, counts: [...this.counts], pruned: this.pruned, hll: this.hll?.toJSON() ?? null };
  }

  static fromJSON(state: CategoricalState): CategoricalSummary {
    const s = new CategoricalSummary();
    s.count = state.count;
    for (const [k, c] of state.counts) s.counts.set(k, c);
    if (state.hll !== null) s.hll = HyperLogLog.fromJSON(state.hll);
    return s;
  }
}

/**
 * The categorical statistics except unseen_share and drift (they need the reference); `invalid`
 * cells (an object or array) count in invalid_rate, not in missing_rate. Entropy is
 * in bits; once pruned, the untracked share is taken as spread evenly over the untracked
 * categories.
 */
export function categoricalStatistics(s: CategoricalSummary, rows: number, invalid = 0): Statistics {
  const out: Statistics = {
    count: s.count,
    missing_rate: rows > 0 ? Math.max(rows - s.count - invalid, 0) / rows : null,
    invalid_rate: rows > 0 ? invalid / rows : null,
    distinct_count: s.distinctCount(),
    top_share: null,
    entropy: null,
  };
  if (s.count === 0) return out;
  let top = 0;
  let tracked = 0;
  let entropy = 0;
  for (const c of s.counts.values()) {
    if (c > top) top = c;
    tracked += c;
    const p = c / s.count;
    entropy -= p * Math.log2(p);
  }
  const rest = s.count - tracked;
  if (rest > 0) {
    const others = Math.max(s.distinctCount() - s.counts.size, 1);
    const p = rest / s.count / others;
    entropy -= others * p * Math.log2(p);
  }
  out.top_share = top / s.count;
  out.entropy = Math.max(entropy, 0);
  return out;
}

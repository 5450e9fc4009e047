/**
 * The seeded pseudo-random generators, one module for all: Math.random is never used where a
 * result must be reproducible (a statistic written twice, a synthetic log, a trained model).
 *
 * - `xorshift32`: the sketches' coin flips (stats/kll.ts); its state is a single number, so a
 *   serialised sketch resumes exactly.
 * - `createRng(seed)` / `keyedRng(...keys)`: mulberry32 with the distributions the synthetic log
 *   and the detector draw from. `keyedRng` derives a stream from several keys (seed, day,
 *   purpose), so an incident injected on one day cannot change the rows of another.
 */

/** A generator whose whole state is one 32-bit number. */
export interface StatefulRng {
  /** A float in [0, 1). */
  next(): number;
  /** The state, to serialise a sketch and resume it. */
  state(): number;
}

/** xorshift32; seed 0 is replaced by a fixed non-zero state. */
export function xorshift32(seed: number): StatefulRng {
  let s = seed >>> 0 || 0x9e3779b9;
  return {
    next(): number {
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      return s / 4294967296;
    },
    state: () => s,
  };
}

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Integer uniform in [lo, hi). */
  int(lo: number, hi: number): number;
  /** Standard normal (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number;
  /** Student-t with integer degrees of freedom, scaled to unit variance when df > 2. */
  studentT(df: number): number;
  /** Log-uniform in [lo, hi), both > 0. */
  logUniform(lo: number, hi: number): number;
  /** Gamma(shape, 1) by Marsaglia-Tsang; shape < 1 through the boost x * U^(1/shape). */
  gamma(shape: number): number;
  /** Poisson(lambda) by Knuth's product method (for small lambda, < 60). */
  poisson(lambda: number): number;
  exponential(mean: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** An index drawn with the given (not necessarily normalised) weights. */
  pickIndex(weights: readonly number[]): number;
  /** An independent generator derived from this one (for per-series streams). */
  fork(): Rng;
}

/** mulberry32 from a 32-bit state. */
class Mulberry32 implements Rng {
  private spare: number | undefined;

  constructor(private state: number) {}

  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor((hi - lo) * this.next());
  }

  normal(): number {
    if (this.spare !== undefined) {
      const v = this.spare;
      this.spare = undefined;
      return v;
    }
    const u = 1 - this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  studentT(df: number): number {
    let chi2 = 0;
    for (let i = 0; i < df; i++) {
      const g = this.normal();
      chi2 += g * g;
    }
    const t = this.normal() / Math.sqrt(chi2 / df);
    return df > 2 ? t * Math.sqrt((df - 2) / df) : t;
  }

  logUniform(lo: number, hi: number): number {
    return Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * this.next());
  }

  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * Math.pow(1 - this.next(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const x = this.normal();
      const v0 = 1 + c * x;
      if (v0 <= 0) continue;
      const v = v0 * v0 * v0;
      const u = 1 - this.next();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
    }
  }

  poisson(lambda: number): number {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }

  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  pickIndex(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let u = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      u -= weights[i];
      if (u < 0) return i;
    }
    return weights.length - 1;
  }

  fork(): Rng {
    return createRng(Math.floor(this.next() * 4294967296));
  }
}

export function createRng(seed: number): Rng {
  return new Mulberry32(((seed >>> 0) ^ 0x9e3779b9) | 0);
}

/** splitmix32: mixes an integer into a well-spread 32-bit state. */
function mix(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A stream derived from several keys (each an integer up to 2^53). */
export function keyedRng(...keys: number[]): Rng {
  let s = 0x2545f491;
  for (const k of keys) s = mix(s ^ mix(k | 0) ^ Math.floor(k / 4294967296));
  return new Mulberry32(s);
}

/** A seeded Fisher-Yates permutation of 0..n-1. */
export function shuffledIndices(n: number, rng: Rng): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}

/**
 * A tiny seeded PRNG (xorshift32). Sketches draw their coin flips from it so the same input in
 * the same order always gives the same statistics: writing a window twice must write identical
 * points (docs/design.md §4).
 */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** The state, to serialise a sketch and resume it. */
  state(): number;
}

export function createRng(seed: number): Rng {
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

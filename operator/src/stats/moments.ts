/**
 * Count, mean and sum of squared deviations, combined batch by batch with Chan et al.'s parallel
 * update, so two shards merge into exactly the moments of the whole (up to rounding).
 */
export interface Moments {
  n: number;
  mean: number;
  m2: number;
}

function emptyMoments(): Moments {
  return { n: 0, mean: 0, m2: 0 };
}

/** Moments of the first n values, two-pass for accuracy (pass their sum if known already). */
export function momentsOf(values: Float64Array, n: number, knownSum?: number): Moments {
  if (n === 0) return emptyMoments();
  let sum = knownSum ?? 0;
  if (knownSum === undefined) for (let i = 0; i < n; i++) sum += values[i];
  const mean = sum / n;
  let m2 = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean;
    m2 += d * d;
  }
  return { n, mean, m2 };
}

/** Adds b into a (Chan, Golub, LeVeque 1979). */
export function combineMoments(a: Moments, b: Moments): void {
  if (b.n === 0) return;
  if (a.n === 0) {
    a.n = b.n;
    a.mean = b.mean;
    a.m2 = b.m2;
    return;
  }
  const n = a.n + b.n;
  const delta = b.mean - a.mean;
  a.mean += (delta * b.n) / n;
  a.m2 += b.m2 + (delta * delta * a.n * b.n) / n;
  a.n = n;
}

/** Population standard deviation; null when there are no values. */
export function stdOf(m: Moments): number | null {
  return m.n === 0 ? null : Math.sqrt(Math.max(m.m2, 0) / m.n);
}

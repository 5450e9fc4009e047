/**
 * Drift against a reference window, as the Jensen-Shannon divergence in bits (0 = same
 * distribution, 1 = disjoint), chosen over PSI because it is bounded and defined when a bin is
 * empty.
 *
 * Binning. Numeric: the reference window's deciles (p10..p90, duplicates removed) cut the line
 * into at most 10 bins, (-inf, e1], (e1, e2], ..., (e9, inf); both windows' shares per bin come
 * from their quantile sketches' CDF, so no second pass is needed. Categorical: one bin per
 * reference category (its 1024 most frequent) plus one for everything else. Missing values are
 * left out: missing_rate watches them.
 *
 * A Reference is plain JSON, so a run can store it and reload it for later windows.
 */
import type { CategoricalSummary } from './categorical.js';
import type { NumericSummary } from './numeric.js';
import type { QuantileSketch } from './kll.js';

export const REFERENCE_VERSION = 1;
const REFERENCE_CATEGORIES = 1024;
const DECILES = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

export interface NumericReference {
  kind: 'numeric';
  /** Upper edges of all bins but the last, ascending. */
  edges: number[];
  /** Share of each bin; edges.length + 1 entries. */
  proportions: number[];
}

export interface CategoricalReference {
  kind: 'categorical';
  categories: string[];
  /** Share of each category, then of all others; categories.length + 1 entries. */
  proportions: number[];
}

export type FeatureReference = NumericReference | CategoricalReference;

export interface Reference {
  version: typeof REFERENCE_VERSION;
  /** Start of the reference window (ISO 8601), when known. */
  windowStart?: string;
  features: Record<string, FeatureReference>;
  score?: NumericReference;
}

export function numericReference(s: NumericSummary): NumericReference | undefined {
  if (s.moments.n === 0) return undefined;
  const edges: number[] = [];
  for (const p of DECILES) {
    const e = s.sketch.quantile(p);
    if (edges.length === 0 || e > edges[edges.length - 1]) edges.push(e);
  }
  return { kind: 'numeric', edges, proportions: binShares(s.sketch, edges) };
}

export function categoricalReference(s: CategoricalSummary): CategoricalReference | undefined {
  if (s.count === 0) return undefined;
  const top = [...s.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, REFERENCE_CATEGORIES);
  const proportions = top.map(([, c]) => c / s.count);
  proportions.push(Math.max(0, 1 - proportions.reduce((a, b) => a + b, 0)));
  return { kind: 'categorical', categories: top.map(([k]) => k), proportions };
}

function binShares(sketch: QuantileSketch, edges: number[]): number[] {
  const shares: number[] = [];
  let below = 0;
  for (const e of edges) {
    const c = sketch.cdf(e);
    shares.push(Math.max(0, c - below));
    below = c;
  }
  shares.push(Math.max(0, 1 - below));
  return shares;
}

export function numericDrift(ref: NumericReference, s: NumericSummary): number | null {
  if (s.moments.n === 0) return null;
  return jensenShannon(ref.proportions, binShares(s.sketch, ref.edges));
}

export function categoricalDrift(ref: CategoricalReference, s: CategoricalSummary): number | null {
  if (s.count === 0) return null;
  const current = ref.categories.map((k) => (s.counts.get(k) ?? 0) / s.count);
  current.push(Math.max(0, 1 - current.reduce((a, b) => a + b, 0)));
  return jensenShannon(ref.proportions, current);
}

/** Share of present values whose category the reference never saw (among its kept categories). */
export function unseenShare(ref: CategoricalReference, s: CategoricalSummary): number | null {
  if (s.count === 0) return null;
  let seen = 0;
  for (const k of ref.categories) seen += s.counts.get(k) ?? 0;
  return Math.max(0, 1 - seen / s.count);
}

/** Jensen-Shannon divergence, base 2, of two distributions over the same bins. */
export function jensenShannon(p: readonly number[], q: readonly number[]): number {
  if (p.length !== q.length) throw new RangeError(`distributions differ in length: ${p.length} vs ${q.length}`);
  const sp = p.reduce((a, b) => a + b, 0);
  const sq = q.reduce((a, b) => a + b, 0);
  if (sp <= 0 || sq <= 0) return 0;
  let js = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i] / sp;
    const b = q[i] / sq;
    const m = (a + b) / 2;
    if (a > 0) js += 0.5 * a * Math.log2(a / m);
    if (b > 0) js += 0.5 * b * Math.log2(b / m);
  }
  return Math.min(Math.max(js, 0), 1);
}

/** Checks a parsed JSON document is a Reference; throws a RangeError naming the bad part. */
export function parseReference(doc: unknown): Reference {
  const r = doc as Partial<Reference> | null;
  if (r === null || typeof r !== 'object' || r.version !== REFERENCE_VERSION || typeof r.features !== 'object' || r.features === null) {
    throw new RangeError(`not a reference summary (version ${REFERENCE_VERSION} with "features")`);
  }
  for (const [name, f] of Object.entries(r.features)) checkFeatureReference(f, `features.${name}`);
  if (r.score !== undefined) checkFeatureReference(r.score, 'score');
  return r as Reference;
}

function checkFeatureReference(f: FeatureReference, where: string): void {
  const bins = f?.kind === 'numeric' ? f.edges : f?.kind === 'categorical' ? f.categories : undefined;
  if (!Array.isArray(bins) || !Array.isArray(f.proportions) || f.proportions.length !== bins.length + 1) {
    throw new RangeError(`reference ${where}: expected kind numeric (edges) or categorical (categories) with one more proportion than bins`);
  }
}

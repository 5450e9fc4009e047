/**
 * Concurrency filter (docs/design.md §6): when at least maxConcurrentFraction of a model's features
 * are anomalous in the same window (and at least minFeatures of them, so a model with one or two
 * features does not turn every anomaly into a model-level one), the cause is upstream (a
 * pipeline or schema change): one model-level alert replaces those per-feature anomalies.
 * Anomalies of other categories (score, label) pass through unchanged.
 */
import { AlertigerError } from '../errors.js';

export interface WindowedAnomaly {
  category: string;
  subject: string;
  /** Start of the statistics window the anomaly is in (epoch ms). */
  timestamp: number;
}

export interface ConcurrencyOptions {
  maxConcurrentFraction: number;
  /** Fewest distinct anomalous features for a model-level alert (default 2). */
  minFeatures?: number;
}

export interface ModelLevelAlert<T> {
  timestamp: number;
  /** Distinct anomalous features, sorted. */
  subjects: string[];
  /** subjects.length / featureCount. */
  fraction: number;
  /** The per-feature anomalies it replaces. */
  members: T[];
}

export interface ConcurrencyResult<T> {
  modelLevel: ModelLevelAlert<T>[];
  /** Anomalies still reported one by one. */
  individual: T[];
}

export function applyConcurrency<T extends WindowedAnomaly>(
  anomalies: readonly T[],
  featureCount: number,
  options: ConcurrencyOptions,
): ConcurrencyResult<T> {
  const { maxConcurrentFraction } = options;
  const minFeatures = options.minFeatures ?? 2;
  if (!(maxConcurrentFraction > 0 && maxConcurrentFraction <= 1)) {
    throw new AlertigerError('InvalidConcurrency', `maxConcurrentFraction must be in (0, 1], got ${maxConcurrentFraction}`);
  }
  const byWindow = new Map<number, T[]>();
  for (const a of anomalies) {
    if (a.category !== 'feature') continue;
    const list = byWindow.get(a.timestamp);
    if (list === undefined) byWindow.set(a.timestamp, [a]);
    else list.push(a);
  }
  const replaced = new Set<T>();
  const modelLevel: ModelLevelAlert<T>[] = [];
  for (const [timestamp, members] of [...byWindow].sort((a, b) => a[0] - b[0])) {
    const subjects = [...new Set(members.map((m) => m.subject))].sort();
    const fraction = featureCount > 0 ? subjects.length / featureCount : 0;
    if (subjects.length < minFeatures || fraction < maxConcurrentFraction) continue;
    modelLevel.push({ timestamp, subjects, fraction, members });
    for (const m of members) replaced.add(m);
  }
  return { modelLevel, individual: anomalies.filter((a) => !replaced.has(a)) };
}

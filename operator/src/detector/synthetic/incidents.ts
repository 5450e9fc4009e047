/**
 * Incidents as a model's statistics show them, applied to a clean series' components:
 * spikes and dips (1-3 days), level shifts (temporary, or permanent with the first week
 * labelled), a feature going constant (its std to 0, distinct count to 1, a rate to 0 or 1, its
 * mean and quantiles to a fill value, all noise gone), a missing rate jumping (and the count of
 * present values dropping), a variance burst and a slow drift (a ramp, labelled while it builds).
 * Sizes are in units of the local noise sd, drawn from ranges that include subtle cases.
 * Durations are given for daily series and stretched for hourly ones.
 */
import type { Rng } from '../random.js';
import { pickWeighted, type Clean, type SeriesKind } from './kinds.js';

export type IncidentKind = 'spike' | 'dip' | 'level_shift' | 'constant' | 'missing_jump' | 'variance_burst' | 'drift';

export interface Incident {
  kind: IncidentKind;
  /** First labelled point. */
  start: number;
  /** One past the last labelled point. */
  end: number;
}

/** Mutable components an incident acts on; `override` (NaN = none) replaces the observed value. */
export interface Components {
  mean: Float64Array;
  scale: Float64Array;
  override: Float64Array;
}

/**
 * Smallest noise sd incidents are sized against: a change of a few thousandths in a statistic
 * (a 0.03% missing rate becoming 0.2%) is not one a person acts on, and the method cannot see it
 * when the series' sampling noise is unknown (its window std is then floored at 0.01,
 * features.ts). Kept as it was when noise floors were added, so the held-out sets did not change.
 */
export const MATERIAL = 0.005;

const WEIGHTS: ReadonlyArray<[IncidentKind, number]> = [
  ['spike', 0.2],
  ['dip', 0.15],
  ['level_shift', 0.22],
  ['constant', 0.1],
  ['missing_jump', 0.1],
  ['variance_burst', 0.1],
  ['drift', 0.13],
];

const ALLOWED: Record<SeriesKind, readonly IncidentKind[]> = {
  count: ['spike', 'dip', 'level_shift', 'missing_jump', 'variance_burst', 'drift'],
  rate: ['spike', 'dip', 'level_shift', 'constant', 'missing_jump', 'variance_burst', 'drift'],
  mean: ['spike', 'dip', 'level_shift', 'constant', 'variance_burst', 'drift'],
  std: ['spike', 'dip', 'level_shift', 'constant', 'variance_burst', 'drift'],
  quantile: ['spike', 'dip', 'level_shift', 'constant', 'variance_burst', 'drift'],
  metric: ['spike', 'dip', 'level_shift', 'constant', 'variance_burst', 'drift'],
  distinct: ['spike', 'dip', 'level_shift', 'constant', 'variance_burst', 'drift'],
  drift: ['spike', 'level_shift', 'constant', 'variance_burst', 'drift'],
  sparse: ['spike', 'level_shift'],
  constant: ['spike', 'dip', 'level_shift', 'variance_burst'],
};

export function pickIncidentKind(kind: SeriesKind, rng: Rng): IncidentKind {
  const allowed = ALLOWED[kind];
  return pickWeighted(rng, WEIGHTS.filter(([k]) => allowed.includes(k)));
}

/** Longest span an incident of this kind can label, in points (for spacing incidents). */
export function maxSpan(perDay: number): number {
  return 24 * perDay;
}

function durationPoints(lo: number, hi: number, perDay: number, rng: Rng): number {
  // Hourly incidents last hours to a few days: scale the daily range by 6 (not 24) hours per day.
  const scale = perDay > 1 ? 6 : 1;
  return Math.max(1, Math.round(rng.uniform(lo * scale, hi * scale + 1) - 0.5));
}

/**
 * Applies one incident starting at `start` (n = series length) and returns its labelled span.
 * `sigmaAt` is the local noise sd (or the clean series' unit when it has no noise).
 */
export function applyIncident(
  kind: IncidentKind,
  start: number,
  clean: Clean,
  c: Components,
  perDay: number,
  rng: Rng,
): Incident {
  const n = c.mean.length;
  const sigmaAt = (t: number): number => Math.max(c.scale[t], clean.unit, MATERIAL);
  const sparse = clean.kind === 'sparse';
  const sigmaFor = (t: number): number => (sparse ? Math.max(1, Math.sqrt(c.mean[t])) : sigmaAt(t));
  const room = (t: number, delta: number): number => {
    // Flip a change that would leave the series' range (a rate near 1 cannot spike up).
    const m = c.mean[t];
    if (m + delta > clean.max || m + delta < clean.min) return -delta;
    return delta;
  };
  const shift = (from: number, to: number, k: number, sign: number): void => {
    const d = room(from, sign * k * sigmaFor(from));
    for (let t = from; t < to; t++) c.mean[t] = Math.max(clean.min, Math.min(clean.max, c.mean[t] + d));
  };
  const end = (len: number): number => Math.min(n, start + len);

  switch (kind) {
    case 'spike':
    case 'dip': {
      const e = end(durationPoints(1, 3, perDay, rng));
      shift(start, e, rng.uniform(5, 15), kind === 'spike' ? 1 : -1);
      return { kind, start, end: e };
    }
    case 'level_shift': {
      const sign = rng.chance(0.5) ? 1 : -1;
      const k = rng.uniform(4, 10);
      if (rng.chance(0.5)) {
        shift(start, n, k, sign);
        return { kind, start, end: end(durationPoints(7, 7, perDay, rng)) };
      }
      const e = end(durationPoints(3, 14, perDay, rng));
      shift(start, e, k, sign);
      return { kind, start, end: e };
    }
    case 'constant': {
      const e = end(durationPoints(3, 20, perDay, rng));
      const m = c.mean[start];
      const s = sigmaAt(start);
      let value: number;
      if (clean.kind === 'std') value = 0;
      else if (clean.kind === 'distinct') value = 1;
      else if (clean.kind === 'rate') value = m < 0.5 ? 1 : 0;
      else if (clean.kind === 'drift') value = m * rng.uniform(5, 20);
      else value = rng.pick([0, -1, m + (rng.chance(0.5) ? 1 : -1) * rng.uniform(3, 8) * s]);
      // A fill value too close to the usual level would be a change no point-wise view can see.
      if (Math.abs(value - m) < 3 * s) value = m + (value >= m ? 1 : -1) * rng.uniform(3, 8) * s;
      for (let t = start; t < e; t++) c.override[t] = value;
      return { kind, start, end: e };
    }
    case 'missing_jump': {
      const e = end(durationPoints(2, 14, perDay, rng));
      if (clean.kind === 'count') {
        // Fewer values present: the count of a feature drops by the missing share.
        const f = rng.uniform(0.1, 0.8);
        for (let t = start; t < e; t++) c.mean[t] = Math.max(0, Math.min(c.mean[t] * (1 - f), c.mean[t] - 4 * sigmaAt(t)));
      } else {
        const jump = rng.uniform(0.02, 0.5);
        for (let t = start; t < e; t++) {
          const d = Math.max(jump, 4 * sigmaAt(t));
          // A share already near 1 can only fall: flip the jump rather than clip it away.
          c.mean[t] = c.mean[t] + d <= 1 ? c.mean[t] + d : Math.max(0, c.mean[t] - d);
        }
      }
      return { kind, start, end: e };
    }
    case 'variance_burst': {
      const e = end(durationPoints(3, 10, perDay, rng));
      const f = rng.uniform(3, 8);
      for (let t = start; t < e; t++) c.scale[t] = sigmaAt(t) * f;
      return { kind, start, end: e };
    }
    case 'drift': {
      const ramp = durationPoints(7, 21, perDay, rng);
      const k = rng.uniform(5, 12);
      const sign = rng.chance(0.5) ? 1 : -1;
      const full = room(start, sign * k * sigmaFor(start));
      for (let t = start; t < n; t++) {
        const frac = Math.min(1, (t - start + 1) / ramp);
        c.mean[t] = Math.max(clean.min, Math.min(clean.max, c.mean[t] + frac * full));
      }
      return { kind, start, end: end(ramp + 3 * (perDay > 1 ? 6 : 1)) };
    }
  }
}

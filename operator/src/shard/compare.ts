/**
 * Compares the statistics of a sharded read with a single read of the same log, as the sharding
 * contract states it (docs/sharding.md): every statistic equal (up to floating-point summation
 * order) except the quantiles and the drift computed from them, which agree within the sketch's
 * error, measured here as a share of the subject's observed range (max - min); an integer-valued
 * quantile may also be the next integer (a discrete feature's quantile on a tie moves by one value
 * within a rank error of a fraction of a percent). Pure.
 */
import type { StatValue, WindowStatistics } from '../run/ports.js';
import { QUANTILES } from '../stats/names.js';

/** Statistics read from the quantile sketch: equal only within its rank error. */
const SKETCHED = new Set<string>([...QUANTILES.map(([name]) => name), 'drift']);

export interface Difference {
  window: string;
  key: string;
  single: number | undefined;
  sharded: number | undefined;
}

export interface Comparison {
  /** Statistics compared, exact and sketched. */
  exact: number;
  sketched: number;
  /** The largest quantile difference as a share of the subject's range (0 when equal), a discrete feature's next value apart. */
  maxSketchedError: number;
  /** Quantiles of a discrete feature that moved to the next integer. */
  nextValues: number;
  /** Statistics that differ beyond the tolerances (or exist on one side only). */
  differences: Difference[];
}

export interface CompareOptions {
  /** Relative tolerance of exact statistics (summation order); 1e-9 by default. */
  relative?: number;
  /** Tolerance of sketched statistics, as a share of the range; 0.02 by default. */
  sketched?: number;
}

const keyOf = (v: StatValue): string => `${v.category}/${v.subject}/${v.statistic}`;

export function compareStatistics(single: readonly WindowStatistics[], sharded: readonly WindowStatistics[], options: CompareOptions = {}): Comparison {
  const relative = options.relative ?? 1e-9;
  const tolerance = options.sketched ?? 0.02;
  const out: Comparison = { exact: 0, sketched: 0, maxSketchedError: 0, nextValues: 0, differences: [] };
  const other = new Map(sharded.map((w) => [w.window.start.getTime(), w]));
  for (const a of single) {
    const window = a.window.start.toISOString();
    const b = other.get(a.window.start.getTime());
    const left = new Map(a.values.map((v) => [keyOf(v), v.value]));
    const right = new Map((b?.values ?? []).map((v) => [keyOf(v), v.value]));
    if (a.rows !== (b?.rows ?? -1)) out.differences.push({ window, key: 'rows', single: a.rows, sharded: b?.rows });
    for (const key of new Set([...left.keys(), ...right.keys()])) {
      const x = left.get(key);
      const y = right.get(key);
      if (x === undefined || y === undefined) {
        out.differences.push({ window, key, single: x, sharded: y });
        continue;
      }
      const statistic = key.slice(key.lastIndexOf('/') + 1);
      if (SKETCHED.has(statistic)) {
        out.sketched++;
        const subject = key.slice(0, key.lastIndexOf('/'));
        const range = Math.abs((left.get(`${subject}/max`) ?? 0) - (left.get(`${subject}/min`) ?? 0));
        const error = Math.abs(x - y) / (range > 0 ? range : Math.max(1, Math.abs(x)));
        // A discrete feature's quantile sits on a tie: within the rank error it may be the next value.
        if (x !== y && Number.isInteger(x) && Number.isInteger(y) && Math.abs(x - y) <= 1) {
          out.nextValues++;
          continue;
        }
        out.maxSketchedError = Math.max(out.maxSketchedError, error);
        if (error > tolerance) out.differences.push({ window, key, single: x, sharded: y });
      } else {
        out.exact++;
        if (Math.abs(x - y) > relative * Math.max(1, Math.abs(x), Math.abs(y))) out.differences.push({ window, key, single: x, sharded: y });
      }
    }
  }
  if (sharded.length !== single.length) out.differences.push({ window: '*', key: 'windows', single: single.length, sharded: sharded.length });
  return out;
}

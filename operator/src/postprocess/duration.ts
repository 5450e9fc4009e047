/**
 * Duration filter (docs/design.md §6): an anomalous point is kept only if some window of `window`
 * consecutive points containing it holds at least `min` anomalous points. Windows are clipped
 * at the ends of the series (points outside count as normal), so the newest point passes when
 * enough of the points just before it are anomalous. "Consecutive" means consecutive scored
 * points: a gap in the series does not break a window.
 */
import { AlertigerError } from '../errors.js';

export interface DurationOptions {
  window: number;
  min: number;
}

export const DEFAULT_DURATION: DurationOptions = { window: 3, min: 2 };

export function durationFilter(flags: ArrayLike<number>, options: DurationOptions = DEFAULT_DURATION): Uint8Array {
  const { window, min } = options;
  if (!(Number.isInteger(window) && Number.isInteger(min) && window >= 1 && min >= 1 && min <= window)) {
    throw new AlertigerError('InvalidDuration', `duration needs integers 1 <= min <= window, got window ${window}, min ${min}`);
  }
  const n = flags.length;
  const prefix = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + (flags[i] ? 1 : 0);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (!flags[i]) continue;
    for (let s = Math.max(0, i - window + 1); s <= i; s++) {
      const e = Math.min(n, s + window);
      if (prefix[e] - prefix[s] >= min) {
        out[i] = 1;
        break;
      }
    }
  }
  return out;
}

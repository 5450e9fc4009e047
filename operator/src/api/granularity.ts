/**
 * The length of a window of each granularity (docs/design.md §4): the one place a granularity
 * becomes milliseconds. Windows are aligned to UTC, so a window starts at a multiple of it.
 */
import type { Granularity } from './types.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Milliseconds of one window of this granularity; throws on anything but 1d or 1h. */
export function granularityMs(granularity: Granularity): number {
  if (granularity === '1h') return HOUR_MS;
  if (granularity === '1d') return DAY_MS;
  throw new RangeError(`granularity must be 1d or 1h, got ${String(granularity)}`);
}

/**
 * The shape of the detector's input per granularity (design.md §6).
 *
 * Daily (the method as published): a window of the previous 28 days, the last 3 dropped
 * (recent-value omission) so 25 values feed the network; the weekday of the target day as a
 * 7-way one-hot; irregularity from week-over-week (lag 7) differences.
 *
 * Hourly (this product's extension): a window of 7 whole days = 168 hourly values, the last 3
 * hours dropped so 165 values remain; the target's weekday (7) and hour of day (24) as one-hots;
 * irregularity from day-over-day (lag 24) differences, because the day is the dominant season
 * of hourly statistics and a week-over-week lag would need a two-week window. The daily cycle
 * is taken out of the window before it is normalised (the median of each hour of day over the
 * 7 days) and put back at the target: otherwise the window std is the cycle's amplitude, the
 * network has to forecast the cycle to a precision its loss barely rewards, and on a strongly
 * daily-seasonal statistic the band ends up many noise sds wide.
 *
 * Both: stage 2 also sees the deviations of the 3 values just before the target (the omitted
 * ones) from the target's baseline (recentDeviations), so a run of moderate deviations is
 * evidence where one alone is not (an extension of the method, issue 10).
 *
 * Calendar features are taken in UTC from the point's timestamp.
 */
import { DAY_MS, HOUR_MS } from '../api/granularity.js';
import type { Granularity } from '../api/types.js';

export interface GranularitySpec {
  granularity: Granularity;
  /** Spacing of the series in milliseconds. */
  stepMs: number;
  /** Points of history before the target (the window). */
  window: number;
  /** Most recent history points dropped before the network sees the window. */
  omit: number;
  /** Lag of the seasonal differences behind the irregularity score. */
  seasonLag: number;
  /** Whether the hour of day is an auxiliary input (hourly series). */
  hourOfDay: boolean;
  /**
   * Whether the window's seasonal profile (the median of each slot i mod seasonLag) is taken out
   * before normalising and put back at the target (hourly series). Absent in models saved
   * before it existed, which keeps them scoring as they were trained.
   */
  seasonalProfile?: boolean;
  /**
   * Stage 2 also sees the deviations of this many points just before the target (the omitted
   * recent values), normalised with the target's window and measured from its baseline (each at
   * its own season slot when seasonalProfile is set), so a run of moderate deviations can count
   * as evidence a single one would not be. Absent (0) in models saved before it existed.
   */
  recentDeviations?: number;
}

export { DAY_MS, HOUR_MS } from '../api/granularity.js';

export const DAILY: GranularitySpec = {
  granularity: '1d',
  stepMs: DAY_MS,
  window: 28,
  omit: 3,
  seasonLag: 7,
  hourOfDay: false,
  recentDeviations: 3,
};

export const HOURLY: GranularitySpec = {
  granularity: '1h',
  stepMs: HOUR_MS,
  window: 168,
  omit: 3,
  seasonLag: 24,
  hourOfDay: true,
  seasonalProfile: true,
  recentDeviations: 3,
};

export const SPECS: Record<Granularity, GranularitySpec> = { '1d': DAILY, '1h': HOURLY };

/** Values the network sees per point: the window without the omitted recent values. */
export function historyLength(spec: GranularitySpec): number {
  return spec.window - spec.omit;
}

/** Width of the calendar one-hot block: weekday, plus hour of day for hourly series. */
export function auxLength(spec: GranularitySpec): number {
  return 7 + (spec.hourOfDay ? 24 : 0);
}

/** Recent deviations stage 2 sees (spec.recentDeviations, 0 when absent). */
export function recentLength(spec: GranularitySpec): number {
  return spec.recentDeviations ?? 0;
}

/**
 * Width of the stage-2 input: three deviation features, the recent deviations
 * (recentLength), then the calendar one-hots.
 */
export function stage2InputLength(spec: GranularitySpec): number {
  return 3 + recentLength(spec) + auxLength(spec);
}

export function isGranularity(value: string): value is Granularity {
  return value === '1d' || value === '1h';
}

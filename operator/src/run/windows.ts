/**
 * Which statistics windows one run computes (docs/design.md §4). Windows are aligned to UTC: a daily
 * window is [00:00, 24:00), an hourly one [hh:00, hh+1:00). A run computes every window that
 * closed since the last stored one, so a failed or missed run is caught up by the next; the first
 * run backfills as much history as the detector can use.
 */
import { granularityMs } from '../api/granularity.js';
import type { Granularity } from '../api/types.js';

export interface Window {
  start: Date;
  end: Date;
}

export interface WindowPlanInput {
  granularity: Granularity;
  now: Date;
  /** status.lastWindowEnd: the end of the last window whose statistics are stored. */
  lastWindowEnd?: string;
  /** Windows the first run backfills (the detector's history plus the points it scores). */
  backfillWindows: number;
  /** Most windows one run catches up; older missed windows are reported, not computed. */
  maxCatchUpWindows: number;
}

export interface WindowPlan {
  /** Windows to compute, oldest first; never empty. */
  windows: Window[];
  /** True when nothing was stored before: leading windows with no rows are not history. */
  firstRun: boolean;
  /** Missed windows older than the catch-up limit, left uncomputed (0 normally). */
  skippedWindows: number;
  /** End of the newest closed window: the run's lastWindowEnd on success. */
  latestEnd: Date;
}

/** The end of the newest window that has closed at `now`. */
export function latestClosedEnd(granularity: Granularity, now: Date): Date {
  const w = granularityMs(granularity);
  return new Date(Math.floor(now.getTime() / w) * w);
}

export function planWindows(input: WindowPlanInput): WindowPlan {
  const w = granularityMs(input.granularity);
  const latestEnd = latestClosedEnd(input.granularity, input.now);
  const last = input.lastWindowEnd !== undefined ? Date.parse(input.lastWindowEnd) : NaN;
  const firstRun = Number.isNaN(last);
  let startMs: number;
  let skippedWindows = 0;
  if (firstRun) {
    startMs = latestEnd.getTime() - input.backfillWindows * w;
  } else {
    // A window that does not end on the grid (the granularity changed) restarts on the grid.
    const aligned = Math.floor(last / w) * w;
    // Nothing new since the last run (a manual re-run): recompute the newest window, which is
    // idempotent and picks up rows that arrived late.
    startMs = Math.min(aligned, latestEnd.getTime() - w);
    const limit = latestEnd.getTime() - input.maxCatchUpWindows * w;
    if (startMs < limit) {
      skippedWindows = Math.round((limit - startMs) / w);
      startMs = limit;
    }
  }
  const windows: Window[] = [];
  for (let t = startMs; t < latestEnd.getTime(); t += w) windows.push({ start: new Date(t), end: new Date(t + w) });
  return { windows, firstRun, skippedWindows, latestEnd };
}

/**
 * On a first run, the windows before the first one holding rows are not "zero traffic": the
 * source simply has no history that old. Returns the index of the first window to keep.
 */
export function firstWindowWithData(rowCounts: readonly number[]): number {
  const i = rowCounts.findIndex((n) => n > 0);
  return i < 0 ? rowCounts.length : i;
}

/**
 * The longest time between two runs of a cron schedule: what "stale" is measured against
 * (a monitor is stale when its last success is older than twice this). Pure, UTC as the CronJobs.
 */
import { cronMatches, parseCron } from '../api/cron.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/**
 * Two leap cycles from a leap year's first day: every day-of-month and weekday combination
 * recurs, and a schedule firing once a cycle (Feb 29) fires twice.
 */
const HORIZON_START = Date.UTC(2024, 0, 1);
const HORIZON_DAYS = 2 * (4 * 365 + 1);

/**
 * The longest gap between consecutive firings, in seconds, over an eight-year horizon; undefined
 * when the schedule does not parse or fires fewer than twice in it (e.g. `0 0 31 2 *` never fires).
 */
export function longestGapSeconds(expr: string): number | undefined {
  const parsed = parseCron(expr);
  if (!parsed.ok) return undefined;
  const s = parsed.schedule;
  // Every matching day fires at the same minutes, so only the gaps inside one day and those
  // between matching days need looking at.
  const offsets = [...s.hour].sort((a, b) => a - b)
    .flatMap((h) => [...s.minute].sort((a, b) => a - b).map((m) => (h * 60 + m) * MINUTE_MS));
  let longest = 0;
  for (let i = 1; i < offsets.length; i++) longest = Math.max(longest, offsets[i]! - offsets[i - 1]!);
  const first = offsets[0]!;
  const last = offsets[offsets.length - 1]!;
  let previousDay: number | undefined;
  let days = 0;
  for (let day = 0; day < HORIZON_DAYS; day++) {
    const midnight = HORIZON_START + day * DAY_MS;
    // The first firing minute matches the hour and minute fields, so this asks the day rule alone.
    if (!cronMatches(s, new Date(midnight + first))) continue;
    if (previousDay !== undefined) longest = Math.max(longest, midnight + first - (previousDay + last));
    previousDay = midnight;
    days++;
  }
  if (days === 0 || (days === 1 && offsets.length === 1)) return undefined;
  return longest / 1000;
}

/** longestGapSeconds, remembered per expression (monitors share few schedules; scrapes are frequent). */
export class ScheduleGaps {
  private readonly known = new Map<string, number | undefined>();

  get(expr: string): number | undefined {
    if (!this.known.has(expr)) this.known.set(expr, longestGapSeconds(expr));
    return this.known.get(expr);
  }
}

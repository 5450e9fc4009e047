/** Number, time and scale helpers for the report: deterministic (UTC, no locale) for golden tests. */
import { DAY_MS } from '../api/granularity.js';
import { fmt } from '../alerting/payload.js';

/** Numbers as the alerts print them (4 significant digits), with a dash for a missing value. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  return fmt(value);
}

/** "2026-01-05 14:00 UTC", or the input unchanged when it is not a time. */
export function formatTime(iso: string | undefined): string {
  if (iso === undefined || iso === '') return '–';
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Axis labels for a series' times: dates alone when every time is a UTC midnight. */
export function axisTimeLabels(times: readonly string[]): string[] {
  const ms = times.map((t) => Date.parse(t));
  if (ms.some((m) => !Number.isFinite(m))) return [...times];
  const daily = ms.every((m) => m % DAY_MS === 0);
  return ms.map((m) => {
    const iso = new Date(m).toISOString();
    return daily ? iso.slice(0, 10) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
  });
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** About `count` round tick values (1, 2 or 5 times a power of ten) covering [min, max]. */
export function niceTicks(min: number, max: number, count: number): number[] {
  const span = max - min;
  if (!(span > 0)) return [min];
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const error = raw / power;
  const step = power * (error >= 7.07 ? 10 : error >= 3.16 ? 5 : error >= 1.41 ? 2 : 1);
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) {
    ticks.push(Number(v.toPrecision(12)));
  }
  return ticks;
}

/** Rounds a drawing coordinate to one decimal, which keeps the page and its golden file small. */
export function px(value: number): string {
  return String(Math.round(value * 10) / 10);
}

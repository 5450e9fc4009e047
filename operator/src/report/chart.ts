/**
 * One anomaly's chart as inline SVG, drawn on the server so the page needs no script or network
 * to show it: the expected band shaded between lower and upper, the baseline dashed, the observed
 * series as a line with its points, flagged points marked in red over a tinted column, and below,
 * a small panel of the stage-2 anomaly score with the threshold. The hover data returned with it
 * lets the page's small script show the values under the pointer.
 */
import { escapeHtml } from './escape.js';
import { axisTimeLabels, formatNumber, niceTicks, px } from './format.js';
import type { ReportSeries } from './types.js';

export const CHART = {
  width: 880,
  left: 64,
  right: 16,
  top: 12,
  mainHeight: 200,
  gap: 14,
  scoreHeight: 54,
  axis: 26,
} as const;
const innerWidth = CHART.width - CHART.left - CHART.right;
const scoreTop = CHART.top + CHART.mainHeight + CHART.gap;
const CHART_HEIGHT = scoreTop + CHART.scoreHeight + CHART.axis;

/** Values per point for the tooltip, in the page's JSON (x in viewBox units). */
export interface HoverData {
  x: number[];
  t: string[];
  o: (number | null)[];
  b: (number | null)[];
  l: (number | null)[];
  u: (number | null)[];
  s: (number | null)[];
  f: boolean[];
}

export interface ChartOptions {
  id: string;
  title: string;
  threshold?: number;
}

export function renderChart(series: ReportSeries, options: ChartOptions): { svg: string; hover: HoverData } {
  const n = series.time.length;
  const xs = xPositions(series.time);
  const at = (values: readonly (number | null)[], i: number): number | null => {
    const v = values[i];
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  };
  const all: number[] = [];
  for (const values of [series.observed, series.baseline, series.lower, series.upper]) {
    for (let i = 0; i < n; i++) {
      const v = at(values, i);
      if (v !== null) all.push(v);
    }
  }
  const hover: HoverData = {
    x: xs.map((x) => Number(px(x))),
    t: axisTimeLabels(series.time),
    o: series.time.map((_, i) => at(series.observed, i)),
    b: series.time.map((_, i) => at(series.baseline, i)),
    l: series.time.map((_, i) => at(series.lower, i)),
    u: series.time.map((_, i) => at(series.upper, i)),
    s: series.time.map((_, i) => at(series.score, i)),
    f: series.time.map((_, i) => series.flagged[i] === true),
  };
  const out: string[] = [
    `<svg class="chart" id="${escapeHtml(options.id)}" viewBox="0 0 ${CHART.width} ${CHART_HEIGHT}" role="img" aria-label="${escapeHtml(options.title)}">`,
  ];
  if (n === 0 || all.length === 0) {
    out.push(`<text class="empty" x="${CHART.width / 2}" y="${CHART_HEIGHT / 2}" text-anchor="middle">No history stored for this statistic yet</text></svg>`);
    return { svg: out.join(''), hover };
  }

  let lo = Math.min(...all);
  let hi = Math.max(...all);
  const pad = hi > lo ? (hi - lo) * 0.08 : Math.max(Math.abs(hi) * 0.1, 1);
  lo -= pad;
  hi += pad;
  const y = (v: number): number => CHART.top + CHART.mainHeight * (1 - (v - lo) / (hi - lo));
  const step = n > 1 ? innerWidth / (n - 1) : innerWidth;

  // Grid and y axis labels.
  for (const tick of niceTicks(lo, hi, 4)) {
    out.push(`<line class="grid" x1="${CHART.left}" x2="${CHART.width - CHART.right}" y1="${px(y(tick))}" y2="${px(y(tick))}"/>`);
    out.push(`<text class="tick" x="${CHART.left - 8}" y="${px(y(tick) + 4)}" text-anchor="end">${escapeHtml(formatNumber(tick))}</text>`);
  }
  // Tinted columns behind flagged points, through both panels.
  for (let i = 0; i < n; i++) {
    if (!hover.f[i]) continue;
    const w = Math.max(4, Math.min(step, 40));
    out.push(`<rect class="flag-col" x="${px(xs[i] - w / 2)}" y="${CHART.top}" width="${px(w)}" height="${scoreTop + CHART.scoreHeight - CHART.top}"/>`);
  }
  out.push(bandPath(xs, hover.l, hover.u, y));
  out.push(linePath('baseline', xs, hover.b, y));
  out.push(linePath('observed', xs, hover.o, y));
  const pointRadius = n <= 120 ? 2.4 : n <= 400 ? 1.6 : 0;
  for (let i = 0; i < n; i++) {
    const o = hover.o[i];
    if (o === null) continue;
    if (hover.f[i]) out.push(`<circle class="flagged" cx="${px(xs[i])}" cy="${px(y(o))}" r="5"/>`);
    else if (pointRadius > 0) out.push(`<circle class="point" cx="${px(xs[i])}" cy="${px(y(o))}" r="${pointRadius}"/>`);
  }
  out.push(scorePanel(xs, hover, step, options.threshold));
  out.push(xAxis(xs, hover.t));
  out.push(`<line class="crosshair" x1="0" x2="0" y1="${CHART.top}" y2="${scoreTop + CHART.scoreHeight}" visibility="hidden"/>`);
  out.push(`<rect class="hover-target" x="${CHART.left}" y="${CHART.top}" width="${innerWidth}" height="${scoreTop + CHART.scoreHeight - CHART.top}"/>`);
  out.push('</svg>');
  return { svg: out.join(''), hover };
}

/** x of each point: by time when every time parses and increases, else evenly by index. */
function xPositions(times: readonly string[]): number[] {
  const n = times.length;
  if (n === 1) return [CHART.left + innerWidth / 2];
  const ms = times.map((t) => Date.parse(t));
  const byTime = ms.every((m, i) => Number.isFinite(m) && (i === 0 || m > ms[i - 1]));
  return times.map((_, i) => {
    const f = byTime ? (ms[i] - ms[0]) / (ms[n - 1] - ms[0]) : i / Math.max(1, n - 1);
    return CHART.left + f * innerWidth;
  });
}

/** Runs of consecutive indexes where `present` holds, so lines break at missing values. */
function runs(n: number, present: (i: number) => boolean): Array<[number, number]> {
  const result: Array<[number, number]> = [];
  let start = -1;
  for (let i = 0; i <= n; i++) {
    if (i < n && present(i)) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      result.push([start, i - 1]);
      start = -1;
    }
  }
  return result;
}

function linePath(cls: string, xs: number[], values: (number | null)[], y: (v: number) => number): string {
  const parts: string[] = [];
  for (const [a, b] of runs(xs.length, (i) => values[i] !== null)) {
    for (let i = a; i <= b; i++) parts.push(`${i === a ? 'M' : 'L'}${px(xs[i])} ${px(y(values[i] as number))}`);
  }
  return parts.length === 0 ? '' : `<path class="${cls}" d="${parts.join('')}"/>`;
}

function bandPath(xs: number[], lower: (number | null)[], upper: (number | null)[], y: (v: number) => number): string {
  const parts: string[] = [];
  for (const [a, b] of runs(xs.length, (i) => lower[i] !== null && upper[i] !== null)) {
    for (let i = a; i <= b; i++) parts.push(`${i === a ? 'M' : 'L'}${px(xs[i])} ${px(y(upper[i] as number))}`);
    for (let i = b; i >= a; i--) parts.push(`L${px(xs[i])} ${px(y(lower[i] as number))}`);
    parts.push('Z');
  }
  return parts.length === 0 ? '' : `<path class="band" d="${parts.join('')}"/>`;
}

function scorePanel(xs: number[], hover: HoverData, step: number, threshold: number | undefined): string {
  const h = CHART.scoreHeight;
  const y = (s: number): number => scoreTop + h * (1 - Math.min(1, Math.max(0, s)));
  const w = Math.max(1.5, Math.min(step * 0.7, 14));
  const out: string[] = [
    `<rect class="score-bg" x="${CHART.left}" y="${scoreTop}" width="${innerWidth}" height="${h}"/>`,
    `<text class="tick" x="${CHART.left - 8}" y="${scoreTop + 10}" text-anchor="end">1</text>`,
    `<text class="tick" x="${CHART.left - 8}" y="${scoreTop + h}" text-anchor="end">0</text>`,
  ];
  const hasThreshold = threshold !== undefined && Number.isFinite(threshold);
  const label = hasThreshold ? `anomaly score · threshold ${formatNumber(threshold)} (dashed)` : 'anomaly score';
  out.push(`<text class="panel-label" x="${CHART.left + 6}" y="${scoreTop + 12}">${escapeHtml(label)}</text>`);
  for (let i = 0; i < xs.length; i++) {
    const s = hover.s[i];
    if (s === null) continue;
    const top = y(s);
    out.push(`<rect class="${hover.f[i] ? 'score-bar flagged-bar' : 'score-bar'}" x="${px(xs[i] - w / 2)}" y="${px(top)}" width="${px(w)}" height="${px(scoreTop + h - top)}"/>`);
  }
  if (hasThreshold) {
    const ty = px(y(threshold as number));
    out.push(`<line class="threshold" x1="${CHART.left}" x2="${CHART.width - CHART.right}" y1="${ty}" y2="${ty}"/>`);
  }
  return out.join('');
}

/** About six evenly spaced time labels under the score panel. */
function xAxis(xs: number[], labels: string[]): string {
  const n = xs.length;
  const count = Math.min(n, 6);
  const out: string[] = [];
  const seen = new Set<number>();
  for (let k = 0; k < count; k++) {
    const i = count === 1 ? n - 1 : Math.round((k * (n - 1)) / (count - 1));
    if (seen.has(i)) continue;
    seen.add(i);
    const anchor = count > 1 && k === 0 ? 'start' : k === count - 1 ? 'end' : 'middle';
    out.push(`<text class="tick" x="${px(xs[i])}" y="${scoreTop + CHART.scoreHeight + 18}" text-anchor="${anchor}">${escapeHtml(labels[i])}</text>`);
  }
  return out.join('');
}

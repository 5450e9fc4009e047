/**
 * Test doubles for the run's ports: a detector with a plain statistical band (so tests know
 * what it flags), a statistics source computed from a function of the window, and recording
 * status and alert ports. The store is the real embedded store in a temp directory.
 */
import type { SeriesScores } from '../../../operator/src/detector/detector.js';
import type { SeriesInput } from '../../../operator/src/detector/series.js';
import type { ModelMonitor } from '../../../operator/src/api/types.js';
import type { PostableAlert } from '../../../operator/src/alerting/payload.js';
import type { ScoringDetector } from '../../../operator/src/run/detect.js';
import type { AlertPort, StatisticsPort, StatusPort, StatValue, WindowStatistics } from '../../../operator/src/run/ports.js';
import type { JobStatus } from '../../../operator/src/run/status.js';
import type { Window } from '../../../operator/src/run/windows.js';

export const DAY = 86_400_000;

/**
 * Baseline = mean of the 25 values before the last 3 of a 28-point window; band = baseline ±
 * 4 std (at least 0.5); score 0.9 outside the band, 0.05 inside.
 */
export const bandDetector: ScoringDetector = {
  score(series: readonly SeriesInput[], options = {}): SeriesScores[] {
    const threshold = options.threshold ?? 0.2;
    return series.map((s) => {
      const idx: number[] = [];
      for (let i = 28; i < s.timestamps.length; i++) if (s.timestamps[i] >= (s.from ?? 0)) idx.push(i);
      const out: SeriesScores = {
        granularity: '1d',
        timestamps: new Float64Array(idx.length), observed: new Float64Array(idx.length), baseline: new Float64Array(idx.length),
        lower: new Float64Array(idx.length), upper: new Float64Array(idx.length), score: new Float64Array(idx.length), anomalous: new Uint8Array(idx.length),
      };
      idx.forEach((i, k) => {
        const window = Array.from({ length: 25 }, (_, j) => s.values[i - 28 + j]);
        const mean = window.reduce((a, b) => a + b, 0) / window.length;
        const std = Math.sqrt(window.reduce((a, b) => a + (b - mean) ** 2, 0) / window.length);
        const half = Math.max(4 * std, 0.5);
        const v = s.values[i];
        const outside = v < mean - half || v > mean + half;
        out.timestamps[k] = s.timestamps[i];
        out.observed[k] = v;
        out.baseline[k] = mean;
        out.lower[k] = mean - half;
        out.upper[k] = mean + half;
        out.score[k] = outside ? 0.9 : 0.05;
        out.anomalous[k] = outside && out.score[k] > threshold ? 1 : 0;
      });
      return out;
    });
  },
};

/** Statistics of each window from `values(windowStartMs)`; `rows(windowStartMs)` rows (100 by default). */
export function functionStatistics(
  values: (t: number) => StatValue[],
  rows: (t: number) => number = () => 100,
): StatisticsPort & { calls: Window[][]; failNext?: Error } {
  const port = {
    calls: [] as Window[][],
    failNext: undefined as Error | undefined,
    async windows(windows: readonly Window[]): Promise<WindowStatistics[]> {
      if (port.failNext !== undefined) {
        const err = port.failNext;
        port.failNext = undefined;
        throw err;
      }
      port.calls.push([...windows]);
      return windows.map((window) => {
        const t = window.start.getTime();
        const n = rows(t);
        return { window, rows: n, values: n > 0 ? values(t) : [] };
      });
    },
  };
  return port;
}

export function recordingStatus(): StatusPort & { written: JobStatus[] } {
  const written: JobStatus[] = [];
  return { written, write: async (_m: ModelMonitor, s: JobStatus) => void written.push(s) };
}

export function recordingAlerts(): AlertPort & { posts: Array<{ url: string; alerts: PostableAlert[] }>; fail?: Error } {
  const port = {
    posts: [] as Array<{ url: string; alerts: PostableAlert[] }>,
    fail: undefined as Error | undefined,
    async post(url: string, alerts: PostableAlert[]): Promise<void> {
      if (port.fail !== undefined) throw port.fail;
      port.posts.push({ url, alerts });
    },
  };
  return port;
}

/** A small deterministic wobble, so std is not zero. */
export function wobble(t: number): number {
  return ((Math.floor(t / DAY) * 7919) % 13) / 13 - 0.5;
}

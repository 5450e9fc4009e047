/**
 * A deterministic report of a monitor in trouble, shared by the golden test and the Chromium
 * test: a model-level input shift, a feature whose missing rate jumped, a mean shift, a score
 * statistic with a gap in its history, and a run history with a failure.
 */
import type { ReportAnomaly, ReportData, ReportSeries } from '../../../operator/src/report/index.js';

const DAY = 86_400_000;
const START = Date.parse('2026-01-05T00:00:00Z');

/** A smooth, repeatable wiggle in [-1, 1] (no randomness, so the golden file is stable). */
function wiggle(i: number, phase: number): number {
  return Math.sin(i * 1.7 + phase) * 0.6 + Math.sin(i * 0.45 + phase * 2) * 0.4;
}

interface SeriesShape {
  days: number;
  level: number;
  noise: number;
  /** The value on each of the last days (the incident), or undefined for none. */
  incident?: number[];
  phase: number;
  gapAt?: number[];
  weekly?: number;
}

export function series(shape: SeriesShape): ReportSeries {
  const s: ReportSeries = { time: [], observed: [], baseline: [], lower: [], upper: [], score: [], flagged: [] };
  const incidentStart = shape.days - (shape.incident?.length ?? 0);
  for (let i = 0; i < shape.days; i++) {
    const weekday = (i % 7) >= 5 ? -(shape.weekly ?? 0) : 0;
    const expected = shape.level + weekday;
    const hasHistory = i >= 28;
    const inIncident = i >= incidentStart;
    const observed = inIncident ? (shape.incident as number[])[i - incidentStart] : expected + shape.noise * wiggle(i, shape.phase);
    const gap = shape.gapAt?.includes(i) === true;
    s.time.push(new Date(START + i * DAY).toISOString());
    s.observed.push(gap ? null : Number(observed.toPrecision(6)));
    s.baseline.push(hasHistory ? Number(expected.toPrecision(6)) : null);
    s.lower.push(hasHistory ? Number((expected - 2.2 * shape.noise).toPrecision(6)) : null);
    s.upper.push(hasHistory ? Number((expected + 2.2 * shape.noise).toPrecision(6)) : null);
    s.score.push(hasHistory && !gap ? (inIncident ? 0.9 + 0.02 * (i - incidentStart) : Number((0.03 + 0.04 * Math.abs(wiggle(i, 3))).toFixed(3))) : null);
    s.flagged.push(inIncident && !gap);
  }
  return s;
}

function anomaly(base: Omit<ReportAnomaly, 'observed' | 'expected' | 'lower' | 'upper' | 'start'>): ReportAnomaly {
  const last = base.series.time.length - 1;
  const first = base.series.flagged.indexOf(true);
  return {
    ...base,
    start: base.series.time[first],
    observed: base.series.observed[last] as number,
    expected: base.series.baseline[last] as number,
    lower: base.series.lower[last] as number,
    upper: base.series.upper[last] as number,
  };
}

export function sampleReport(): ReportData {
  return {
    monitor: {
      namespace: 'ml-prod', name: 'feed-ranker', model: 'feed-ranker', version: '2026-11-20',
      health: 'Anomalous', lastRunTime: '2026-02-18T02:15:07Z', mode: 'Enforce',
    },
    threshold: 0.2,
    generatedAt: '2026-02-18T02:15:09Z',
    anomalies: [
      anomaly({
        category: 'feature', subject: 'feature/age', statistic: 'mean', severity: 2.4, score: 0.93,
        series: series({ days: 45, level: 38.2, noise: 0.7, incident: [42.1, 43.0, 42.8], phase: 1 }),
      }),
      anomaly({
        category: 'feature', subject: 'feature/purchase_amount', statistic: 'missing_rate', severity: 7.9, score: 0.99,
        series: series({ days: 45, level: 0.061, noise: 0.004, incident: [0.31, 0.42, 0.41], phase: 2, weekly: 0.004 }),
      }),
      anomaly({
        category: 'model', subject: 'model/feed-ranker', statistic: 'anomalous_feature_share', severity: 3.1, score: 0.97,
        modelLevel: true, members: ['feature/age', 'feature/purchase_amount', 'feature/country'],
        series: series({ days: 45, level: 0.03, noise: 0.02, incident: [0.38, 0.5, 0.5], phase: 4 }),
      }),
      anomaly({
        category: 'score', subject: 'score/score', statistic: 'p50', severity: 1.3, score: 0.71,
        series: series({ days: 45, level: 0.118, noise: 0.006, incident: [0.134, 0.139], phase: 5, gapAt: [20, 21, 33] }),
      }),
    ],
    runs: [
      { time: '2026-02-16T02:15:04Z', health: 'Healthy', anomalyCount: 0, durationMs: 8_210 },
      { time: '2026-02-18T02:15:07Z', health: 'Anomalous', anomalyCount: 4, durationMs: 9_870 },
      { time: '2026-02-17T02:15:03Z', health: 'Failed', anomalyCount: 0, durationMs: 30_500, error: 'InfluxUnavailable: connect ECONNREFUSED 10.0.3.7:8086 (retried 5 times)' },
      { time: '2026-02-15T02:15:05Z', health: 'Healthy', anomalyCount: 0, durationMs: 7_940 },
    ],
  };
}

/** The same monitor with nothing wrong. */
export function healthyReport(): ReportData {
  const data = sampleReport();
  return {
    ...data,
    monitor: { ...data.monitor, health: 'Healthy' },
    anomalies: [],
    runs: data.runs.map((r) => ({ ...r, health: 'Healthy', anomalyCount: 0, error: undefined })),
  };
}

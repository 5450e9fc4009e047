/**
 * A synthetic cluster history for the feedback bench and tests (issue 13): the labelled series
 * of index.ts (real incidents) plus a benign event every alerting system meets: planned
 * weekend backfills. On some statistics a scheduled job reprocesses data every few weeks over a
 * Saturday and Sunday (UTC), and the statistic reads high for those two days. Too rare and
 * irregular for a 28-day window to learn as seasonality, so the pretrained detector alerts on
 * them; the team marks those alerts false-alarm.
 *
 * `alertsOf` turns a model's raw flags into the alerts a person judges: each run of flagged
 * points is one anomaly, marked `incident` when it touches a labelled incident (or the
 * TOLERANCE points after it), `false-alarm` otherwise.
 */
import type { Granularity } from '../../api/types.js';
import { TOLERANCE } from '../eval/metrics.js';
import type { LabelledAnomaly } from '../finetune.js';
import { createRng } from '../random.js';
import { generateSeries, type SyntheticSeries } from './index.js';

export interface ClusterOptions {
  seed: number;
  count: number;
  length?: number;
  granularity?: Granularity;
  /** Share of series that carry backfills (default 0.08). */
  backfillShare?: number;
  /** Weeks between two backfills of a series, drawn uniformly in [min, max] (default [3, 6]). */
  everyWeeks?: [number, number];
  /** Size of a backfill in the series' noise sds, drawn uniformly in [min, max] (default [6, 12]). */
  sizeSds?: [number, number];
}

export interface ClusterSeries extends SyntheticSeries {
  /** 1 at the points of a backfill. */
  benign: Uint8Array;
}

/** Points kept clear of incidents around a backfill, so a backfill never overlaps one. */
const CLEARANCE = 4;

export function syntheticCluster(options: ClusterOptions): ClusterSeries[] {
  const rng = createRng(options.seed ^ 0xbacf11);
  const [minWeeks, maxWeeks] = options.everyWeeks ?? [3, 6];
  const [minSize, maxSize] = options.sizeSds ?? [6, 12];
  const daily = (options.granularity ?? '1d') === '1d';
  return generateSeries({ seed: options.seed, count: options.count, length: options.length, granularity: options.granularity }).map((s) => {
    const benign = new Uint8Array(s.values.length);
    if (!daily || !rng.chance(options.backfillShare ?? 0.08)) return { ...s, benign };
    const values = Float64Array.from(s.values);
    const perDay = 1;
    // The first Saturday after the detector's window.
    let t = 28;
    while (new Date(s.start + t * s.stepMs).getUTCDay() !== 6) t += perDay;
    for (t += 7 * rng.int(0, maxWeeks); t + 1 < values.length; t += 7 * rng.int(minWeeks, maxWeeks)) {
      let clear = true;
      for (let i = Math.max(0, t - CLEARANCE); i < Math.min(values.length, t + 2 + CLEARANCE); i++) if (s.labels[i] === 1) clear = false;
      if (!clear) continue;
      const size = rng.uniform(minSize, maxSize);
      for (const i of [t, t + 1]) {
        if (Number.isNaN(values[i])) continue;
        const raised = values[i] + size * s.truth.noiseSd[i];
        values[i] = s.domain?.max !== undefined ? Math.min(s.domain.max, raised) : raised;
        benign[i] = 1;
      }
    }
    return { ...s, values, benign };
  });
}

/**
 * The anomalies a person judges: runs of flagged points (flags per grid point of each series),
 * each marked by the series' incident labels.
 */
export function alertsOf(labels: readonly Uint8Array[], flags: readonly Uint8Array[]): LabelledAnomaly[] {
  const out: LabelledAnomaly[] = [];
  flags.forEach((f, s) => {
    const incident = labels[s];
    for (let t = 0; t < f.length; ) {
      if (f[t] !== 1) {
        t++;
        continue;
      }
      let end = t;
      while (end < f.length && f[end] === 1) end++;
      let touches = false;
      for (let i = Math.max(0, t - TOLERANCE); i < end; i++) if (incident[i] === 1) touches = true;
      out.push({ series: s, start: t, end, verdict: touches ? 'incident' : 'false-alarm' });
      t = end;
    }
  });
  return out;
}

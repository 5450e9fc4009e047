/**
 * Terminal output of the local commands: the line `kubectl get modelmonitors` would print for a
 * monitor (the CRD's printer columns) and a table of its open anomalies.
 */
import type { ModelMonitor, ModelMonitorStatus } from '../api/types.js';
import { fmt } from '../alerting/payload.js';
import { segmentHeadline, segmentPhrase } from '../api/segments.js';

/** kubectl's short durations (apimachinery's HumanDuration): 45s, 3m20s, 5h, 2d4h, 40d. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

/** Left-aligned columns separated by three spaces, as kubectl prints them. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('   ').trimEnd()).join('\n');
}

export interface GetRow {
  monitor: ModelMonitor;
  status: ModelMonitorStatus;
  /** When the monitor was created (its first run, locally). */
  created?: string;
}

export function formatGetMonitors(rows: readonly GetRow[], now: Date): string {
  const since = (iso: string | undefined): string => (iso === undefined ? '<none>' : humanDuration(now.getTime() - Date.parse(iso)));
  return table([
    ['NAME', 'MODEL', 'HEALTH', 'ANOMALIES', 'LAST RUN', 'AGE'],
    ...rows.map(({ monitor, status, created }) => [
      monitor.metadata.name,
      monitor.spec.model.name,
      status.health ?? '',
      status.anomalyCount === undefined ? '' : String(status.anomalyCount),
      since(status.lastRunTime),
      since(created ?? monitor.metadata.creationTimestamp),
    ]),
  ]);
}

/** "Scored 12 of 161 series." and why a monitor with no anomaly is not Healthy. */
export function formatCoverage(status: ModelMonitorStatus): string {
  if (status.scoredSeries === undefined || status.totalSeries === undefined) return '';
  const healthy = status.conditions?.find((c) => c.type === 'Healthy');
  const why = status.health === 'Unknown' && healthy !== undefined ? ` ${healthy.message}.` : '';
  return `Scored ${status.scoredSeries} of ${status.totalSeries} series.${why}`;
}

export function formatAnomalies(status: ModelMonitorStatus): string {
  const anomalies = status.anomalies ?? [];
  if (anomalies.length === 0) return 'No open anomalies.';
  const more = (status.anomalyCount ?? anomalies.length) - anomalies.length;
  const members = anomalies.filter((a) => (a.members ?? []).length > 0).map((a) =>
    `${a.subject}: features that moved together: ` + a.members!.map((m) => `${m.subject} ${m.statistic} ${fmt(m.observed)} (expected ${fmt(m.expected)})`).join('; '));
  // What the alert's summary also says: where a segment anomaly is, and the rollout it followed.
  const notes = anomalies.flatMap((a) => {
    const where = segmentPhrase(a);
    const parts = [where !== '' ? segmentHeadline(a) : undefined, a.rollout?.message].filter((p): p is string => p !== undefined);
    return parts.length > 0 ? [`${a.id ?? a.subject}: ${parts.join('; ')}`] : [];
  });
  // The id is what `kubectl annotate ... feedback.alertiger.io/<id>=...` takes (docs/feedback.md).
  const withIds = anomalies.some((a) => a.id !== undefined);
  return table([
    [...(withIds ? ['ID'] : []), 'CATEGORY', 'SUBJECT', 'STATISTIC', 'OBSERVED', 'EXPECTED', 'BAND', 'SEVERITY', 'SCORE', 'SINCE'],
    ...anomalies.map((a) => [
      ...(withIds ? [a.id ?? ''] : []),
      a.category, a.subject, a.statistic, fmt(a.observed), fmt(a.expected), `[${fmt(a.lower)}, ${fmt(a.upper)}]`,
      fmt(a.severity), fmt(a.score), a.start.slice(0, 16).replace('T', ' '),
    ]),
  ]) + (more > 0 ? `\n(${more} more in the report)` : '') + [...members, ...notes].map((line) => `\n${line}`).join('');
}

/**
 * A progress line on stderr for a long read: silent for the first `afterMs` (2 s), then one line
 * every `afterMs` naming the file and the bytes read, so a long read does not look hung.
 */
export function stderrProgress(command: string, afterMs = 2000, now: () => number = Date.now): (p: { file: string; bytes: number }) => void {
  const start = now();
  let next = start + afterMs;
  return ({ file, bytes }) => {
    const t = now();
    if (t < next) return;
    next = t + afterMs;
    process.stderr.write(`alertiger ${command}: reading ${file}: ${(bytes / 1048576).toFixed(0)} MiB in ${((t - start) / 1000).toFixed(0)} s\n`);
  };
}

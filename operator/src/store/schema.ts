/**
 * The InfluxDB schema of AlerTiger (docs/design.md §5), in one place. See docs/influx-schema.md.
 *
 *   model_health            one point per (window, category, subject): the statistics as fields
 *   model_health_detection  one point per (window, category, subject, statistic) scored by the
 *                           detector: observed, baseline, lower, upper, score, severity, anomaly
 *   model_health_reference  one point per subject of the drift reference window (field `json`)
 *   model_health_shard      a sharded run's shard summaries, until the merge (store/shards.ts)
 *   alertiger_feedback      one point per verdict a person gave on an anomaly (see feedbackPoints)
 *
 * Tags: namespace, monitor, model_version (absent when the model has no version), category
 * (feature | score | label | data | model), subject (feature name, the score / label field, or
 * `log` for the data-quality statistics of category data), and for detections statistic; segment
 * series also `segment` (docs/segments.md). Series cardinality is therefore linear in features. Timestamps are the
 * window start in ms; a window written again lands on the same series and time, so it replaces
 * the values (idempotent).
 *
 * Everything here is pure: points are built and query results parsed without a server.
 */
import { escape, type IPoint } from 'influx';
import type { DetectionPoint, StatCategory, StatSeries, WindowStatistics } from '../run/ports.js';
import type { FeedbackRecord } from '../run/feedback.js';
import type { FeatureReference, Reference } from '../stats/reference.js';
import { REFERENCE_VERSION } from '../stats/reference.js';
import { segmentOf } from '../api/segments.js';
import { quoteIdentifier, quoteString } from '../influx/connection.js';

export const STATISTICS_MEASUREMENT = 'model_health';
export const DETECTIONS_MEASUREMENT = 'model_health_detection';
export const REFERENCE_MEASUREMENT = 'model_health_reference';

/** Which monitor (and model version) a set of series belongs to. */
export interface MonitorKey {
  namespace: string;
  monitor: string;
  /** spec.model.version; absent or empty: the tag is left out. */
  modelVersion?: string;
}

const TAG_NAMES = new Set(['namespace', 'monitor', 'model_version', 'category', 'subject', 'statistic', 'segment']);
const DETECTION_FIELDS = ['observed', 'baseline', 'lower', 'upper', 'score', 'severity'] as const;

/**
 * A segment series (docs/segments.md) keeps its whole name in `subject` (`score[origin=BOS]`: a
 * query on subject "score" still reads the whole population only) and gains a `segment` tag
 * (`origin=BOS`) to group by; other series have no such tag.
 */
function segmentTag(category: string, subject: string): { segment?: string } {
  const parsed = segmentOf({ category, subject });
  return parsed === undefined ? {} : { segment: parsed.segment };
}

export function monitorTags(key: MonitorKey): Record<string, string> {
  const tags: Record<string, string> = { namespace: key.namespace, monitor: key.monitor };
  if (key.modelVersion !== undefined && key.modelVersion !== '') tags.model_version = key.modelVersion;
  return tags;
}

/** One point per window and (category, subject); values that are not finite are left out. */
export function statisticsPoints(key: MonitorKey, windows: readonly WindowStatistics[]): IPoint[] {
  const points: IPoint[] = [];
  for (const w of windows) {
    const groups = new Map<string, { category: string; subject: string; fields: Record<string, number> }>();
    for (const v of w.values) {
      if (!Number.isFinite(v.value)) continue;
      const id = `${v.category}\u0000${v.subject}`;
      let g = groups.get(id);
      if (g === undefined) groups.set(id, g = { category: v.category, subject: v.subject, fields: {} });
      g.fields[v.statistic] = v.value;
    }
    for (const g of groups.values()) {
      points.push({
        measurement: STATISTICS_MEASUREMENT,
        tags: { ...monitorTags(key), category: g.category, subject: g.subject, ...segmentTag(g.category, g.subject) },
        fields: g.fields,
        timestamp: w.window.start.getTime(),
      });
    }
  }
  return points;
}

export function detectionPoints(key: MonitorKey, points: readonly DetectionPoint[]): IPoint[] {
  return points.map((p) => {
    const fields: Record<string, number> = {};
    for (const f of DETECTION_FIELDS) if (Number.isFinite(p[f])) fields[f] = p[f];
    fields.anomaly = p.anomaly ? 1 : 0;
    return {
      measurement: DETECTIONS_MEASUREMENT,
      tags: { ...monitorTags(key), category: p.category, subject: p.subject, statistic: p.statistic, ...segmentTag(p.category, p.subject) },
      fields,
      timestamp: p.time,
    };
  });
}

/** The reference as one point per subject at time 0 (so a new reference replaces the old). */
export function referencePoints(key: MonitorKey, ref: Reference): IPoint[] {
  const point = (category: string, subject: string, r: FeatureReference): IPoint => ({
    measurement: REFERENCE_MEASUREMENT,
    tags: { ...monitorTags(key), category, subject },
    fields: { json: JSON.stringify(r), window_start: ref.windowStart ?? '' },
    timestamp: 0,
  });
  const points = Object.entries(ref.features).map(([name, r]) => point('feature', name, r));
  if (ref.score !== undefined) points.push(point('score', 'score', ref.score));
  return points;
}

/** InfluxDB line protocol of points with ms timestamps (for golden files and debugging). */
export function toLineProtocol(points: readonly IPoint[]): string {
  return points.map((p) => {
    const tags = Object.keys(p.tags ?? {}).sort().map((k) => `,${escape.tag(k)}=${escape.tag(p.tags![k])}`).join('');
    const fields = Object.entries(p.fields ?? {}).map(([k, v]) => `${escape.tag(k)}=${typeof v === 'string' ? escape.quoted(v) : String(v)}`).join(',');
    return `${escape.measurement(p.measurement!)}${tags} ${fields} ${String(p.timestamp)}`;
  }).join('\n') + '\n';
}

/** WHERE conditions selecting one monitor's series (a missing model_version matches ''). */
export function monitorConditions(key: MonitorKey): string[] {
  const tags = monitorTags(key);
  return [
    `${quoteIdentifier('namespace')} = ${quoteString(tags.namespace)}`,
    `${quoteIdentifier('monitor')} = ${quoteString(tags.monitor)}`,
    `${quoteIdentifier('model_version')} = ${quoteString(tags.model_version ?? '')}`,
  ];
}

function timeConditions(from: Date, to: Date): string[] {
  return [`time >= ${from.getTime()}ms`, `time < ${to.getTime()}ms`];
}

export function historyQuery(key: MonitorKey, from: Date, to: Date): string {
  return `SELECT * FROM ${quoteIdentifier(STATISTICS_MEASUREMENT)} WHERE ${[...monitorConditions(key), ...timeConditions(from, to)].join(' AND ')} GROUP BY "category", "subject"`;
}

export function detectionsQuery(key: MonitorKey, from: Date, to: Date): string {
  return `SELECT * FROM ${quoteIdentifier(DETECTIONS_MEASUREMENT)} WHERE ${[...monitorConditions(key), ...timeConditions(from, to)].join(' AND ')} GROUP BY "category", "subject", "statistic"`;
}

export function referenceQuery(key: MonitorKey): string {
  return `SELECT "json", "window_start" FROM ${quoteIdentifier(REFERENCE_MEASUREMENT)} WHERE ${monitorConditions(key).join(' AND ')} GROUP BY "category", "subject"`;
}

/**
 * Deletes the statistics of windows [from, to) before they are written again, so a rewrite
 * leaves no value of the earlier write behind (InfluxDB merges the fields of a point written
 * twice); `category` limits it to one category (late labels rewrite only theirs).
 */
export function deleteStatisticsQuery(key: MonitorKey, from: Date, to: Date, category?: StatCategory): string {
  const conditions = [...monitorConditions(key), ...(category !== undefined ? [`"category" = ${quoteString(category)}`] : []), ...timeConditions(from, to)];
  return `DELETE FROM ${quoteIdentifier(STATISTICS_MEASUREMENT)} WHERE ${conditions.join(' AND ')}`;
}

/** The raw JSON of an InfluxDB /query answer. */
export interface RawResponse {
  results?: Array<{ series?: RawSeries[]; error?: string; partial?: boolean }>;
}

export interface RawSeries {
  name?: string;
  tags?: Record<string, string>;
  columns: string[];
  values?: unknown[][];
  partial?: boolean;
}

/** Series of the first result, or an error naming InfluxDB's complaint. */
export function seriesOf(raw: RawResponse): RawSeries[] {
  const result = raw.results?.[0];
  if (result?.error !== undefined) throw new Error(result.error);
  if (result?.partial === true || result?.series?.some((s) => s.partial === true)) {
    throw new Error('InfluxDB returned a partial result (max-row-limit); raise the limit or read a shorter range');
  }
  return result?.series ?? [];
}

/** One StatSeries per (category, subject, statistic), times ascending; null cells are gaps. */
export function parseHistory(raw: RawResponse): StatSeries[] {
  const out: StatSeries[] = [];
  for (const s of seriesOf(raw)) {
    const category = (s.tags?.category ?? '') as StatCategory;
    const subject = s.tags?.subject ?? '';
    const rows = [...(s.values ?? [])].sort((a, b) => Number(a[0]) - Number(b[0]));
    s.columns.forEach((column, c) => {
      if (c === 0 || TAG_NAMES.has(column)) return;
      const times: number[] = [];
      const values: number[] = [];
      for (const row of rows) {
        const v = row[c];
        if (typeof v === 'number' && Number.isFinite(v)) {
          times.push(Number(row[0]));
          values.push(v);
        }
      }
      if (times.length > 0) out.push({ category, subject, statistic: column, times, values });
    });
  }
  return out.sort((a, b) => (a.category + a.subject + a.statistic < b.category + b.subject + b.statistic ? -1 : 1));
}

export function parseDetections(raw: RawResponse): DetectionPoint[] {
  const out: DetectionPoint[] = [];
  for (const s of seriesOf(raw)) {
    const col = (name: string): number => s.columns.indexOf(name);
    for (const row of s.values ?? []) {
      const num = (name: string): number => (typeof row[col(name)] === 'number' ? (row[col(name)] as number) : NaN);
      out.push({
        category: (s.tags?.category ?? '') as DetectionPoint['category'],
        subject: s.tags?.subject ?? '',
        statistic: s.tags?.statistic ?? '',
        time: Number(row[0]),
        observed: num('observed'),
        baseline: num('baseline'),
        lower: num('lower'),
        upper: num('upper'),
        score: num('score'),
        severity: num('severity'),
        anomaly: num('anomaly') === 1,
      });
    }
  }
  return out.sort((a, b) => a.time - b.time);
}

/**
 * Feedback by kubectl (run/feedback.ts, docs/feedback.md): one point per verdict, tags
 * namespace, monitor, category, subject, statistic, id (no model_version: a verdict is about an
 * alert, whichever version raised it); fields verdict, note, anomaly_start; time = the anomaly's
 * start, so writing a verdict again (or a changed one) replaces it.
 */
export const FEEDBACK_MEASUREMENT = 'alertiger_feedback';

export function feedbackPoints(records: readonly FeedbackRecord[]): IPoint[] {
  return records.map((r) => ({
    measurement: FEEDBACK_MEASUREMENT,
    tags: { namespace: r.namespace, monitor: r.monitor, category: r.category, subject: r.subject, statistic: r.statistic, id: r.id },
    fields: { verdict: r.verdict, note: r.note, anomaly_start: r.anomalyStart },
    timestamp: Date.parse(r.anomalyStart),
  }));
}

/** Which verdicts to read: every monitor's, a namespace's, or one monitor's; from `since` (ms) on. */
export interface FeedbackFilter {
  namespace?: string;
  monitor?: string;
  sinceMs?: number;
}

export function feedbackQuery(filter: FeedbackFilter = {}): string {
  const conditions = [
    ...(filter.namespace !== undefined ? [`${quoteIdentifier('namespace')} = ${quoteString(filter.namespace)}`] : []),
    ...(filter.monitor !== undefined ? [`${quoteIdentifier('monitor')} = ${quoteString(filter.monitor)}`] : []),
    ...(filter.sinceMs !== undefined ? [`time >= ${filter.sinceMs}ms`] : []),
  ];
  return `SELECT "verdict", "note", "anomaly_start" FROM ${quoteIdentifier(FEEDBACK_MEASUREMENT)}` +
    `${conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : ''} GROUP BY "namespace", "monitor", "category", "subject", "statistic", "id"`;
}

/** Stored verdicts, oldest anomaly first; a row whose verdict is neither word is skipped. */
export function parseFeedback(raw: RawResponse): FeedbackRecord[] {
  const out: FeedbackRecord[] = [];
  for (const s of seriesOf(raw)) {
    const col = (name: string): number => s.columns.indexOf(name);
    for (const row of s.values ?? []) {
      const verdict = row[col('verdict')];
      if (verdict !== 'incident' && verdict !== 'false-alarm') continue;
      const note = row[col('note')];
      const start = row[col('anomaly_start')];
      out.push({
        namespace: s.tags?.namespace ?? '',
        monitor: s.tags?.monitor ?? '',
        category: (s.tags?.category ?? '') as FeedbackRecord['category'],
        subject: s.tags?.subject ?? '',
        statistic: s.tags?.statistic ?? '',
        id: s.tags?.id ?? '',
        verdict,
        note: typeof note === 'string' ? note : '',
        anomalyStart: typeof start === 'string' && start !== '' ? start : new Date(Number(row[0])).toISOString(),
      });
    }
  }
  return out.sort((a, b) => Date.parse(a.anomalyStart) - Date.parse(b.anomalyStart) || (a.id < b.id ? -1 : 1));
}

/** The scored points flagged anomalous in [from, to): the episodes feedback ids are matched with. */
export function anomalousDetectionsQuery(key: MonitorKey, from: Date, to: Date): string {
  return `SELECT * FROM ${quoteIdentifier(DETECTIONS_MEASUREMENT)} WHERE ${[...monitorConditions(key), '"anomaly" = 1', ...timeConditions(from, to)].join(' AND ')} GROUP BY "category", "subject", "statistic"`;
}

export function parseReference(raw: RawResponse): Reference | undefined {
  const series = seriesOf(raw);
  if (series.length === 0) return undefined;
  const ref: Reference = { version: REFERENCE_VERSION, features: {} };
  for (const s of series) {
    const row = s.values?.[0];
    if (row === undefined) continue;
    const json = row[s.columns.indexOf('json')];
    const start = row[s.columns.indexOf('window_start')];
    if (typeof json !== 'string') continue;
    const r = JSON.parse(json) as FeatureReference;
    if (s.tags?.category === 'score') ref.score = r as Reference['score'];
    else ref.features[s.tags?.subject ?? ''] = r;
    if (typeof start === 'string' && start !== '') ref.windowStart = start;
  }
  return ref;
}

/**
 * The tracked segment values of a monitor in InfluxDB (docs/segments.md): one point per segment
 * column in `model_health_segments` at time 0 (so a new choice replaces the old), tags as the
 * statistics' plus `column`, field `json` (the values and when each was last seen). Pure.
 */
import type { IPoint } from 'influx';
import { quoteIdentifier } from '../influx/connection.js';
import type { SegmentChoice } from '../stats/segments.js';
import { monitorConditions, monitorTags, seriesOf, type MonitorKey, type RawResponse } from './schema.js';

export const SEGMENTS_MEASUREMENT = 'model_health_segments';

export function segmentPoints(key: MonitorKey, choices: readonly SegmentChoice[]): IPoint[] {
  return choices.map((c) => ({
    measurement: SEGMENTS_MEASUREMENT,
    tags: { ...monitorTags(key), column: c.column },
    fields: { json: JSON.stringify(c.values) },
    timestamp: 0,
  }));
}

export function segmentsQuery(key: MonitorKey): string {
  return `SELECT "json" FROM ${quoteIdentifier(SEGMENTS_MEASUREMENT)} WHERE ${monitorConditions(key).join(' AND ')} GROUP BY "column"`;
}

/** The stored choices, or undefined when none was stored yet. */
export function parseSegmentChoices(raw: RawResponse): SegmentChoice[] | undefined {
  const series = seriesOf(raw);
  if (series.length === 0) return undefined;
  const out: SegmentChoice[] = [];
  for (const s of series) {
    const json = s.values?.[0]?.[s.columns.indexOf('json')];
    if (typeof json !== 'string' || s.tags?.column === undefined) continue;
    const values = JSON.parse(json) as SegmentChoice['values'];
    if (Array.isArray(values)) out.push({ column: s.tags.column, values: values.filter((v) => typeof v?.value === 'string' && typeof v.lastSeen === 'number') });
  }
  return out;
}

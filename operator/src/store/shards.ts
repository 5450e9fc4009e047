/**
 * The shards' summaries of a sharded run, exchanged through InfluxDB (docs/sharding.md):
 *
 *   model_health_shard   tags namespace, monitor, model_version, run (the Job's name), shard
 *                        (its index); field `data` (a part of the encoded report, shard/report.ts)
 *                        and `parts` (how many parts the report has); time = the run's newest
 *                        window end + the part's number in ms
 *
 * A report is cut in parts because InfluxDB 1.x keeps string fields under 64 KB. A shard is
 * complete when all its parts are stored; a retried Pod rewrites the same points (same run, same
 * shard). The merge step deletes its run's points after the run succeeded; a failed run's stay.
 */
import type { IPoint } from 'influx';
import { quoteIdentifier, quoteString, type InfluxConnection, type RetryPolicy } from '../influx/connection.js';
import { StoreDatabase } from './influx.js';
import { seriesOf, type MonitorKey, type RawResponse } from './schema.js';

export const SHARD_MEASUREMENT = 'model_health_shard';
/** Characters per part: base64 text, under InfluxDB 1.x's 64 KB string limit. */
export const PART_CHARS = 60_000;
/** Parts per write request (a few MB). */
const PARTS_PER_WRITE = 50;

/** Identifies a run's reports: the monitor and the run id (the Job's name). */
export interface RunKey extends MonitorKey {
  run: string;
}

function tags(key: RunKey): Record<string, string> {
  const out: Record<string, string> = { namespace: key.namespace, monitor: key.monitor, run: key.run };
  if (key.modelVersion !== undefined && key.modelVersion !== '') out.model_version = key.modelVersion;
  return out;
}

/** The points of one shard's encoded report. Pure. */
export function shardPoints(key: RunKey, shard: number, text: string, time: number): IPoint[] {
  const parts = Math.max(1, Math.ceil(text.length / PART_CHARS));
  const points: IPoint[] = [];
  for (let p = 0; p < parts; p++) {
    points.push({
      measurement: SHARD_MEASUREMENT,
      tags: { ...tags(key), shard: String(shard) },
      fields: { data: text.slice(p * PART_CHARS, (p + 1) * PART_CHARS), parts },
      timestamp: time + p,
    });
  }
  return points;
}

function runConditions(key: RunKey, shard?: number): string {
  const t = tags(key);
  const conditions = [
    `${quoteIdentifier('namespace')} = ${quoteString(t.namespace)}`,
    `${quoteIdentifier('monitor')} = ${quoteString(t.monitor)}`,
    `${quoteIdentifier('model_version')} = ${quoteString(t.model_version ?? '')}`,
    `${quoteIdentifier('run')} = ${quoteString(t.run)}`,
  ];
  if (shard !== undefined) conditions.push(`${quoteIdentifier('shard')} = ${quoteString(String(shard))}`);
  return conditions.join(' AND ');
}

/** Parts stored and parts expected, per shard of the run. */
export function progressQuery(key: RunKey): string {
  return `SELECT count("data") AS "stored", max("parts") AS "parts" FROM ${quoteIdentifier(SHARD_MEASUREMENT)} WHERE ${runConditions(key)} GROUP BY "shard"`;
}

export function reportQuery(key: RunKey, shard: number): string {
  return `SELECT "data", "parts" FROM ${quoteIdentifier(SHARD_MEASUREMENT)} WHERE ${runConditions(key, shard)}`;
}

export function deleteQuery(key: RunKey, shard?: number): string {
  return `DELETE FROM ${quoteIdentifier(SHARD_MEASUREMENT)} WHERE ${runConditions(key, shard)}`;
}

/** The shards whose every part is stored. Pure. */
export function completeShards(raw: RawResponse): Set<number> {
  const done = new Set<number>();
  for (const s of seriesOf(raw)) {
    const row = s.values?.[0];
    if (row === undefined) continue;
    const stored = Number(row[s.columns.indexOf('stored')]);
    const parts = Number(row[s.columns.indexOf('parts')]);
    if (parts > 0 && stored >= parts) done.add(Number(s.tags?.shard));
  }
  return done;
}

/** The report's text from its parts, in time order; undefined while a part is missing. Pure. */
export function joinParts(raw: RawResponse): string | undefined {
  const series = seriesOf(raw)[0];
  if (series === undefined) return undefined;
  const rows = [...(series.values ?? [])].sort((a, b) => Number(a[0]) - Number(b[0]));
  const parts = Number(rows[0]?.[series.columns.indexOf('parts')]);
  if (rows.length !== parts) return undefined;
  return rows.map((r) => String(r[series.columns.indexOf('data')])).join('');
}


/** The exchange on the job's InfluxDB. */
export class ShardExchange {
  private readonly db: StoreDatabase;

  constructor(readonly key: RunKey, options: InfluxConnection & RetryPolicy) {
    this.db = new StoreDatabase(options);
  }

  /** Stores a shard's report, replacing what an earlier attempt of the same shard stored. */
  async write(shard: number, text: string, time: number): Promise<void> {
    await this.db.ensure();
    await this.db.query('delete an earlier shard summary', deleteQuery(this.key, shard));
    await this.db.write('write a shard summary', shardPoints(this.key, shard, text, time), PARTS_PER_WRITE);
  }

  /** The shards of the run whose reports are complete. */
  async complete(): Promise<Set<number>> {
    await this.db.ensure();
    return completeShards(await this.db.query('read the shards\' progress', progressQuery(this.key)));
  }

  async read(shard: number): Promise<string | undefined> {
    return joinParts(await this.db.query(`read shard ${shard}'s summary`, reportQuery(this.key, shard)));
  }

  /** Deletes the run's reports (after the run stored what it merged from them). */
  async clear(): Promise<void> {
    await this.db.query('delete the shard summaries', deleteQuery(this.key));
  }
}

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
import type { InfluxDB, IPoint } from 'influx';
import { AlertigerError } from '../errors.js';
import { callInflux, influxClient, queryInflux, quoteIdentifier, quoteString, type InfluxConnection, type RetryPolicy } from '../influx/connection.js';
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

const CODES = { unavailable: 'InfluxUnavailable', rejected: 'InfluxRejected' } as const;

/** The exchange on the job's InfluxDB. */
export class ShardExchange {
  private readonly client: InfluxDB;
  private ready: Promise<void> | undefined;

  constructor(readonly key: RunKey, private readonly options: InfluxConnection & RetryPolicy) {
    this.client = influxClient(options);
  }

  /** Stores a shard's report, replacing what an earlier attempt of the same shard stored. */
  async write(shard: number, text: string, time: number): Promise<void> {
    await this.ensureDatabase();
    await this.query('delete an earlier shard summary', deleteQuery(this.key, shard));
    const points = shardPoints(this.key, shard, text, time);
    for (let i = 0; i < points.length; i += PARTS_PER_WRITE) {
      const batch = points.slice(i, i + PARTS_PER_WRITE);
      await callInflux('write a shard summary', this.options.url, CODES, () => this.client.writePoints(batch, { database: this.options.database, precision: 'ms' }), this.options);
    }
  }

  /** The shards of the run whose reports are complete. */
  async complete(): Promise<Set<number>> {
    await this.ensureDatabase();
    return completeShards(await this.query('read the shards\' progress', progressQuery(this.key)));
  }

  async read(shard: number): Promise<string | undefined> {
    return joinParts(await this.query(`read shard ${shard}'s summary`, reportQuery(this.key, shard)));
  }

  /** Deletes the run's reports (after the run stored what it merged from them). */
  async clear(): Promise<void> {
    await this.query('delete the shard summaries', deleteQuery(this.key));
  }

  private ensureDatabase(): Promise<void> {
    this.ready ??= callInflux('create the database', this.options.url, CODES, () => this.client.createDatabase(this.options.database), this.options)
      .catch((err: unknown) => {
        this.ready = undefined;
        throw err;
      });
    return this.ready;
  }

  private async query(what: string, q: string): Promise<RawResponse> {
    const raw = await queryInflux(what, this.options.url, CODES, () => this.client.queryRaw(q, { database: this.options.database, precision: 'ms' }) as Promise<RawResponse>, this.options);
    try {
      seriesOf(raw);
    } catch (err) {
      throw new AlertigerError(CODES.rejected, `InfluxDB at ${this.options.url} refused to ${what}: ${(err as Error).message}`, { cause: err });
    }
    return raw;
  }
}

/**
 * An InfluxDB 1.x measurement as an inference log (spec.source.influx): rows of the measurement
 * whose tags equal `where`, read in time-bounded pages (an hour by default; a page with more
 * rows than the limit is read on with OFFSET), so memory holds one page. Tags and fields both
 * become row fields, except the `where` tags, which are the same on every row.
 */
import { callInflux, influxClient, queryInflux, quoteIdentifier, quoteString, type InfluxConnection, type RetryPolicy } from '../influx/connection.js';
import { AlertigerError } from '../errors.js';
import type { Row, RowSource } from './types.js';

export interface InfluxSourceSpec extends InfluxConnection {
  measurement: string;
  where?: Record<string, string>;
}

export interface InfluxReadOptions extends RetryPolicy {
  /** Window to read, [from, to) in ms. */
  from: number;
  to: number;
  /** Page length in ms; one hour by default. */
  pageMs?: number;
  /** Rows per query; 10,000 by default. */
  limit?: number;
}

const CODES = { unavailable: 'SourceUnavailable', rejected: 'SourceInvalid' } as const;

interface RawSeries {
  columns: string[];
  values?: unknown[][];
}

interface RawAnswer {
  results?: Array<{ series?: RawSeries[]; error?: string }>;
}

/** Checks the server answers and the database exists, then returns the rows. */
export async function openInfluxSource(spec: InfluxSourceSpec, options: InfluxReadOptions): Promise<RowSource> {
  const client = influxClient(spec);
  const databases = await callInflux('list databases', spec.url, CODES, () => client.getDatabaseNames(), options);
  if (!databases.includes(spec.database)) {
    throw new AlertigerError('SourceNotFound', `InfluxDB at ${spec.url} has no database "${spec.database}"`);
  }
  const pageMs = options.pageMs ?? 3_600_000;
  const limit = options.limit ?? 10_000;
  const whereKeys = new Set(Object.keys(spec.where ?? {}));
  const filter = Object.entries(spec.where ?? {}).map(([k, v]) => `${quoteIdentifier(k)} = ${quoteString(v)}`);
  return (async function* () {
    let line = 0;
    for (let start = options.from; start < options.to; start += pageMs) {
      const end = Math.min(options.to, start + pageMs);
      for (let offset = 0; ; offset += limit) {
        const q = selectQuery(spec.measurement, [...filter, `time >= ${start}ms`, `time < ${end}ms`], limit, offset);
        const query = (): Promise<RawAnswer> => client.queryRaw(q, { database: spec.database, precision: 'ms' }) as Promise<RawAnswer>;
        const raw = await queryInflux(`read ${spec.measurement}`, spec.url, CODES, query, options);
        const series = raw.results?.[0]?.series?.[0];
        const values = series?.values ?? [];
        if (values.length > 0) yield { rows: toRows(series!.columns, values, whereKeys, line), corrupt: [] };
        line += values.length;
        if (values.length < limit) break;
      }
    }
  })();
}

function selectQuery(measurement: string, conditions: string[], limit: number, offset: number): string {
  return `SELECT * FROM ${quoteIdentifier(measurement)} WHERE ${conditions.join(' AND ')} LIMIT ${limit}${offset > 0 ? ` OFFSET ${offset}` : ''}`;
}

function toRows(columns: string[], values: unknown[][], skip: Set<string>, before: number): Row[] {
  const timeIndex = columns.indexOf('time');
  const keep = columns.map((c, i) => i !== timeIndex && !skip.has(c));
  return values.map((v, r) => {
    const fields: Record<string, unknown> = {};
    for (let i = 0; i < columns.length; i++) if (keep[i]) fields[columns[i]] = v[i];
    return { line: before + r + 1, ts: Number(v[timeIndex]), fields };
  });
}

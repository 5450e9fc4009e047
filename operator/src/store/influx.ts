/**
 * The statistics store on InfluxDB 1.x: the job's RunStore (write and read statistics, write and
 * read scored points) plus the drift reference, for one monitor. Creates its database on first
 * use. Every call is retried with backoff on connection errors and 5xx answers; past that it
 * fails with InfluxUnavailable naming the URL (InfluxRejected when the server refused).
 */
import type { InfluxDB, IPoint } from 'influx';
import type { DetectionPoint, RunStore, StatCategory, StatSeries, WindowStatistics } from '../run/ports.js';
import type { Reference } from '../stats/reference.js';
import type { SegmentChoice } from '../stats/segments.js';
import { parseSegmentChoices, segmentPoints, segmentsQuery } from './segment-schema.js';
import { AlertigerError } from '../errors.js';
import { callInflux, influxClient, queryInflux, type InfluxConnection, type RetryPolicy } from '../influx/connection.js';
import {
  deleteStatisticsQuery, detectionPoints, detectionsQuery, historyQuery, parseDetections, parseHistory, parseReference,
  referencePoints, referenceQuery, seriesOf, statisticsPoints, type MonitorKey, type RawResponse,
} from './schema.js';
import { anomalousDetectionsQuery, feedbackPoints, feedbackQuery, parseFeedback, type FeedbackFilter } from './schema.js';
import type { FeedbackRecord } from '../run/feedback.js';

export interface InfluxStoreOptions extends InfluxConnection, RetryPolicy {
  /** Points per write request; 5,000 by default. */
  batchSize?: number;
}

const CODES = { unavailable: 'InfluxUnavailable', rejected: 'InfluxRejected' } as const;

/**
 * One database of the job's InfluxDB, as every store on it uses it: created on first use (again
 * after a failure), written in batches and queried with the store's error codes.
 */
export class StoreDatabase {
  private readonly client: InfluxDB;
  private ready: Promise<void> | undefined;

  constructor(private readonly options: InfluxConnection & RetryPolicy) {
    this.client = influxClient(options);
  }

  ensure(): Promise<void> {
    this.ready ??= callInflux('create the database', this.options.url, CODES, () => this.client.createDatabase(this.options.database), this.options)
      .catch((err: unknown) => {
        this.ready = undefined;
        throw err;
      });
    return this.ready;
  }

  async write(what: string, points: IPoint[], batchSize: number): Promise<void> {
    for (let i = 0; i < points.length; i += batchSize) {
      const batch = points.slice(i, i + batchSize);
      await callInflux(what, this.options.url, CODES, () => this.client.writePoints(batch, { database: this.options.database, precision: 'ms' }), this.options);
    }
  }

  /** A query whose answer is checked for shape: a malformed one is InfluxDB refusing it. */
  async query(what: string, q: string): Promise<RawResponse> {
    const raw = await queryInflux(what, this.options.url, CODES, () => this.client.queryRaw(q, { database: this.options.database, precision: 'ms' }) as Promise<RawResponse>, this.options);
    try {
      seriesOf(raw);
    } catch (err) {
      throw new AlertigerError(CODES.rejected, `InfluxDB at ${this.options.url} refused to ${what}: ${(err as Error).message}`, { cause: err });
    }
    return raw;
  }
}

export class InfluxStatisticsStore implements RunStore {
  private readonly db: StoreDatabase;

  constructor(readonly key: MonitorKey, private readonly options: InfluxStoreOptions) {
    this.db = new StoreDatabase(options);
  }

  /**
   * Writes whole windows: their earlier statistics are deleted first, so a window written again
   * holds exactly the new values. With `category`, only that category is replaced (late labels).
   */
  async writeStatistics(windows: WindowStatistics[], category?: StatCategory): Promise<void> {
    if (windows.length === 0) return;
    await this.ensureDatabase();
    const selected = category === undefined ? windows : windows.map((w) => ({ ...w, values: w.values.filter((v) => v.category === category) }));
    for (const [from, to] of contiguousRanges(selected)) {
      await this.query('delete earlier statistics', deleteStatisticsQuery(this.key, from, to, category));
    }
    await this.write('write statistics', statisticsPoints(this.key, selected));
  }

  async readHistory(from: Date, to: Date): Promise<StatSeries[]> {
    await this.ensureDatabase();
    return parseHistory(await this.query('read statistics', historyQuery(this.key, from, to)));
  }

  async writeDetections(points: DetectionPoint[]): Promise<void> {
    if (points.length === 0) return;
    await this.ensureDatabase();
    await this.write('write detections', detectionPoints(this.key, points));
  }

  async readDetections(from: Date, to: Date): Promise<DetectionPoint[]> {
    await this.ensureDatabase();
    return parseDetections(await this.query('read detections', detectionsQuery(this.key, from, to)));
  }

  /** This monitor's stored verdicts (run/feedback.ts FeedbackStore). */
  async readFeedback(): Promise<FeedbackRecord[]> {
    await this.ensureDatabase();
    return parseFeedback(await this.query('read feedback', feedbackQuery({ namespace: this.key.namespace, monitor: this.key.monitor })));
  }

  async writeFeedback(records: FeedbackRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.ensureDatabase();
    await this.write('write feedback', feedbackPoints(records));
  }

  async readAnomalousDetections(from: Date, to: Date): Promise<DetectionPoint[]> {
    await this.ensureDatabase();
    return parseDetections(await this.query('read anomalous detections', anomalousDetectionsQuery(this.key, from, to)));
  }

  async loadReference(): Promise<Reference | undefined> {
    await this.ensureDatabase();
    return parseReference(await this.query('read the drift reference', referenceQuery(this.key)));
  }

  async saveReference(reference: Reference): Promise<void> {
    await this.ensureDatabase();
    await this.write('write the drift reference', referencePoints(this.key, reference));
  }

  /** The tracked segment values (docs/segments.md). */
  async loadSegments(): Promise<SegmentChoice[] | undefined> {
    await this.ensureDatabase();
    return parseSegmentChoices(await this.query('read the segment choice', segmentsQuery(this.key)));
  }

  async saveSegments(choices: SegmentChoice[]): Promise<void> {
    await this.ensureDatabase();
    await this.write('write the segment choice', segmentPoints(this.key, choices));
  }

  private ensureDatabase(): Promise<void> {
    return this.db.ensure();
  }

  private write(what: string, points: IPoint[]): Promise<void> {
    return this.db.write(what, points, this.options.batchSize ?? 5000);
  }

  private query(what: string, q: string): Promise<RawResponse> {
    return this.db.query(what, q);
  }
}

/**
 * The verdicts people gave by kubectl (docs/feedback.md), across monitors: every monitor's, one
 * namespace's, or one monitor's, with an anomaly start from `sinceMs` on; oldest first. What
 * `alertiger train --feedback` reads.
 */
export async function readFeedback(connection: InfluxConnection & RetryPolicy, filter: FeedbackFilter = {}): Promise<FeedbackRecord[]> {
  const client = influxClient(connection);
  await callInflux('create the database', connection.url, CODES, () => client.createDatabase(connection.database), connection);
  const raw = await queryInflux('read feedback', connection.url, CODES,
    () => client.queryRaw(feedbackQuery(filter), { database: connection.database, precision: 'ms' }) as Promise<RawResponse>, connection);
  return parseFeedback(raw);
}

/** [start, end) of each run of windows that follow one another. */
function contiguousRanges(windows: readonly WindowStatistics[]): Array<[Date, Date]> {
  const sorted = [...windows].sort((a, b) => a.window.start.getTime() - b.window.start.getTime());
  const ranges: Array<[Date, Date]> = [];
  for (const w of sorted) {
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last[1].getTime() >= w.window.start.getTime()) {
      if (w.window.end > last[1]) last[1] = w.window.end;
    } else {
      ranges.push([w.window.start, w.window.end]);
    }
  }
  return ranges;
}

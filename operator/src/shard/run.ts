/**
 * A sharded run on Kubernetes (docs/sharding.md). Every shard plans the run's reads the same way
 * (shard/plan.ts) and summarises its share of each; shards 1..N-1 store their report in InfluxDB
 * and exit. Shard 0 is the merge step: its statistics port computes its own share, waits for the
 * other shards' reports (polling, up to a deadline), merges them and hands the run exactly what
 * one process reading everything would: the run then stores, scores, writes the status and
 * alerts as a single-Pod run does.
 *
 * A shard missing at the deadline fails the run (ShardsIncomplete, naming the shards); the
 * reports already stored stay, so a retried Pod 0 (the Job's backoff) merges them without
 * anyone reading the source again.
 */
import type { DefaultedSpec } from '../api/defaults.js';
import type { ModelMonitor } from '../api/types.js';
import { AlertigerError } from '../errors.js';
import type { Logger } from '../log.js';
import type { StatisticsPort, WindowStatistics } from '../run/ports.js';
import { statisticsFromSummaries, windowedAccumulator, type ReferenceStore } from '../run/statistics.js';
import type { Window } from '../run/windows.js';
import { namedColumns } from '../stats/quality.js';
import { decodeReport, encodeReport, mergeReads, REPORT_VERSION, shardRead, type ShardReport } from './report.js';
import { runReads, type ReadRange, type ShardId } from './plan.js';
import { shareOpener, type SourceOpener } from './source.js';

/** Where shards leave their reports and the merge step finds them (store/shards.ts on InfluxDB). */
export interface ReportExchange {
  write(shard: number, text: string, time: number): Promise<void>;
  complete(): Promise<Set<number>>;
  read(shard: number): Promise<string | undefined>;
  clear(): Promise<void>;
}

export interface ShardContext {
  monitor: ModelMonitor;
  spec: DefaultedSpec;
  id: ShardId;
  /** Opens the monitor's InfluxDB source for one time range (unused for a file source). */
  openInflux: SourceOpener;
  /** The run's clock (a --now replay advances from its start). */
  now: () => Date;
  logger: Logger;
}

/** Reads this shard's share of every read of the run; the report shard 0 merges. */
export async function computeShard(ctx: ShardContext): Promise<ShardReport> {
  const started = ctx.now();
  const reads = runReads(ctx.spec, ctx.monitor.status?.lastWindowEnd, started);
  const open = shareOpener(ctx.spec, ctx.id, ctx.openInflux);
  const out: ShardReport = { version: REPORT_VERSION, index: ctx.id.index, shards: ctx.id.shards, latestEnd: reads[0].to, reads: [] };
  for (const range of reads) out.reads.push(await summarizeShare(ctx, open, range));
  return out;
}

async function summarizeShare(ctx: ShardContext, open: SourceOpener, range: ReadRange): Promise<ShardReport['reads'][number]> {
  const acc = windowedAccumulator(ctx.spec, range.from, range.to, ctx.now);
  const t0 = Date.now();
  for await (const batch of await open(range.from, range.to)) acc.addBatch(batch);
  ctx.logger.info('Shard read its share', { shard: ctx.id.index, shards: ctx.id.shards, from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString(), rows: acc.rowsRead, ms: Date.now() - t0 });
  return shardRead(range, acc);
}

/** Shards 1..N-1: compute and store the report; nothing else (no status, no alerts). */
export async function runWorkerShard(ctx: ShardContext, exchange: ReportExchange): Promise<ShardReport> {
  const report = await computeShard(ctx);
  await exchange.write(ctx.id.index, encodeReport(report), report.latestEnd);
  ctx.logger.info('Stored shard summary', { shard: ctx.id.index, shards: ctx.id.shards, reads: report.reads.length });
  return report;
}

export interface MergeOptions extends ShardContext {
  exchange: ReportExchange;
  references: ReferenceStore;
  /** Serves a request no read of the plan covers (the whole source, read by this Pod alone). */
  direct: StatisticsPort;
  /** How long to wait for the other shards, and between polls. */
  waitMs: number;
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Shard 0's statistics port: the first request computes its share and gathers the other
 * reports; every request is then answered from the merged read that covers it.
 */
export function mergedStatistics(options: MergeOptions): StatisticsPort & { clear(): Promise<void> } {
  let gathered: Promise<ShardReport[]> | undefined;
  const { spec } = options;
  return {
    async windows(windows: readonly Window[]): Promise<WindowStatistics[]> {
      if (windows.length === 0) return [];
      gathered ??= gather(options);
      const reports = await gathered;
      const from = windows[0].start.getTime();
      const to = windows[windows.length - 1].end.getTime();
      const r = reports[0].reads.findIndex((read) => read.from <= from && read.to >= to);
      if (r < 0) {
        options.logger.warn('No shard read covers these windows: this Pod reads them alone', { from: new Date(from).toISOString(), to: new Date(to).toISOString() });
        return options.direct.windows(windows);
      }
      const merged = mergeReads(reports.map((report) => report.reads[r]), namedColumns(spec.schema), spec.schema.timestamp ?? 'ts');
      return statisticsFromSummaries({ windows, summaries: merged.summaries, findings: merged.findings, spec, references: options.references });
    },
    clear: () => options.exchange.clear(),
  };
}

/** Shard 0's own report and the others', in shard order, once all are stored. */
async function gather(options: MergeOptions): Promise<ShardReport[]> {
  const own = await computeShard(options);
  const { shards } = options.id;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = Date.now() + options.waitMs;
  const others = Array.from({ length: shards - 1 }, (_, i) => i + 1);
  let missing = others;
  for (;;) {
    const done = await options.exchange.complete();
    missing = others.filter((s) => !done.has(s));
    if (missing.length === 0 || Date.now() >= deadline) break;
    options.logger.info('Waiting for shard summaries', { missing: missing.join(','), shards });
    await sleep(Math.min(options.pollMs ?? 2000, Math.max(0, deadline - Date.now())));
  }
  if (missing.length > 0) {
    throw new AlertigerError('ShardsIncomplete', `shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${shards} stored no summary within ${Math.round(options.waitMs / 1000)} s ` +
      '(failed, still running or never scheduled: see the Job\'s Pods); the summaries already stored are kept for a retry');
  }
  const reports = [own];
  for (const s of others) {
    const text = await options.exchange.read(s);
    if (text === undefined) throw new AlertigerError('ShardsIncomplete', `shard ${s}'s summary disappeared while it was read`);
    const report = decodeReport(text, `shard ${s}'s summary`);
    checkSamePlan(own, report);
    reports.push(report);
  }
  return reports;
}

/** Shards that planned another run (another now, another status) cannot be merged. */
export function checkSamePlan(own: ShardReport, other: ShardReport): void {
  const plan = (r: ShardReport): string => `${new Date(r.latestEnd).toISOString()} [${r.reads.map((x) => `${new Date(x.from).toISOString()}..${new Date(x.to).toISOString()}`).join(', ')}]`;
  if (other.shards !== own.shards || plan(other) !== plan(own)) {
    throw new AlertigerError('ShardsIncomplete', `shard ${other.index} planned another run (${other.shards} shards, ${plan(other)}) than shard 0 (${own.shards} shards, ${plan(own)})`);
  }
}

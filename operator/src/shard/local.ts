/**
 * Sharded reads on one machine (`alertiger run --shards N`, bench:stats): each statistics
 * request is read by N child processes of the same binary, each summarising its share (the same
 * plan as the Kubernetes shards, shard/plan.ts) into a temp file, which this process merges.
 * The children are the hidden `alertiger run --shard-worker REQUEST`; nothing else of a run
 * happens in them.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DefaultedSpec } from '../api/defaults.js';
import { AlertigerError } from '../errors.js';
import { packageRoot } from '../paths.js';
import type { StatisticsPort, WindowStatistics } from '../run/ports.js';
import { statisticsFromSummaries, windowedAccumulator, type ReferenceStore } from '../run/statistics.js';
import type { Window } from '../run/windows.js';
import { namedColumns } from '../stats/quality.js';
import { mergeReads, shardRead, type ShardRead } from './report.js';
import { shareOpener } from './source.js';

/** The hidden flag of `alertiger run` that makes it one local shard. */
export const SHARD_WORKER_FLAG = '--shard-worker';

interface WorkerRequest {
  spec: DefaultedSpec;
  index: number;
  shards: number;
  from: number;
  to: number;
  /** The run's now (ms): rows after it are future rows. */
  now: number;
  out: string;
}

export interface LocalShardOptions {
  spec: DefaultedSpec;
  shards: number;
  references: ReferenceStore;
  now: () => Date;
  /** Called with each request's wall time, rows read and each shard's CPU time (bench figures). */
  onRead?: (read: { ms: number; rows: number; cpuMs: number[] }) => void;
}

export function localShardedStatistics(options: LocalShardOptions): StatisticsPort {
  const { spec, shards } = options;
  if (spec.source.file === undefined) throw new AlertigerError('InvalidArguments', '--shards reads a file source; an InfluxDB source is sharded by its CronJob');
  return {
    async windows(windows: readonly Window[]): Promise<WindowStatistics[]> {
      if (windows.length === 0) return [];
      const from = windows[0].start.getTime();
      const to = windows[windows.length - 1].end.getTime();
      const started = Date.now();
      const dir = await mkdtemp(join(tmpdir(), 'alertiger-shards-'));
      try {
        const reads = await Promise.all(Array.from({ length: shards }, (_, index) =>
          runWorker({ spec, index, shards, from, to, now: options.now().getTime(), out: join(dir, `shard-${index}.json`) }, dir)));
        const merged = mergeReads(reads.map((r) => r.read), namedColumns(spec.schema), spec.schema.timestamp ?? 'ts');
        options.onRead?.({ ms: Date.now() - started, rows: reads.reduce((n, r) => n + r.read.rowsRead, 0), cpuMs: reads.map((r) => r.cpuMs) });
        return statisticsFromSummaries({ windows, summaries: merged.summaries, findings: merged.findings, spec, references: options.references });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** What a child leaves in its output file: its share's summaries and the CPU time it took. */
interface WorkerResult {
  read: ShardRead;
  cpuMs: number;
}

/** One child process for one shard; its summary of the request's range. */
async function runWorker(request: WorkerRequest, dir: string): Promise<WorkerResult> {
  const path = join(dir, `request-${request.index}.json`);
  await writeFile(path, JSON.stringify(request));
  const bin = join(packageRoot(), 'bin', 'alertiger.js');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'run', SHARD_WORKER_FLAG, path], { stdio: ['ignore', 'ignore', 'pipe'] });
    let text = '';
    child.stderr.on('data', (c: Buffer) => (text += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new AlertigerError('ShardsIncomplete', `shard ${request.index} of ${request.shards} failed (exit ${code}): ${text.trim().split('\n').slice(-3).join(' ')}`))));
  });
  return JSON.parse(await readFile(request.out, 'utf8')) as WorkerResult;
}

/** The child's side: summarise the share of [from, to) and write it where the parent looks. */
export async function shardWorker(requestPath: string): Promise<number> {
  const request = JSON.parse(await readFile(requestPath, 'utf8')) as WorkerRequest;
  const { spec } = request;
  const acc = windowedAccumulator(spec, request.from, request.to, () => new Date(request.now));
  const open = shareOpener(spec, { index: request.index, shards: request.shards }, () => {
    throw new AlertigerError('InvalidArguments', 'a local shard reads files only');
  });
  for await (const batch of await open(request.from, request.to)) acc.addBatch(batch);
  const cpu = process.cpuUsage();
  const result: WorkerResult = { read: shardRead({ from: request.from, to: request.to }, acc), cpuMs: (cpu.user + cpu.system) / 1000 };
  await writeFile(request.out, JSON.stringify(result));
  return 0;
}

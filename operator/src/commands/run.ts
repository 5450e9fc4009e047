/**
 * `alertiger run -f monitor.yaml --data PATH`: one run of a ModelMonitor file on a local log,
 * with the embedded store kept in a directory so that repeated runs build history. Prints the
 * line `kubectl get mm` would show and the open anomalies, writes the report page, and exits
 * 0 when healthy (or not enough history yet), 1 when anomalous, 2 when the run failed (bad
 * input is thrown and cli.ts exits 2). With --replay, every window of the log from one read,
 * one run per window (local/replay.ts), listing the past episodes.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import yaml from 'js-yaml';
import type { ModelMonitor } from '../api/types.js';
import { validateMonitor } from '../api/validate.js';
import { AlertigerError, describeError } from '../errors.js';
import { createLogger } from '../log.js';
import { newestRowTime, openFileSource, type FileFormat, type RowSource } from '../sources/index.js';
import { formatDataQuality } from '../run/quality.js';
import type { StatisticsPort, WindowStatistics } from '../run/ports.js';
import { granularityMs } from '../api/granularity.js';
import { latestClosedEnd } from '../run/windows.js';
import { runLocally } from '../local/local.js';
import { backtestMonitor, formatBacktest } from '../local/backtest.js';
import { formatAnomalies, formatCoverage, formatGetMonitors, stderrProgress } from '../local/print.js';
import { formatEpisodes, replay } from '../local/replay.js';
import { sourceStatistics } from '../run/statistics.js';
import { embeddedStore, type MonitorStore } from '../store/embedded.js';
import { localShardedStatistics, shardWorker, SHARD_WORKER_FLAG } from '../shard/local.js';
import { shardable } from '../shard/plan.js';
import { DEFAULTS, MAX_SHARDS, withDefaults } from '../api/defaults.js';

const USAGE = `Usage: alertiger run -f monitor.yaml [--data PATH] [--format jsonl|csv|parquet] [--store DIR] [--now ISO] [--report FILE] [--shards N] [--json]
       alertiger run -f monitor.yaml [--data PATH] --replay [--from ISO] [--to ISO] [--store DIR] [--report FILE]

  -f, --file     the ModelMonitor (YAML or JSON)
  --data         the inference log: a file, a glob or an http(s) URL (default: spec.source.file.path)
  --format       the log's format (default: from the extension, else spec.source.file.format)
  --store        the embedded store's directory (default: .alertiger in the current directory)
  --now          the run's time (default: now, or the end of the log's newest window when the log is older)
  --report       where to write the report page (default: STORE/report-NAMESPACE-NAME.html)
  --detector     a detector directory from alertiger train (default: the pretrained one)
  --shards N     read the log with N processes at once (1..64; files by index, one large
                 JSONL/CSV file by byte range) and merge their summaries: the same result
                 within the quantile sketch's error (docs/sharding.md)
  --json         print the run's status (the ModelMonitor's status as the job would write it)
                 as one JSON object instead of the tables

Backfill and replay:
  --replay       evaluate every window of the log in one pass: the log is read once, then the
                 monitor runs once per window in time order, at each window's scheduled time, as
                 daily runs would; prints the past anomaly episodes. The store keeps the result:
                 a later run or replay continues from its last window.
  --from         with --replay: the first window evaluated is the one holding this time
                 (default: the log's first window, or the window after the store's last one)
  --to           with --replay: evaluate the windows closed by this time (default: up to the
                 log's newest closed window)

Exit status: 0 healthy (or not enough history yet), 1 anomalous, 2 the run failed or bad input
(an invalid monitor, a missing file, bad arguments). With --replay, from the state after the
last window replayed.`;

export async function run(args: string[]): Promise<number> {
  // A child of `--shards N`: summarise one share and exit (shard/local.ts); not for users.
  if (args[0] === SHARD_WORKER_FLAG && args.length === 2) return shardWorker(args[1]!);
  const { values } = parseArgs({
    args,
    options: {
      file: { type: 'string', short: 'f' },
      data: { type: 'string' },
      format: { type: 'string' },
      store: { type: 'string' },
      now: { type: 'string' },
      report: { type: 'string' },
      detector: { type: 'string' },
      replay: { type: 'boolean' },
      json: { type: 'boolean' },
      from: { type: 'string' },
      to: { type: 'string' },
      shards: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  const shards = parseShards(values.shards, values.replay === true);
  if (values.help === true) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (values.file === undefined) throw new AlertigerError('InvalidArguments', `-f monitor.yaml is required\n${USAGE}`);
  if (values.replay !== true && (values.from !== undefined || values.to !== undefined)) {
    throw new AlertigerError('InvalidArguments', '--from and --to need --replay (one run takes --now)');
  }
  if (values.replay === true && values.json === true) throw new AlertigerError('InvalidArguments', '--json is for one run, not --replay');
  if (values.replay === true && values.now !== undefined) {
    throw new AlertigerError('InvalidArguments', '--now is for one run; a replay takes --from and --to');
  }
  const from = values.from !== undefined ? parseTime(values.from, '--from') : undefined;
  const to = values.to !== undefined ? parseTime(values.to, '--to') : undefined;
  if (from !== undefined && to !== undefined && from.getTime() >= to.getTime()) {
    throw new AlertigerError('InvalidArguments', `--from ${values.from} is not before --to ${values.to}`);
  }
  const monitor = await readMonitor(values.file, values.data, values.format);
  const file = monitor.spec.source.file!;
  const storeDir = resolve(values.store ?? '.alertiger');
  const reportPath = resolve(values.report ?? `${storeDir}/report-${monitor.metadata.namespace}-${monitor.metadata.name}.html`);
  const timestamp = monitor.spec.schema?.timestamp ?? 'ts';
  const open = (): Promise<RowSource> => openFileSource({ path: file.path, format: file.format }, { timestamp, onProgress: stderrProgress('run') });
  // Opening resolves the path or glob, so a missing log is refused here, before any run is recorded.
  await open();
  // Without --to a replay ends with the log (an old log's last window, not today's): as a single
  // run's default --now does, one quick pass finds its newest row.
  if (values.replay === true) {
    const end = to ?? await defaultNow(open, monitor);
    return replayCommand(monitor, { storeDir, reportPath, from, to: end, detectorPath: values.detector, open, logPath: file.path });
  }
  const now = values.now !== undefined ? parseTime(values.now, '--now') : await defaultNow(open, monitor);

  const { loadDetector } = await import('../detector/detector.js');
  const logger = createLogger({ level: process.env.ALERTIGER_LOG_LEVEL === undefined ? 'warn' : undefined });
  const detector = await loadDetector(values.detector, { logger });
  try {
    const backtest = (statistics: StatisticsPort) => (latestEnd: Date, computed: readonly WindowStatistics[]) =>
      backtestMonitor({ monitor, statistics, computed, detector, logger, to: latestEnd, now });
    // --shards N: each read by N child processes, merged here (docs/sharding.md).
    const sharded = shardedRun(monitor, shards, now);
    const { monitor: updated, result, created } = await runLocally(monitor, { storeDir, detector, now, logger, open, reportPath, backtest, ...sharded });
    const status = updated.status!;
    if (values.json === true) {
      const name = `${updated.metadata.namespace}/${updated.metadata.name}`;
      const error = result.error === undefined ? {} : { error: describeError(result.error) };
      process.stdout.write(JSON.stringify({ monitor: name, status, storedWindows: result.stored.length, durationMs: result.durationMs, report: reportPath, ...error }) + '\n');
      return exitCode(status.health);
    }
    const out = [
      formatGetMonitors([{ monitor: updated, status, created }], new Date(now.getTime() + result.durationMs)),
      '',
      formatAnomalies(status),
      formatCoverage(status),
      ...(result.plan.firstRun && status.backtest !== undefined ? ['', formatBacktest(status.backtest)] : []),
      ...qualityLines(result.stored),
      '',
      `Stored ${result.stored.length} window(s) in ${storeDir}; run took ${(result.durationMs / 1000).toFixed(1)} s.`,
      `Report: ${reportPath}`,
    ];
    if (result.error !== undefined) out.splice(2, 0, `Run failed: ${describeError(result.error)}`, '');
    process.stdout.write(out.join('\n') + '\n');
    return exitCode(status.health);
  } finally {
    detector.dispose();
  }
}

/** What the windows' data-quality reports found, for the terminal (nothing when all is clean). */
function qualityLines(windows: readonly WindowStatistics[]): string[] {
  const lines = formatDataQuality(windows.flatMap((w) => (w.quality !== undefined ? [w.quality] : [])));
  return lines.length > 0 ? ['', ...lines] : [];
}

/** 0 healthy or not enough history, 1 anomalous, 2 failed. */
function exitCode(health: string | undefined): number {
  if (health === 'Failed') return 2;
  return health === 'Anomalous' ? 1 : 0;
}

interface ReplayArgs {
  storeDir: string;
  reportPath: string;
  from?: Date;
  to?: Date;
  detectorPath?: string;
  open: () => Promise<RowSource>;
  logPath: string;
}

/** `alertiger run --replay`: every window of the log from one read, one run per window. */
async function replayCommand(monitor: ModelMonitor, args: ReplayArgs): Promise<number> {
  const started = Date.now();
  const spec = withDefaults(monitor.spec);
  const { loadDetector } = await import('../detector/detector.js');
  const logger = createLogger({ level: process.env.ALERTIGER_LOG_LEVEL === undefined ? 'warn' : undefined });
  const detector = await loadDetector(args.detectorPath, { logger });
  // The store in memory during the replay (each run would otherwise rewrite its JSON files), on disk at the end.
  const store = embeddedStore(args.storeDir, monitor, { memory: true });
  let reads = 0;
  let rowsBefore = 0;
  try {
    const result = await replay({
      monitor,
      store,
      detector,
      logger,
      ...(args.from !== undefined ? { from: args.from } : {}),
      ...(args.to !== undefined ? { to: args.to } : {}),
      reportPath: args.reportPath,
      rowsBefore: () => rowsBefore,
      statistics: (now) => sourceStatistics({
        spec,
        references: store,
        // Rows after --to are beyond the replay, not from the future: only the wall clock says so.
        now: () => new Date(Math.max(now.getTime(), Date.now())),
        // Counts the reads of the log, and the rows before the replay's first window.
        open: async (from) => {
          reads++;
          const source = await args.open();
          return (async function* counted() {
            for await (const batch of source) {
              for (const row of batch.rows) if (row.ts !== undefined && row.ts < from) rowsBefore++;
              yield batch;
            }
          })();
        },
      }),
    });
    await store.flush();
    const status = result.status;
    const granularity = spec.granularity;
    const day = (d: Date): string => (granularity === '1d' ? d.toISOString().slice(0, 10) : d.toISOString().slice(0, 16).replace('T', ' '));
    const seconds = (Date.now() - started) / 1000;
    const span = result.windows > 0 ? ` (${day(result.runs[0].window.start)} to ${day(result.runs.at(-1)!.window.start)})` : '';
    const out = [
      formatGetMonitors([{ monitor: result.monitor, status, created: result.created }], result.now),
      '',
      'Past anomaly episodes:',
      formatEpisodes(result.episodes, granularity),
      '',
      formatAnomalies(status),
      formatCoverage(status),
      ...qualityLines(result.last?.stored ?? []),
      '',
      ...result.notes,
      `Replayed ${result.windows} window(s)${span} from ${reads} read(s) of ${args.logPath} (${result.rowsRead.toLocaleString('en-US')} rows) ` +
        `in ${seconds.toFixed(1)} s (${(result.windows / seconds).toFixed(1)} windows/s).`,
      result.windows > 0
        ? `Store: ${args.storeDir} (the next run continues after ${day(result.runs.at(-1)!.window.start)}).`
        : `Store: ${args.storeDir} (nothing new to replay: it already holds the windows up to ${status.lastWindowEnd ?? 'the end of the log'}).`,
      `Report: ${args.reportPath}`,
    ];
    const failed = result.runs.filter((r) => r.error !== undefined && r.health === 'Failed');
    if (failed.length > 0) out.splice(2, 0, `${failed.length} run(s) failed; the last: ${failed.at(-1)!.error}`, '');
    process.stdout.write(out.join('\n') + '\n');
    return exitCode(status.health);
  } finally {
    detector.dispose();
  }
}

/** Reads and validates the monitor file; `--data` replaces its source with a local file. */
async function readMonitor(path: string, data: string | undefined, format: string | undefined): Promise<ModelMonitor> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new AlertigerError('FileNotFound', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? describeError(err)}`, { cause: err });
  }
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (err) {
    throw new AlertigerError('InvalidMonitor', `${path}: ${describeError(err)}`, { cause: err });
  }
  const monitor = doc as ModelMonitor;
  if (monitor !== null && typeof monitor === 'object' && monitor.spec !== undefined && typeof monitor.spec === 'object') {
    if (data !== undefined) {
      const location = /^https?:\/\//.test(data) ? data : resolve(data);
      monitor.spec.source = { file: { path: location, ...(format !== undefined ? { format: format as FileFormat } : {}) } };
    } else if (monitor.spec.source?.file !== undefined && format !== undefined) {
      monitor.spec.source.file.format = format as FileFormat;
    }
  }
  const errors = validateMonitor(doc);
  if (errors.length > 0) {
    throw new AlertigerError('InvalidMonitor', `${path} is not a valid ModelMonitor:\n` + errors.map((e) => `  ${e.field}: ${e.message}`).join('\n'));
  }
  if (monitor.spec.source.file === undefined) {
    throw new AlertigerError('InvalidArguments', `${path} reads InfluxDB (spec.source.influx); alertiger run reads local logs: pass --data PATH`);
  }
  monitor.metadata.namespace ??= 'default';
  return monitor;
}

/** runLocally's statistics for --shards N (N > 1); nothing for one process. */
function shardedRun(monitor: ModelMonitor, shards: number, now: Date): { statistics?: (store: MonitorStore) => StatisticsPort } {
  const spec = withDefaults(monitor.spec);
  if (shards <= 1 || !shardable(spec)) return {};
  return { statistics: (store) => localShardedStatistics({ spec, shards, references: store, now: () => now }) };
}

/** --shards: 1 (one process) unless given. */
function parseShards(text: string | undefined, replay: boolean): number {
  if (text === undefined) return 1;
  if (replay) throw new AlertigerError('InvalidArguments', '--shards is for one run, not --replay');
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_SHARDS) throw new AlertigerError('InvalidArguments', `--shards: "${text}" is not a whole number from 1 to ${MAX_SHARDS}`);
  return n;
}

function parseTime(text: string, flag: string): Date {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new AlertigerError('InvalidArguments', `${flag}: "${text}" is not an ISO 8601 time`);
  return new Date(ms);
}

/**
 * Now, unless the log ends earlier: then the end of the window holding its newest row, so a run
 * on an old log examines its last day rather than days with no rows at all.
 */
async function defaultNow(open: () => Promise<RowSource>, monitor: ModelMonitor): Promise<Date> {
  const wall = new Date();
  // Rows dated after the wall clock are future rows (counted by the run), not the log's end.
  const { newest } = await newestRowTime(await open(), wall.getTime());
  if (newest === undefined) return wall;
  const granularity = monitor.spec.granularity ?? DEFAULTS.granularity;
  const end = latestClosedEnd(granularity, new Date(newest)).getTime() + granularityMs(granularity);
  return end < wall.getTime() ? new Date(end) : wall;
}

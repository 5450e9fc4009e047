/**
 * `alertiger run -f monitor.yaml --data PATH`: one run of a ModelMonitor file on a local log,
 * with the embedded store kept in a directory so that repeated runs build history. Prints the
 * line `kubectl get mm` would show and the open anomalies, writes the report page, and exits
 * 0 when healthy (or not enough history yet), 1 when anomalous, 2 when the run failed.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import yaml from 'js-yaml';
import type { ModelMonitor } from '../api/types.js';
import { validateMonitor } from '../api/validate.js';
import { AlertigerError, describeError } from '../errors.js';
import { createLogger } from '../log.js';
import { openFileSource, type FileFormat, type RowSource } from '../sources/index.js';
import { latestClosedEnd, windowMs } from '../run/windows.js';
import { runLocally } from '../run/local.js';
import { formatAnomalies, formatCoverage, formatGetMonitors } from '../run/print.js';

const USAGE = `Usage: alertiger run -f monitor.yaml [--data PATH] [--format jsonl|csv|parquet] [--store DIR] [--now ISO] [--report FILE]

  -f, --file     the ModelMonitor (YAML or JSON)
  --data         the inference log: a file, a glob or an http(s) URL (default: spec.source.file.path)
  --format       the log's format (default: from the extension, else spec.source.file.format)
  --store        the embedded store's directory (default: .alertiger in the current directory)
  --now          the run's time (default: now, or the end of the log's newest window when the log is older)
  --report       where to write the report page (default: STORE/report-NAMESPACE-NAME.html)
  --detector     a detector directory from alertiger train (default: the pretrained one)

Exit status: 0 healthy (or not enough history yet), 1 anomalous, 2 the run failed.`;

export async function run(args: string[]): Promise<number> {
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
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (values.file === undefined) throw new AlertigerError('InvalidArguments', `-f monitor.yaml is required\n${USAGE}`);
  const monitor = await readMonitor(values.file, values.data, values.format);
  const file = monitor.spec.source.file!;
  const storeDir = resolve(values.store ?? '.alertiger');
  const reportPath = resolve(values.report ?? `${storeDir}/report-${monitor.metadata.namespace}-${monitor.metadata.name}.html`);
  const timestamp = monitor.spec.schema?.timestamp ?? 'ts';
  const open = (): Promise<RowSource> => openFileSource({ path: file.path, format: file.format }, { timestamp });
  // Opening resolves the path or glob, so a missing log is refused here, before any run is recorded.
  await open();
  const now = values.now !== undefined ? parseNow(values.now) : await defaultNow(open, monitor);

  const { loadDetector } = await import('../detector/detector.js');
  const logger = createLogger({ level: process.env.ALERTIGER_LOG_LEVEL === undefined ? 'warn' : undefined });
  const detector = await loadDetector(values.detector, { logger });
  try {
    const { monitor: updated, result, created } = await runLocally(monitor, { storeDir, detector, now, logger, open, reportPath });
    const status = updated.status!;
    const out = [
      formatGetMonitors([{ monitor: updated, status, created }], new Date(now.getTime() + result.durationMs)),
      '',
      formatAnomalies(status),
      formatCoverage(status),
      '',
      `Stored ${result.stored.length} window(s) in ${storeDir}; run took ${(result.durationMs / 1000).toFixed(1)} s.`,
      `Report: ${reportPath}`,
    ];
    if (result.error !== undefined) out.splice(2, 0, `Run failed: ${describeError(result.error)}`, '');
    process.stdout.write(out.join('\n') + '\n');
    if (status.health === 'Failed') return 2;
    return status.health === 'Anomalous' ? 1 : 0;
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

function parseNow(text: string): Date {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new AlertigerError('InvalidArguments', `--now: "${text}" is not an ISO 8601 time`);
  return new Date(ms);
}

/**
 * Now, unless the log ends earlier: then the end of the window holding its newest row, so a run
 * on an old log examines its last day rather than days with no rows at all.
 */
async function defaultNow(open: () => Promise<RowSource>, monitor: ModelMonitor): Promise<Date> {
  let newest = -Infinity;
  for await (const batch of await open()) {
    for (const row of batch.rows) if (row.ts !== undefined && row.ts > newest) newest = row.ts;
  }
  const wall = new Date();
  if (!Number.isFinite(newest)) return wall;
  const granularity = monitor.spec.granularity ?? '1d';
  const end = latestClosedEnd(granularity, new Date(newest)).getTime() + windowMs(granularity);
  return end < wall.getTime() ? new Date(end) : wall;
}

/**
 * The demo scenario: a synthetic purchase-propensity model's inference log over several weeks
 * (operator/src/synthetic), with an incident in its last days (an upstream join starts dropping
 * purchase_amount, and a unit bug shifts age), monitored by the real pipeline on the embedded
 * store: one run per day, as the CronJob would, from the first day the detector has enough
 * history. The log and the monitor are also written to files so `alertiger run` can replay them.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { ModelMonitor, ModelMonitorStatus } from '../api/types.js';
import type { Logger } from '../log.js';
import type { RowBatch, RowSource } from '../sources/types.js';
import { generateInferenceLog, writeJsonl, type Incident, type InferenceRow } from '../synthetic/index.js';
import type { ScoringDetector } from '../run/detect.js';
import { runLocally } from './local.js';
import type { RunResult } from '../run/run.js';
import { DAY_MS } from '../api/granularity.js';

export interface DemoOptions {
  /** Working directory; emptied first. */
  dir: string;
  detector: ScoringDetector;
  logger: Logger;
  days?: number;
  rowsPerDay?: number;
  seed?: number;
  onProgress?: (p: DemoProgress) => void;
  /** The demo's present: the log ends the day before, the last run happens now. Default: the clock. */
  now?: Date;
}

export type DemoProgress =
  | { phase: 'generate'; rows: number; days: number; incidents: Incident[] }
  | { phase: 'run'; index: number; runs: number; window: string; result: RunResult };

export interface DemoResult {
  monitor: ModelMonitor;
  status: ModelMonitorStatus;
  created: string;
  now: Date;
  runs: number;
  rows: number;
  reportPath: string;
  logPath: string;
  monitorPath: string;
  storeDir: string;
}

/** The incident: from 4 days before the end, to the end of the log. */
function demoIncidents(days: number): Incident[] {
  return [
    { kind: 'missing', feature: 'purchase_amount', rate: 0.4, fromDay: days - 4 },
    { kind: 'shift', feature: 'age', by: 9, fromDay: days - 4 },
  ];
}

export function demoMonitor(logPath: string): ModelMonitor {
  return {
    apiVersion: 'alertiger.io/v1alpha1',
    kind: 'ModelMonitor',
    metadata: { name: 'purchase-propensity', namespace: 'demo' },
    spec: {
      model: { name: 'purchase-propensity', version: 'v3' },
      source: { file: { path: logPath, format: 'jsonl' } },
      schema: { score: 'score', label: 'label', timestamp: 'ts', categorical: ['country', 'device', 'channel'], task: 'classification' },
      granularity: '1d',
      detection: { sensitivity: 'medium', minSeverity: 1, duration: { window: 3, min: 2 }, maxConcurrentFraction: 0.3, minTrafficRatio: 0.05 },
      alerting: { labels: { team: 'growth' } },
      mode: 'Enforce',
    },
  };
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const days = options.days ?? 56;
  const rowsPerDay = options.rowsPerDay ?? 1500;
  const incidents = demoIncidents(days);
  await rm(options.dir, { recursive: true, force: true });
  await mkdir(options.dir, { recursive: true });

  // Labels arrive days late; the demo reads the log a month after its end so every window has
  // its labels and the only story is the incident (late-label recomputation is not modelled).
  // The log ends at the start of today, so the last run examines yesterday, as it would now.
  const present = options.now ?? new Date();
  const start = Math.floor(present.getTime() / DAY_MS) * DAY_MS - days * DAY_MS;
  const asOf = new Date(start + (days + 30) * DAY_MS);
  const rows = [...generateInferenceLog({ seed: options.seed ?? 7, days, rowsPerDay, start: new Date(start), incidents, asOf })];
  options.onProgress?.({ phase: 'generate', rows: rows.length, days, incidents });
  const logPath = join(options.dir, 'inference-log.jsonl');
  const monitorPath = join(options.dir, 'monitor.yaml');
  const monitor = demoMonitor(logPath);
  await writeJsonl(logPath, rows as unknown as Array<Record<string, unknown>>);
  await writeFile(monitorPath, yaml.dump(monitor, { lineWidth: 120 }));

  const byDay = splitByDay(rows);
  const storeDir = join(options.dir, 'store');
  const reportPath = join(options.dir, 'report.html');
  // The first run comes once a full detector window (28 days) and the 3 points the duration
  // filter looks at are in the log; then one run per day, each a little after midnight.
  const firstRunDay = 31;
  const runs = days - firstRunDay + 1;
  let last: Awaited<ReturnType<typeof runLocally>> | undefined;
  for (let i = 0; i < runs; i++) {
    const day = firstRunDay + i;
    // One run a day, the last one now, each examining the day before it.
    const now = new Date(present.getTime() - (days - day) * DAY_MS);
    last = await runLocally(monitor, {
      storeDir,
      detector: options.detector,
      now,
      logger: options.logger,
      open: async (from, to) => memorySource(byDay, from, to),
      reportPath: i === runs - 1 ? reportPath : undefined,
    });
    options.onProgress?.({ phase: 'run', index: i + 1, runs, window: new Date(now.getTime() - DAY_MS).toISOString().slice(0, 10), result: last.result });
  }
  return {
    monitor: last!.monitor,
    status: last!.monitor.status!,
    created: last!.created,
    now: new Date(present.getTime() + (last?.result.durationMs ?? 0)),
    runs,
    rows: rows.length,
    reportPath,
    logPath,
    monitorPath,
    storeDir,
  };
}

interface DayRows {
  start: number;
  batch: RowBatch;
}

function splitByDay(rows: readonly InferenceRow[]): DayRows[] {
  const days = new Map<number, RowBatch>();
  rows.forEach((r, i) => {
    const ts = Date.parse(r.ts);
    const dayStart = Math.floor(ts / DAY_MS) * DAY_MS;
    let batch = days.get(dayStart);
    if (batch === undefined) days.set(dayStart, (batch = { rows: [], corrupt: [] }));
    batch.rows.push({ line: i + 1, ts, fields: r as unknown as Record<string, unknown> });
  });
  return [...days].sort((a, b) => a[0] - b[0]).map(([start, batch]) => ({ start, batch }));
}

/** The days of the log overlapping [from, to), as the file source would yield them. */
async function* memorySource(days: readonly DayRows[], from: number, to: number): RowSource {
  for (const d of days) if (d.start + DAY_MS > from && d.start < to) yield d.batch;
}

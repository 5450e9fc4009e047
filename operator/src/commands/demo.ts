/**
 * `alertiger demo`: no cluster, no InfluxDB, no network. A synthetic model's inference log over
 * eight weeks with an incident in its last days, monitored by the real pipeline (statistics,
 * detector, filters) on the embedded store one day at a time; ends with what `kubectl get mm`
 * would show, the anomalies found, and the report page.
 */
import { accessSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AlertigerError } from '../errors.js';
import { createLogger } from '../log.js';
import { runDemo, type DemoProgress } from '../local/demo.js';
import { formatAnomalies, formatGetMonitors } from '../local/print.js';

const USAGE = `Usage: alertiger demo [--dir DIR] [--days N] [--rows-per-day N]

  --dir           working directory, emptied first (default: .alertiger/demo, or under $TMPDIR
                  when the current directory is read-only)
  --days          days of synthetic log (default 56; at least 35)
  --rows-per-day  mean rows logged per day (default 1500)
  --detector      a detector directory from alertiger train (default: the pretrained one)

Exit status: 0 when the demo ran (it ends on its injected incident, so the monitor is
Anomalous by design), 2 on bad arguments or a failure.`;

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      dir: { type: 'string' }, days: { type: 'string' }, 'rows-per-day': { type: 'string' }, detector: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const days = values.days !== undefined ? Number(values.days) : 56;
  const rowsPerDay = values['rows-per-day'] !== undefined ? Number(values['rows-per-day']) : 1500;
  if (!Number.isInteger(days) || days < 35) throw new AlertigerError('InvalidArguments', `--days must be an integer >= 35, got ${values.days}`);
  if (!(rowsPerDay >= 100)) throw new AlertigerError('InvalidArguments', `--rows-per-day must be >= 100, got ${values['rows-per-day']}`);
  const dir = resolve(values.dir ?? defaultDir());
  const out = (line: string): boolean => process.stdout.write(line + '\n');
  const started = Date.now();

  out('AlerTiger demo: a synthetic model monitored day by day, no cluster needed.');
  const logger = createLogger({ level: process.env.ALERTIGER_LOG_LEVEL === undefined ? 'warn' : undefined });
  const { loadDetector } = await import('../detector/detector.js');
  const detector = await loadDetector(values.detector, { logger });
  out(`Loaded the pretrained detector (backend ${detector.backend}).`);
  try {
    const result = await runDemo({ dir, detector, logger, days, rowsPerDay, onProgress: (p) => out(progressLine(p)) });
    const elapsed = ((Date.now() - started) / 1000).toFixed(1);
    out('');
    out('$ kubectl get modelmonitors -n demo');
    out(formatGetMonitors([{ monitor: result.monitor, status: result.status, created: result.created }], result.now));
    out('');
    out('Open anomalies:');
    out(formatAnomalies(result.status));
    out('');
    out(`${result.runs} runs over ${result.rows.toLocaleString('en-US')} logged rows in ${elapsed} s.`);
    out(`Report:  ${result.reportPath}`);
    out(`Replay:  alertiger run -f ${result.monitorPath} --replay --store ${dir}/replay   (every day of ${result.logPath} in one pass)`);
    return 0;
  } finally {
    detector.dispose();
  }
}

function progressLine(p: DemoProgress): string {
  if (p.phase === 'generate') {
    const incidents = p.incidents.map((i) => `${i.kind} ${'feature' in i ? i.feature : ''}`.trim()).join(', ');
    return `Generated ${p.rows.toLocaleString('en-US')} rows over ${p.days} days; incident from day ${p.incidents[0]?.fromDay ?? '-'}: ${incidents}.`;
  }
  const s = p.result.status;
  const found = s.anomalies.slice(0, 3).map((a) => `${a.subject} ${a.statistic}`).join(', ');
  return `[${String(p.index).padStart(2)}/${p.runs}] window ${p.window}  ${s.health.padEnd(9)} ${String(s.anomalyCount).padStart(2)} anomalies` +
    (found !== '' ? `  (${found}${s.anomalyCount > 3 ? ', ...' : ''})` : '') +
    (p.index === 1 ? `  [backfilled ${p.result.stored.length} windows]` : '');
}

/** .alertiger/demo here, or under the temp directory where here is read-only (the image's /app). */
function defaultDir(): string {
  try {
    accessSync(process.cwd(), constants.W_OK);
    return '.alertiger/demo';
  } catch {
    return join(tmpdir(), 'alertiger-demo');
  }
}

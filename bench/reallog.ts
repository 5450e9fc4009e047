/**
 * The monitor's trust on a real public log (issue 10): the FAA wildlife-strike reports of
 * vega-datasets turned into a daily inference log (test/fixtures/reallog/build.ts), replayed
 * one run a day for the clean log and for three persistent faults. Prints, per fault, the
 * first run that reports the fault's subject, the share of later runs on which it stays open
 * and what the status says; for the clean log, the anomalous runs of the last 60 days and the
 * statistics behind them. Ends with one JSON line of the figures.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/reallog.js [--days 200] [--fault-day 150] [--reader file|days] [--daily-from DAY] [--verbose]
 *
 * ALERTIGER_TEST_DETECTOR (or --detector DIR) picks another detector than the pretrained one.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDetector } from '../operator/src/detector/detector.js';
import { createLogger } from '../operator/src/log.js';
import { runScenario, type RunRecord } from './reallog-scenario.js';

const TARGETS = { detectionRun: 2, stillOpenShare: 0.9, cleanAnomalousRuns: 2 };

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? x.toExponential(3) : String(Math.round(x * 10_000) / 10_000);
}

function top(record: RunRecord | undefined): string {
  if (record === undefined) return '-';
  const a = [...record.anomalies].sort((x, y) => y.severity - x.severity)[0];
  const head = `${record.health}, ${record.anomalyCount} anomal${record.anomalyCount === 1 ? 'y' : 'ies'}`;
  if (a === undefined) return head;
  return `${head}; top ${a.category} ${a.subject} ${a.statistic} observed ${fmt(a.observed)} band [${fmt(a.lower)}, ${fmt(a.upper)}] severity ${fmt(a.severity)}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      days: { type: 'string' }, 'fault-day': { type: 'string' }, detector: { type: 'string' },
      dir: { type: 'string' }, verbose: { type: 'boolean' }, reader: { type: 'string' }, 'daily-from': { type: 'string' },
    },
  });
  const logger = createLogger({ level: 'error' });
  const detector = await loadDetector(values.detector ?? process.env.ALERTIGER_TEST_DETECTOR, { logger });
  const days = Number(values.days ?? 200);
  const faultDay = Number(values['fault-day'] ?? 150);
  const dir = values.dir ?? join(tmpdir(), `alertiger-reallog-bench-${process.pid}`);
  let count = 0;
  try {
    const r = await runScenario({
      dir, detector, logger, days, faultDay,
      reader: values.reader === 'days' ? 'days' : 'file',
      ...(values['daily-from'] !== undefined ? { dailyFrom: Number(values['daily-from']) } : {}),
      onRun: (variant, rec) => {
        count++;
        if (values.verbose === true) process.stderr.write(`${variant} day ${rec.day - 1}: ${top(rec)}\n`);
        else if (count % 25 === 0) process.stderr.write(`.. ${count} runs\n`);
      },
    });
    const { log, clean } = r;
    const out: string[] = [];
    out.push(`Real log: vega-datasets birdstrikes.csv, ${log.sourceRows} FAA wildlife-strike reports ${log.sourceDates.first} .. ${log.sourceDates.last}`);
    out.push(`  re-sampled into ${log.days} days from ${log.start.toISOString().slice(0, 10)} (${log.sliceSize.toFixed(1)} real reports per day, ${log.rows} rows, ${(log.rows / log.days).toFixed(0)} a day); faults from day ${faultDay}`);
    out.push(`Runs: ${r.runs} (${clean.totalRunsWholeReplay} clean + ${r.faults.map((f) => f.records.length).join(' + ')} faulty), mean ${(r.meanRunMs / 1000).toFixed(2)} s a run, wall ${(r.wallMs / 1000).toFixed(0)} s`);
    out.push('');
    for (const f of r.faults) {
      const ok = f.detectionRun !== null && f.detectionRun <= TARGETS.detectionRun && (f.stillOpenShare ?? 0) >= TARGETS.stillOpenShare;
      out.push(`Fault ${f.kind}: ${f.description} (subject ${f.subject}) ${ok ? 'MEETS' : 'MISSES'} the targets`);
      out.push(`  detected on run ${f.detectionRun ?? 'never'} after the start (target <= ${TARGETS.detectionRun}); still open on ${f.stillOpenShare === null ? '-' : (100 * f.stillOpenShare).toFixed(0) + '%'} of the ${f.detectionRun === null ? 0 : f.runsAfterStart - f.detectionRun} later runs (target >= ${100 * TARGETS.stillOpenShare}%)`);
      out.push(`  not open on runs: ${f.closedRuns.length === 0 ? 'none' : f.closedRuns.join(' ')}`);
      out.push(`  subject statistics open per run: ${f.statisticsByRun.map((s, i) => `${i + 1}:${s.length === 0 ? '-' : s.join('+')}`).join(' ')}`);
      out.push(`  at detection: ${top(f.firstDetection)}`);
      out.push(`  last run:     ${top(f.lastRun)}`);
      out.push('');
    }
    const cleanOk = clean.anomalousRuns <= TARGETS.cleanAnomalousRuns;
    out.push(`Clean log: ${clean.anomalousRuns} anomalous run(s) in the last ${clean.runs} (days ${clean.window.firstDay}..${clean.window.lastDay}; target <= ${TARGETS.cleanAnomalousRuns}) ${cleanOk ? 'MEETS' : 'MISSES'}; ${clean.anomalousRunsWholeReplay} of all ${clean.totalRunsWholeReplay} clean runs`);
    out.push(`  anomalous on days: ${clean.anomalousRunDays.join(' ') || 'none'}`);
    const byStat = new Map<string, number>();
    for (const c of clean.causes) byStat.set(`${c.category}/${c.subject}/${c.statistic}`, (byStat.get(`${c.category}/${c.subject}/${c.statistic}`) ?? 0) + 1);
    out.push(`  open anomalies by statistic (run-count): ${[...byStat].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} x${n}`).join(', ') || 'none'}`);
    for (const c of clean.causes) {
      out.push(`  day ${c.day}: ${c.category} ${c.subject} ${c.statistic} observed ${fmt(c.observed)} expected ${fmt(c.expected)} band [${fmt(c.lower)}, ${fmt(c.upper)}] severity ${fmt(c.severity)} score ${fmt(c.score)}`);
    }
    process.stdout.write(out.join('\n') + '\n');
    const figures = {
      bench: 'reallog',
      dataset: 'vega-datasets@3.2.1 birdstrikes.csv',
      days: log.days, rows: log.rows, faultDay, runs: r.runs, wallSeconds: Math.round(r.wallMs / 100) / 10, meanRunSeconds: Math.round(r.meanRunMs / 10) / 100,
      faults: Object.fromEntries(r.faults.map((f) => [f.kind, { subject: f.subject, detectionRun: f.detectionRun, stillOpenShare: f.stillOpenShare === null ? null : Math.round(f.stillOpenShare * 1000) / 1000, closedRuns: f.closedRuns.length, runsAfterStart: f.runsAfterStart }])),
      clean: { window: clean.runs, anomalousRuns: clean.anomalousRuns, anomalousRunsWholeReplay: clean.anomalousRunsWholeReplay, totalRuns: clean.totalRunsWholeReplay, statistics: Object.fromEntries(byStat) },
      targets: TARGETS,
    };
    process.stdout.write(JSON.stringify(figures) + '\n');
  } finally {
    detector.dispose();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(2);
});

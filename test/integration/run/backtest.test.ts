/**
 * The backtest of a monitor's first run (issue 13): on a real public log and on the demo's
 * synthetic model, the alerts per week predicted at creation from the history before are within
 * a factor of 2 of what the following 8 weeks of daily runs raise (bench/backtest-scenario.ts);
 * and `alertiger run` shows the backtest on a first run, not on later ones.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { loadDetector } from '../../../operator/src/detector/detector.js';
import { createLogger } from '../../../operator/src/log.js';
import { generateInferenceLog, writeJsonl } from '../../../operator/src/synthetic/index.js';
import { checkBacktest, withinFactor } from '../../../bench/backtest-scenario.js';
import { demoMonitor, recurringIncidents } from '../../../bench/backtest.js';
import { buildRealLog, DAY_MS } from '../../fixtures/reallog/build.js';
import { alertiger } from '../../harness/cli.js';

const START = Date.parse('2026-01-05T00:00:00Z');

describe('The first run\'s backtest forecasts the alerts of the weeks that follow', function () {
  this.timeout(600_000);
  let dir: string;
  let detector: Awaited<ReturnType<typeof loadDetector>>;
  const logger = createLogger({ level: 'error' });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'alertiger-backtest-it-'));
    detector = await loadDetector(process.env.ALERTIGER_TEST_DETECTOR, { logger });
  });
  after(() => {
    detector?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('on a real log (FAA wildlife strikes, vega-datasets): predicted and observed within a factor of 2', async () => {
    const real = await buildRealLog({ dir: join(dir, 'reallog'), days: 170, start: new Date(START).toISOString() });
    const check = await checkBacktest({ name: 'reallog', monitor: real.monitor, logPath: real.logPath, created: new Date(START + 112 * DAY_MS + 900_000), detector, logger });
    const b = check.backtest;
    assert.equal(b.scoredWeeks, 8, JSON.stringify(b));
    assert.deepEqual(Object.keys(b.bySensitivity ?? {}), ['high', 'medium', 'low']);
    assert.ok(b.bySensitivity!.high! >= b.bySensitivity!.low!, 'a more sensitive setting never raises fewer alerts here');
    assert.ok(withinFactor(check), `predicted ${check.predictedPerWeek}/week, observed ${check.observedAlerts} in 8 weeks`);
  });

  it('on the demo model with recurring incidents: predicted and observed within a factor of 2, and both above zero', async () => {
    const days = 180;
    const logPath = join(dir, 'demo.jsonl');
    const rows = generateInferenceLog({ seed: 11, days, rowsPerDay: 600, start: new Date(START), incidents: recurringIncidents(days), asOf: new Date(START + (days + 30) * DAY_MS) });
    await writeJsonl(logPath, [...rows] as unknown as Array<Record<string, unknown>>);
    const check = await checkBacktest({ name: 'demo', monitor: demoMonitor(logPath), logPath, created: new Date(START + 112 * DAY_MS + 900_000), detector, logger });
    assert.ok(check.predictedPerWeek > 0 && check.observedAlerts > 0, JSON.stringify(check));
    assert.ok(withinFactor(check), `predicted ${check.predictedPerWeek}/week, observed ${check.observedAlerts} in 8 weeks`);
    assert.equal(check.backtest.anomalies?.length, Math.min(5, check.backtest.alerts ?? 0));
  });

  it('`alertiger run` prints the backtest on the first run only, and keeps it on the status', async () => {
    const cli = join(dir, 'cli');
    const days = 60;
    const rows = generateInferenceLog({ seed: 5, days, rowsPerDay: 300, start: new Date(START), incidents: recurringIncidents(days), asOf: new Date(START + (days + 30) * DAY_MS) });
    mkdirSync(cli, { recursive: true });
    await writeJsonl(join(cli, 'log.jsonl'), [...rows] as unknown as Array<Record<string, unknown>>);
    writeFileSync(join(cli, 'monitor.yaml'), yaml.dump(demoMonitor('/placeholder.jsonl')));
    const detectorArgs = process.env.ALERTIGER_TEST_DETECTOR !== undefined ? ['--detector', process.env.ALERTIGER_TEST_DETECTOR] : [];
    const at = (day: number): string => new Date(START + day * DAY_MS + 900_000).toISOString();
    const first = await alertiger(['run', '-f', 'monitor.yaml', '--data', 'log.jsonl', '--store', 'store', '--now', at(days - 1), '--json', ...detectorArgs], cli);
    assert.ok(first.code === 0 || first.code === 1, first.stdout + first.stderr);
    const status = (JSON.parse(first.stdout) as { status: { backtest?: { scoredWeeks: number; alertsPerWeek?: number; message: string } } }).status;
    assert.ok(status.backtest !== undefined, first.stdout);
    assert.ok(status.backtest.scoredWeeks >= 4, JSON.stringify(status.backtest));
    assert.ok(status.backtest.alertsPerWeek! > 0, JSON.stringify(status.backtest));
    const second = await alertiger(['run', '-f', 'monitor.yaml', '--data', 'log.jsonl', '--store', 'store', '--now', at(days), '--json', ...detectorArgs], cli);
    assert.deepEqual((JSON.parse(second.stdout) as { status: { backtest?: unknown } }).status.backtest, status.backtest, 'a later run keeps the first run\'s backtest');
    const third = await alertiger(['run', '-f', 'monitor.yaml', '--data', 'log.jsonl', '--store', 'store', '--now', at(days + 1), ...detectorArgs], cli);
    assert.doesNotMatch(third.stdout, /Backtest:/, 'a later run does not print it again');
    const again = await alertiger(['run', '-f', 'monitor.yaml', '--data', 'log.jsonl', '--store', 'store2', '--now', at(days - 1), ...detectorArgs], cli);
    assert.match(again.stdout, /Backtest: Replayed over \d+(\.\d+)? weeks of history, this monitor would have raised \d+ alerts? \([\d.]+ a week\) at sensitivity medium/);
  });
});

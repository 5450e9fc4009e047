/**
 * Issue 10: the monitor's trust on a real public log. The FAA wildlife-strike reports shipped
 * in vega-datasets, made into a 200-day inference log (test/fixtures/reallog/build.ts), are
 * replayed one run a day (catch-up runs build the history up to day 135, to save time) through the real statistics, detector and filters on the embedded
 * store (bench/reallog-scenario.ts): the clean log, and three persistent faults from day 150
 * (a unit change x1000, 40% nulls, categorical codes remapped to a new dominant value), each
 * replayed for 50 runs (longer than the detector's 31-value history, so a fault that the
 * history absorbs shows) from a copy of the clean store. Runs read the day-partitioned copy
 * of the log (bench/reallog.ts reads the whole file, as `alertiger run` does). The history is built once for all cases.
 *
 * Targets: each fault reported within 2 runs of its start and still open on >= 90% of the
 * later runs; the clean log anomalous on <= 2 of its last 60 runs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScenario, type FaultFigures, type ScenarioResult } from '../../../bench/reallog-scenario.js';
import type { Detector } from '../../../operator/src/detector/detector.js';
import { loadDetector } from '../../../operator/src/detector/detector.js';
import { createLogger } from '../../../operator/src/log.js';

describe('real log (FAA wildlife strikes, vega-datasets): detection and quiet on real data', function () {
  this.timeout(600_000);
  let dir: string;
  let detector: Detector | undefined;
  let result: ScenarioResult;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'alertiger-reallog-'));
    const logger = createLogger({ level: 'error' });
    detector = await loadDetector(process.env.ALERTIGER_TEST_DETECTOR, { logger });
    result = await runScenario({ dir, detector, logger, days: 200, faultDay: 150, cleanRuns: 60, dailyFrom: 135, reader: 'days' });
  });
  after(() => {
    detector?.dispose();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const fault = (kind: string): FaultFigures => {
    const f = result.faults.find((x) => x.kind === kind);
    assert.ok(f !== undefined, `no figures for fault ${kind}`);
    return f;
  };
  const describeFault = (f: FaultFigures): string =>
    `${f.description}: detected on run ${f.detectionRun ?? 'never'}, open on ${f.stillOpenShare === null ? '-' : Math.round(100 * f.stillOpenShare) + '%'} of later runs, `
    + `not open on runs ${f.closedRuns.join(' ') || 'none'} of ${f.runsAfterStart}; open statistics per run: `
    + f.statisticsByRun.map((s, i) => `${i + 1}:${s.join('+') || '-'}`).join(' ');

  it('builds a real log of at least 120 days with hundreds of rows a day', () => {
    assert.ok(result.log.days >= 120);
    assert.ok(result.log.rows / result.log.days >= 300, `${result.log.rows} rows in ${result.log.days} days`);
    assert.equal(result.log.sourceRows, 10_000);
    const failed = result.clean.records.filter((r) => r.error !== undefined);
    assert.equal(failed.length, 0, `${failed.length} clean runs failed, the first on day ${failed[0]?.day}: ${failed[0]?.error}`);
  });

  for (const kind of ['unit', 'nulls', 'remap']) {
    it(`reports the ${kind} fault within 2 runs of its start`, () => {
      const f = fault(kind);
      assert.ok(f.detectionRun !== null && f.detectionRun <= 2, describeFault(f));
    });

    it(`keeps the ${kind} fault open on at least 90% of the later runs`, () => {
      const f = fault(kind);
      assert.ok(f.stillOpenShare !== null && f.stillOpenShare >= 0.9, describeFault(f));
    });
  }

  it('stays quiet on the clean log: at most 2 anomalous runs in its last 60 days', () => {
    const { clean } = result;
    assert.equal(clean.runs, 60);
    const failed = clean.records.filter((r) => r.error !== undefined || r.health === 'Failed');
    assert.equal(failed.length, 0, `failed clean runs on days ${failed.map((r) => r.day - 1).join(' ')}: ${failed[0]?.error}`);
    const causes = clean.causes.map((c) => `day ${c.day} ${c.category}/${c.subject}/${c.statistic} observed ${c.observed} band [${c.lower}, ${c.upper}] severity ${c.severity}`);
    assert.ok(clean.anomalousRuns <= 2, `${clean.anomalousRuns} anomalous runs on days ${clean.anomalousRunDays.join(' ')}:\n  ${causes.join('\n  ')}`);
  });
});

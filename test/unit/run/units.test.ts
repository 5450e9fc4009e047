/**
 * Issue 10, "sensitivity depends on the statistic's units", through a whole run with the
 * pretrained detector: statistics are judged on what their window can resolve, not on an
 * absolute 0.01. Daily statistics of a model with 10,000 rows a day, sampled as they would be.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelMonitor, ModelMonitorStatus } from '../../../operator/src/api/types.js';
import { loadDetector, type Detector } from '../../../operator/src/detector/detector.js';
import { silentLogger } from '../../../operator/src/log.js';
import type { StatValue } from '../../../operator/src/run/ports.js';
import { runMonitor } from '../../../operator/src/run/run.js';
import { embeddedStore } from '../../../operator/src/store/embedded.js';
import { keyedRng } from '../../../operator/src/random.js';
import { DAY, functionStatistics } from './fakes.js';

const t0 = Date.parse('2026-03-01T00:00:00Z');
const day = (n: number): number => t0 + n * DAY;
const ROWS = 10_000;

function monitor(status?: ModelMonitorStatus): ModelMonitor {
  return {
    apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor',
    metadata: { name: 'units', namespace: 'ml' },
    spec: { model: { name: 'units' }, source: { file: { path: 'x.jsonl' } } },
    status,
  };
}

/** The day's statistics; from `faultDay` on, `fault` rewrites them. */
function statistics(faultDay: number, fault: (v: StatValue) => StatValue) {
  return (t: number): StatValue[] => {
    const rng = keyedRng(7, Math.round((t - t0) / DAY));
    // A rare event: 0.4% of rows, binomial over the day's rows.
    const rare = rng.poisson(0.004 * ROWS) / ROWS;
    const values: StatValue[] = [
      { category: 'score', subject: 'score', statistic: 'traffic', value: ROWS },
      { category: 'feature', subject: 'flag', statistic: 'count', value: ROWS },
      { category: 'feature', subject: 'flag', statistic: 'missing_rate', value: 0 },
      { category: 'feature', subject: 'flag', statistic: 'zero_rate', value: rare },
      { category: 'feature', subject: 'amount', statistic: 'count', value: ROWS },
      { category: 'feature', subject: 'amount', statistic: 'missing_rate', value: 0 },
      { category: 'feature', subject: 'amount', statistic: 'std', value: 50 },
      // A large mean, logged rounded (so exactly constant), known only to std / sqrt(n) = 0.5.
      { category: 'feature', subject: 'amount', statistic: 'mean', value: 1_000_000 },
    ];
    return t >= day(faultDay) ? values.map(fault) : values;
  };
}

async function replay(faultDay: number, fault: (v: StatValue) => StatValue, dir: string, detector: Detector): Promise<string[][]> {
  const store = embeddedStore(dir, monitor());
  const stats = functionStatistics(statistics(faultDay, fault), () => ROWS);
  let status: ModelMonitorStatus | undefined;
  const open: string[][] = [];
  for (let n = faultDay - 3; n <= faultDay + 4; n++) {
    const result = await runMonitor(monitor(status), {
      statistics: stats, store, detector, status: { write: async () => undefined },
      clock: () => new Date(day(n) + 2 * 3600_000), logger: silentLogger, sleep: async () => undefined,
    });
    status = { ...status, ...result.status };
    assert.equal(result.error, undefined, String(result.error));
    open.push(result.status.anomalies.map((a) => `${a.subject}/${a.statistic}`));
  }
  return open;
}

describe('a run judges statistics in their own units (pretrained detector)', function () {
  this.timeout(120_000);
  let detector: Detector;
  let dir: string;
  before(async () => (detector = await loadDetector(undefined, { logger: silentLogger })));
  after(() => detector.dispose());
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'alertiger-units-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('flags a 0.4% rate that drops to 0 within 3 runs (6 binomial errors; under the old absolute floor of 0.01 it was missed)', async () => {
    const open = await replay(45, (v) => (v.statistic === 'zero_rate' ? { ...v, value: 0 } : v), dir, detector);
    // Runs on days 42..49 examine windows 41..48: four before the fault, then fault days 1..4.
    assert.deepEqual(open.slice(0, 4), [[], [], [], []], 'quiet before the fault');
    const found = open.slice(4).findIndex((o) => o.includes('flag/zero_rate'));
    // The shipped stage 2 scores the first day 0.15 (it weighs the days before: precision), the
    // next ones 0.7-0.8; with the duration filter (2 of 3) it opens on the third fault day.
    assert.ok(found >= 0 && found <= 2, `found within 3 runs of the fault: ${JSON.stringify(open)}`);
    assert.ok(open.slice(4 + found).every((o) => o.includes('flag/zero_rate')), `and open to the end: ${JSON.stringify(open)}`);
  });

  it('stays quiet when a constant mean of 1,000,000 moves by 1 (two standard errors; the old absolute floor made it 100 window stds)', async () => {
    const open = await replay(45, (v) => (v.statistic === 'mean' ? { ...v, value: v.value + 1 } : v), dir, detector);
    assert.deepEqual(open, open.map(() => []));
  });
});

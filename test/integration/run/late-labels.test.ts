/**
 * Late labels across runs (docs/design.md §5): a synthetic log whose labels arrive days after the
 * request, read as it stood at each run's time, the real statistics, detector and embedded store.
 * A stored window's label statistics rise as its labels arrive, its feature statistics stay,
 * and a steady model raises no label anomaly although its newest windows are always short of labels.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelMonitor, ModelMonitorSpec } from '../../../operator/src/api/types.js';
import { loadDetector, type Detector } from '../../../operator/src/detector/detector.js';
import { silentLogger } from '../../../operator/src/log.js';
import { runLocally, type LocalRunResult } from '../../../operator/src/local/local.js';
import type { StatSeries } from '../../../operator/src/run/ports.js';
import { openFileSource } from '../../../operator/src/sources/index.js';
import { DEFAULT_START, generateInferenceLog, writeJsonl } from '../../../operator/src/synthetic/index.js';

const DAY = 86_400_000;
const start = Date.parse(DEFAULT_START);
const day = (n: number): number => start + n * DAY;
/** The run for the window of day n-1, early on day n. */
const at = (n: number): Date => new Date(day(n) + 2 * 3600_000);

describe('late labels across runs (embedded store, real detector)', function () {
  this.timeout(300_000);
  let dir: string;
  let detector: Detector;
  before(async () => {
    detector = await loadDetector(process.env.ALERTIGER_TEST_DETECTOR, { logger: silentLogger });
  });
  after(() => detector.dispose());
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'alertiger-late-labels-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function monitor(schema: ModelMonitorSpec['schema'] = {}): ModelMonitor {
    return {
      apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', metadata: { name: 'propensity', namespace: 'default' },
      spec: { model: { name: 'propensity' }, source: { file: { path: join(dir, 'log.jsonl') } }, schema: { categorical: ['country', 'device', 'channel'], ...schema } },
    };
  }

  /** Writes the log as it stands at the run's time (labels arrived by then) and runs once. */
  async function runOn(n: number, m: ModelMonitor): Promise<LocalRunResult> {
    const path = join(dir, 'log.jsonl');
    const rows = generateInferenceLog({ seed: 11, days: 70, rowsPerDay: 300, labelRate: 0.3, labelDelayDays: 2, asOf: at(n) });
    // Only what was logged by the run's time exists.
    await writeJsonl(path, [...rows].filter((r) => Date.parse(r.ts) < at(n).getTime()) as unknown as Array<Record<string, unknown>>);
    return runLocally(m, {
      storeDir: join(dir, 'store'), detector, now: at(n), logger: silentLogger,
      open: () => openFileSource({ path, format: 'jsonl' }, { timestamp: 'ts' }),
    });
  }

  const valueAt = (history: StatSeries[], category: string, statistic: string, t: number): number | undefined => {
    const s = history.find((x) => x.category === category && x.statistic === statistic);
    const i = s?.times.indexOf(t) ?? -1;
    return i >= 0 ? s!.values[i] : undefined;
  };

  it('raises a window\'s stored label_coverage when its labels arrive and keeps its feature statistics', async () => {
    const m = monitor();
    const first = await runOn(50, m);
    const target = day(48);
    const before = await first.store.readHistory(new Date(target), new Date(target + DAY));
    await runOn(51, m);
    const later = await runOn(52, m);
    assert.equal(later.result.status.lastWindowEnd, new Date(day(52)).toISOString());
    const after = await later.store.readHistory(new Date(target), new Date(target + DAY));

    const coverageBefore = valueAt(before, 'label', 'label_coverage', target)!;
    const coverageAfter = valueAt(after, 'label', 'label_coverage', target)!;
    assert.ok(coverageBefore > 0 && coverageAfter > coverageBefore * 1.3, `label_coverage of day 48: ${coverageBefore} -> ${coverageAfter}`);
    assert.ok(coverageAfter <= 0.3 + 0.05, 'never above the label rate');
    const features = (h: StatSeries[]) => h.filter((s) => s.category !== 'label').map((s) => [s.category, s.subject, s.statistic, s.values]);
    assert.ok(features(before).length > 20);
    assert.deepEqual(features(after), features(before), 'feature and score statistics of the window are untouched');
  });

  it('raises no label anomaly on a steady model across several runs, and would without the horizon', async () => {
    const runs = async (m: ModelMonitor): Promise<{ labelAnomalies: number; flagged: number; scored: boolean }> => {
      let labelAnomalies = 0;
      let flagged = 0;
      let scored = false;
      for (let n = 50; n <= 58; n++) {
        const { result } = await runOn(n, m);
        assert.equal(result.error, undefined);
        labelAnomalies += result.status.anomalies.filter((a) => a.category === 'label').length;
        flagged += result.detections.filter((p) => p.category === 'label' && p.anomaly).length;
        // The label statistics are scored (at the newest mature window) once their mature history
        // fills the detector's window, a few runs after the first backfill; else this proves nothing.
        scored = result.detections.some((p) => p.category === 'label' && p.statistic === 'label_coverage');
      }
      return { labelAnomalies, flagged, scored };
    };
    assert.deepEqual(await runs(monitor()), { labelAnomalies: 0, flagged: 0, scored: true });
    rmSync(join(dir, 'store'), { recursive: true, force: true });
    // The same log scored at the newest window: its fresh, half-labelled windows look like a coverage drop.
    const naive = await runs(monitor({ labelDelay: 0 }));
    assert.ok(naive.labelAnomalies > 0, `expected label anomalies with labelDelay 0, got ${JSON.stringify(naive)}`);
  });
});

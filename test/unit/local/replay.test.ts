import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnomalyStatus, ModelMonitor } from '../../../operator/src/api/types.js';
import { silentLogger } from '../../../operator/src/log.js';
import { runLocally } from '../../../operator/src/local/local.js';
import type { StatValue } from '../../../operator/src/run/ports.js';
import { episodesOf, formatEpisodes, precomputedStatistics, replay, scheduledRunTime, type ReplayRun } from '../../../operator/src/local/replay.js';
import { withDefaults } from '../../../operator/src/api/defaults.js';
import { embeddedStore } from '../../../operator/src/store/embedded.js';
import { DAY, bandDetector, functionStatistics, wobble } from '../run/fakes.js';

const t0 = Date.parse('2026-03-01T00:00:00Z');
const day = (n: number): number => t0 + n * DAY;
const iso = (n: number): string => new Date(day(n)).toISOString();

function monitor(): ModelMonitor {
  return {
    apiVersion: 'alertiger.io/v1alpha1',
    kind: 'ModelMonitor',
    metadata: { name: 'feed-ranker', namespace: 'ml-prod' },
    spec: { model: { name: 'feed-ranker', version: 'v1' }, source: { file: { path: 'x.jsonl' } } },
  };
}

/** Rows from day 0 to day `last` (exclusive); feature age's mean jumps on days [from, to). */
function log(incidentFrom: number, incidentTo: number, last = 80) {
  const values = (t: number): StatValue[] => {
    const inIncident = t >= day(incidentFrom) && t < day(incidentTo);
    return [
      { category: 'feature', subject: 'age', statistic: 'mean', value: (inIncident ? 60 : 40) + wobble(t) },
      { category: 'feature', subject: 'tenure', statistic: 'mean', value: 300 + wobble(t) },
      { category: 'feature', subject: 'clicks', statistic: 'mean', value: 3 + wobble(t) },
      { category: 'score', subject: 'score', statistic: 'traffic', value: 1000 + 10 * wobble(t) },
    ];
  };
  return functionStatistics(values, (t) => (t >= day(0) && t < day(last) ? 100 : 0));
}

describe('replay (backfill)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'alertiger-replay-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the source once, runs once per window of the log in time order, and lists the past episode with its dates', async () => {
    const source = log(50, 56);
    const store = embeddedStore(join(dir, 'store'), monitor(), { memory: true });
    const seen: ReplayRun[] = [];
    const result = await replay({
      monitor: monitor(), store, detector: bandDetector, logger: silentLogger,
      to: new Date(day(80) + 3 * 3600_000), statistics: () => source, onRun: (r) => seen.push(r),
    });
    assert.equal(source.calls.length, 1, 'one read of the source for every window');
    assert.equal(result.reads, 1);
    assert.equal(result.windows, 80, 'one run per window from the log\'s first day to its last');
    assert.equal(seen.length, 80);
    assert.equal(seen[0].window.start.toISOString(), iso(0));
    assert.equal(seen.at(-1)!.window.start.toISOString(), iso(79));
    // Each run at its window's scheduled time: the default daily schedule, 02:15 UTC.
    assert.equal(seen[0].time.toISOString(), new Date(day(1) + 2 * 3600_000 + 15 * 60_000).toISOString());
    assert.deepEqual(seen.map((r) => r.time.getTime()), [...seen.map((r) => r.time.getTime())].sort((a, b) => a - b));
    const age = result.episodes.filter((e) => e.subject === 'age');
    assert.equal(age.length, 1, JSON.stringify(result.episodes));
    assert.equal(age[0].start, iso(50));
    assert.equal(age[0].end, iso(55), 'the last day of the incident');
    assert.ok(age[0].runs >= 4, `open on ${age[0].runs} runs`);
    assert.ok(age[0].peak.observed > 55 && Math.abs(age[0].peak.expected - 40) < 2, JSON.stringify(age[0].peak));
    assert.equal(result.status.health, 'Healthy', 'the incident is over by the last window');
    assert.match(formatEpisodes(result.episodes, '1d'), /feature\s+age\s+mean\s+2026-04-20\s+2026-04-25\s+\d+\s+/);
    // The store is in memory until flushed, then on disk for later runs.
    assert.ok(!existsSync(join(store.dir, 'status.json')));
    await store.flush();
    assert.ok(existsSync(join(store.dir, 'status.json')));
  });

  it('ends in the same state as daily runs over the same windows', async () => {
    const replayed = embeddedStore(join(dir, 'replayed'), monitor(), { memory: true });
    const result = await replay({
      monitor: monitor(), store: replayed, detector: bandDetector, logger: silentLogger,
      from: new Date(day(35)), to: new Date(day(60)), statistics: () => log(50, 80),
    });
    const daily: AnomalyStatus[][] = [];
    const healths: string[] = [];
    let last: Awaited<ReturnType<typeof runLocally>> | undefined;
    for (let n = 36; n <= 60; n++) {
      const source = log(50, 80);
      last = await runLocally(monitor(), { storeDir: join(dir, 'daily'), detector: bandDetector, logger: silentLogger, now: new Date(day(n) + 2 * 3600_000 + 15 * 60_000), statistics: () => source });
      daily.push(last.result.status.anomalies);
      healths.push(last.result.status.health);
    }
    assert.deepEqual(result.runs.map((r) => r.health), healths);
    assert.deepEqual(result.runs.map((r) => r.anomalies), daily);
    assert.equal(result.status.health, 'Anomalous');
    assert.deepEqual(result.status.anomalies, last!.monitor.status!.anomalies);
    assert.equal(result.status.lastWindowEnd, last!.monitor.status!.lastWindowEnd);
    const age = result.episodes.find((e) => e.subject === 'age');
    assert.equal(age?.start, iso(50));
    assert.equal(age?.end, undefined, 'still open after the last run');
  });

  it('continues from the store: a second replay starts after the last window replayed', async () => {
    const root = join(dir, 'store');
    const first = embeddedStore(root, monitor(), { memory: true });
    await replay({ monitor: monitor(), store: first, detector: bandDetector, logger: silentLogger, to: new Date(day(40)), statistics: () => log(50, 56) });
    await first.flush();
    const source = log(50, 56);
    const second = embeddedStore(root, monitor(), { memory: true });
    const result = await replay({ monitor: monitor(), store: second, detector: bandDetector, logger: silentLogger, to: new Date(day(60)), statistics: () => source });
    assert.equal(source.calls.length, 1);
    assert.equal(result.runs[0].window.start.toISOString(), iso(40));
    assert.equal(result.windows, 20);
    // Only the label horizon before the store's last window is read again (late labels).
    assert.equal(source.calls[0][0].start.toISOString(), iso(40 - withDefaults(monitor().spec).schema.labelDelay));
    assert.equal(result.episodes.find((e) => e.subject === 'age')?.start, iso(50));
    assert.equal(result.created, (await second.readRuns())[0].time, 'the monitor\'s age counts from the first replay');

    const nothing = await replay({ monitor: monitor(), store: second, detector: bandDetector, logger: silentLogger, to: new Date(day(60)), statistics: () => log(50, 56) });
    assert.equal(nothing.windows, 0);
    assert.equal(nothing.status.lastWindowEnd, iso(60));
  });

  it('serves windows outside the read empty when no row lay before it, else reads them', async () => {
    const spec = withDefaults(monitor().spec);
    const fallback = functionStatistics(() => [], () => 0);
    const computed = [{ window: { start: new Date(day(5)), end: new Date(day(6)) }, rows: 3, values: [] }];
    const port = precomputedStatistics(computed, spec, day(5), () => 0, fallback);
    const out = await port.windows([{ start: new Date(day(4)), end: new Date(day(5)) }, computed[0].window]);
    assert.deepEqual(out.map((w) => w.rows), [0, 3]);
    assert.equal(fallback.calls.length, 0);
    const reading = precomputedStatistics(computed, spec, day(5), () => 7, fallback);
    await reading.windows([{ start: new Date(day(4)), end: new Date(day(5)) }, computed[0].window]);
    assert.equal(fallback.calls.length, 1);
    assert.equal(reading.fallbackReads, 1);
  });

  it('runs at the schedule\'s first time after the window closes', () => {
    assert.equal(scheduledRunTime('15 2 * * *', day(3), DAY).toISOString(), new Date(day(3) + 2 * 3600_000 + 15 * 60_000).toISOString());
    assert.equal(scheduledRunTime('5 * * * *', day(3), 3600_000).toISOString(), new Date(day(3) + 5 * 60_000).toISOString());
    assert.equal(scheduledRunTime('0 3 * * MON', day(3), DAY).toISOString(), iso(3), 'no firing inside the window: at its end');
  });

  it('splits episodes when a statistic closes and opens again, and skips failed runs', () => {
    const a = (start: number, severity: number): AnomalyStatus => ({
      category: 'feature', subject: 'age', statistic: 'mean', start: iso(start), severity, score: 0.9, observed: 60, expected: 40, lower: 38, upper: 42,
    });
    const run = (n: number, anomalies: AnomalyStatus[], health = anomalies.length > 0 ? 'Anomalous' : 'Healthy', error?: string): ReplayRun => ({
      window: { start: new Date(day(n)), end: new Date(day(n + 1)) }, time: new Date(day(n + 1)), health, anomalyCount: anomalies.length, anomalies, scoredSeries: 1, ...(error ? { error } : {}),
    });
    const episodes = episodesOf([
      run(1, [a(0, 2)]), run(2, [a(0, 5)]), run(3, [a(0, 5)], 'Failed', 'boom'), run(4, [a(0, 3)]), run(5, []), run(6, [a(6, 1)]),
    ]);
    assert.deepEqual(episodes.map((e) => [e.start, e.end, e.runs, e.peak.severity, e.peakTime]), [
      [iso(0), iso(4), 3, 5, iso(2)],
      [iso(6), undefined, 1, 1, iso(6)],
    ]);
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelMonitor, ModelMonitorStatus } from '../../../operator/src/api/types.js';
import { AlertigerError } from '../../../operator/src/errors.js';
import { silentLogger } from '../../../operator/src/log.js';
import { readWindows, runMonitor, type RunResult } from '../../../operator/src/run/run.js';
import type { RunDeps, StatValue } from '../../../operator/src/run/ports.js';
import { embeddedStore, type MonitorStore } from '../../../operator/src/store/embedded.js';
import { DAY, bandDetector, functionStatistics, recordingAlerts, recordingStatus, wobble } from './fakes.js';

const t0 = Date.parse('2026-03-01T00:00:00Z');
const day = (n: number): number => t0 + n * DAY;
/** "now" during day n (the run for the window of day n-1). */
const runAt = (n: number): Date => new Date(day(n) + 2 * 3600_000 + 15 * 60_000);

function monitor(status?: ModelMonitorStatus, over: Partial<ModelMonitor['spec']> = {}): ModelMonitor {
  return {
    apiVersion: 'alertiger.io/v1alpha1',
    kind: 'ModelMonitor',
    metadata: { name: 'feed-ranker', namespace: 'ml-prod', generation: 2 },
    spec: { model: { name: 'feed-ranker', version: 'v1' }, source: { file: { path: 'x.jsonl' } }, alerting: { labels: { team: 'feed' } }, ...over },
    status,
  };
}

/** A model with 4 features; feature age's mean jumps from day `incidentFrom` to `incidentTo`. */
function values(incidentFrom = Infinity, incidentTo = Infinity) {
  return (t: number): StatValue[] => {
    const inIncident = t >= day(incidentFrom) && t < day(incidentTo);
    return [
      { category: 'feature', subject: 'age', statistic: 'mean', value: (inIncident ? 60 : 40) + wobble(t) },
      { category: 'feature', subject: 'tenure', statistic: 'mean', value: 300 + wobble(t) },
      { category: 'feature', subject: 'clicks', statistic: 'mean', value: 3 + wobble(t) },
      { category: 'feature', subject: 'country', statistic: 'entropy', value: 2 + wobble(t) },
      { category: 'score', subject: 'score', statistic: 'traffic', value: 1000 + 10 * wobble(t) },
    ];
  };
}

describe('runMonitor', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'alertiger-run-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function deps(store: MonitorStore, now: Date, stats = functionStatistics(values())): RunDeps & { status: ReturnType<typeof recordingStatus>; alerts: ReturnType<typeof recordingAlerts> } {
    return {
      statistics: stats, store, detector: bandDetector, status: recordingStatus(), alerts: recordingAlerts(),
      clock: () => now, logger: silentLogger, alertmanagerUrl: 'http://am:9093', reportUrl: 'http://alertiger:8080', sleep: async () => undefined,
    };
  }

  /** Runs day by day from `first` to `last` (inclusive), carrying the status like the API server would. */
  async function runDays(first: number, last: number, make: (now: Date) => RunDeps, status?: ModelMonitorStatus, over = {}): Promise<{ results: RunResult[]; status?: ModelMonitorStatus }> {
    const results: RunResult[] = [];
    for (let n = first; n <= last; n++) {
      const result = await runMonitor(monitor(status, over), make(runAt(n)));
      status = { ...status, ...result.status };
      results.push(result);
    }
    return { results, status };
  }

  it('backfills the detector history on the first run and reports Healthy', async () => {
    const store = embeddedStore(dir, monitor());
    const d = deps(store, runAt(40));
    const result = await runMonitor(monitor(), d);
    assert.equal(result.plan.windows.length, 28 + 3 + 7, 'history, the scored points and the label horizon');
    assert.equal(result.stored.length, 38);
    assert.equal(result.status.health, 'Healthy');
    assert.equal(result.status.lastWindowEnd, new Date(day(40)).toISOString());
    assert.equal(result.detections.filter((p) => p.category !== 'model').length, 5 * (38 - 28), 'every backfilled window with 28 windows of history before it is scored, in 5 series');
    assert.deepEqual(d.status.written, [result.status]);
    assert.deepEqual(d.alerts.posts, [], 'nothing to send for a healthy model');
  });

  it('backfills 7 days, 3 hours and the 48-hour label horizon on the first run of an hourly monitor', async () => {
    const store = embeddedStore(dir, monitor(undefined, { granularity: '1h' }));
    const stats = functionStatistics(values());
    const result = await runMonitor(monitor(undefined, { granularity: '1h' }), deps(store, new Date(day(40) + 5 * 3600_000 + 60_000), stats));
    assert.equal(result.plan.windows.length, 168 + 3 + 48);
    assert.equal(result.plan.windows[1].start.getTime() - result.plan.windows[0].start.getTime(), 3600_000);
    assert.equal(result.status.lastWindowEnd, new Date(day(40) + 5 * 3600_000).toISOString());
  });

  it('keeps only windows from the first with rows on a first run', async () => {
    const store = embeddedStore(dir, monitor());
    const stats = functionStatistics(values(), (t) => (t < day(20) ? 0 : 100));
    const result = await runMonitor(monitor(), deps(store, runAt(40), stats));
    assert.equal(result.stored[0].window.start.getTime(), day(20));
    assert.equal(result.status.health, 'Unknown', '20 windows are not enough history');
    assert.equal(result.status.conditions.find((c) => c.type === 'Healthy')?.reason, 'NotEnoughHistory');
  });

  it('finds an incident, alerts once it lasts, and resolves the alert when it ends', async () => {
    const store = embeddedStore(dir, monitor());
    const stats = functionStatistics(values(40, 43));
    const made: Array<ReturnType<typeof deps>> = [];
    const make = (now: Date): RunDeps => {
      const d = deps(store, now, stats);
      made.push(d);
      return d;
    };
    const { results } = await runDays(40, 45, make);
    assert.deepEqual(results.map((r) => r.status.health), ['Healthy', 'Healthy', 'Anomalous', 'Anomalous', 'Healthy', 'Healthy']);
    const open = results[2].status.anomalies[0];
    assert.deepEqual([open.category, open.subject, open.statistic, open.start], ['feature', 'age', 'mean', new Date(day(40)).toISOString()]);
    assert.ok(open.observed > 59 && open.expected < 41);

    const firing = made[2].alerts.posts[0].alerts;
    assert.equal(firing.length, 1);
    assert.equal(firing[0].labels.subject, 'age');
    assert.equal(firing[0].labels.team, 'feed');
    assert.equal(firing[0].annotations.report_url, 'http://alertiger:8080/monitors/ml-prod/feed-ranker');
    assert.equal(firing[0].startsAt, new Date(day(40)).toISOString());
    assert.ok(Date.parse(firing[0].endsAt) > day(43) + 2 * 3600_000, 'endsAt reaches past the next run');

    assert.deepEqual(made[3].alerts.posts[0].alerts.map((a) => a.labels.subject), ['age'], 'still open: re-sent');
    assert.equal(made[3].alerts.posts[0].alerts[0].startsAt, new Date(day(40)).toISOString(), 'the start stays where the episode began');
    const resolved = made[4].alerts.posts[0].alerts;
    assert.equal(resolved.length, 1);
    assert.equal(resolved[0].endsAt, runAt(44).toISOString());
    assert.deepEqual(resolved[0].labels, firing[0].labels);
    assert.deepEqual(made[5].alerts.posts, []);
  });

  it('keeps the start of an episode longer than the rescored windows', async () => {
    const store = embeddedStore(dir, monitor());
    const stats = functionStatistics(values(40));
    const { results } = await runDays(40, 44, (now) => deps(store, now, stats));
    // The run of day 44 rescores days 41-43 only; day 40 is where the episode began.
    assert.deepEqual(results.map((r) => r.status.anomalies[0]?.start.slice(0, 10)), [undefined, undefined, '2026-04-10', '2026-04-10', '2026-04-10']);
  });

  it('keeps a persistent fault open on every later run: flagged points never become the baseline', async () => {
    const store = embeddedStore(dir, monitor());
    const stats = functionStatistics(values(40));
    const { results } = await runDays(40, 80, (now) => deps(store, now, stats));
    // Found on the run of day 42 (window 41: two windows in), then open to the end, 38 runs later.
    const open = results.map((r) => r.status.anomalies.some((a) => a.subject === 'age'));
    assert.deepEqual(open.slice(0, 2), [false, false]);
    assert.ok(open.slice(2).every(Boolean), `open on every run from day 42: ${open.map(Number).join('')}`);
    const last = results[results.length - 1].status.anomalies[0];
    assert.equal(last.start.slice(0, 10), '2026-04-10', 'the episode keeps its start');
    assert.ok(last.expected < 41 && last.upper < 45, `the band is still the one expected before the fault: ${JSON.stringify(last)}`);
  });

  it('closes a persistent fault accepted by annotation and learns the new level', async () => {
    const store = embeddedStore(dir, monitor());
    const stats = functionStatistics(values(40));
    let { status } = await runDays(40, 50, (now) => deps(store, now, stats));
    assert.equal(status?.health, 'Anomalous');
    const accepted = monitor(status);
    accepted.metadata.annotations = { 'alertiger.io/accept': 'age/mean' };
    const results: RunResult[] = [];
    for (let n = 51; n <= 70; n++) {
      const result = await runMonitor({ ...accepted, status }, deps(store, runAt(n), stats));
      status = { ...status, ...result.status };
      results.push(result);
    }
    assert.deepEqual(results[0].status.accepted?.map((a) => [a.key, a.since]), [['feature/age/mean', runAt(51).toISOString()]]);
    assert.deepEqual(results.map((r) => r.status.health), results.map(() => 'Healthy'), 'closed at once and quiet at the new level');
  });

  it('alerts every open anomaly, not only the 20 on the status, and resolves none that is still open', async () => {
    const store = embeddedStore(dir, monitor());
    const many = (t: number): StatValue[] => Array.from({ length: 30 }, (_, k) => ({
      category: 'feature' as const, subject: `f${String(k).padStart(2, '0')}`, statistic: 'mean',
      // 24 features shift, each by a different amount, so the top 20 changes from run to run.
      value: 10 + wobble(t + k * DAY) + (k < 24 && t >= day(40) ? 10 + ((k * 7 + Math.floor(t / DAY)) % 11) : 0),
    }));
    const stats = functionStatistics(many);
    const made: Array<ReturnType<typeof deps>> = [];
    const over = { detection: { maxConcurrentFraction: 1 } };
    await runDays(40, 45, (now) => {
      const d = deps(store, now, stats);
      made.push(d);
      return d;
    }, undefined, over);
    for (const d of made.slice(2)) {
      const sent = d.alerts.posts[0].alerts;
      const firing = sent.filter((a) => Date.parse(a.endsAt) > Date.parse(a.startsAt) + DAY);
      assert.equal(firing.length, 24, 'every open anomaly fires');
      assert.equal(sent.length - firing.length, 0, 'nothing still open is sent resolved');
    }
  });

  it('takes a partial duration from the spec with its other half defaulted, as the CRD would (issue 12)', async () => {
    const store = embeddedStore(dir, monitor());
    const stats = functionStatistics(values(40));
    const { results } = await runDays(40, 46, (now) => deps(store, now, stats), undefined, { detection: { duration: { window: 5 } } });
    assert.deepEqual(results.map((r) => r.error), results.map(() => undefined));
    assert.equal(results[results.length - 1].status.health, 'Anomalous');
  });

  it('raises one model-level anomaly when most features shift at once', async () => {
    const store = embeddedStore(dir, monitor());
    const shifted = (t: number): StatValue[] => values()(t).map((v) => (v.category === 'feature' && t >= day(40) ? { ...v, value: v.value * 3 + 10 } : v));
    const stats = functionStatistics(shifted);
    const { results } = await runDays(40, 42, (now) => deps(store, now, stats));
    const last = results[2].status;
    assert.equal(last.health, 'Anomalous');
    assert.deepEqual(last.anomalies.map((a) => [a.category, a.subject, a.statistic]), [['model', 'feed-ranker', 'anomalous_feature_share']]);
    assert.equal(last.anomalies[0].observed, 1);
  });

  it('fails with the cause when the store is down, keeps lastWindowEnd, and the next run catches up', async () => {
    const store = embeddedStore(dir, monitor());
    const stats = functionStatistics(values());
    let { status } = await runDays(40, 40, (now) => deps(store, now, stats));
    const broken: MonitorStore = { ...store, writeStatistics: async () => { throw new AlertigerError('InfluxUnavailable', 'InfluxDB at http://influx:8086 is unreachable'); } };
    const failed = await runMonitor(monitor(status), deps(broken, runAt(41), stats));
    assert.equal(failed.status.health, 'Failed');
    assert.equal(failed.status.lastWindowEnd, new Date(day(40)).toISOString());
    const cond = failed.status.conditions.find((c) => c.type === 'LastRunSucceeded');
    assert.equal(cond?.reason, 'InfluxUnavailable');
    assert.match(cond?.message ?? '', /InfluxDB at http:\/\/influx:8086 is unreachable/);
    status = { ...status, ...failed.status };

    const caughtUp = await runMonitor(monitor(status), deps(store, runAt(42), stats));
    assert.deepEqual(caughtUp.stored.map((w) => w.window.start.getTime()), [day(40), day(41)]);
    assert.equal(caughtUp.status.health, 'Healthy');
    assert.equal(caughtUp.status.lastWindowEnd, new Date(day(42)).toISOString());
    const history = await store.readHistory(new Date(day(0)), new Date(day(42)));
    assert.equal(history.find((s) => s.subject === 'age')?.times.length, 38 + 2, 'no window lost');
  });

  it('records anomalies but sends nothing in Shadow mode', async () => {
    const store = embeddedStore(dir, monitor());
    const stats = functionStatistics(values(40));
    const made: Array<ReturnType<typeof deps>> = [];
    const { results } = await runDays(40, 42, (now) => { const d = deps(store, now, stats); made.push(d); return d; }, undefined, { mode: 'Shadow' });
    assert.equal(results[2].status.health, 'Anomalous');
    assert.deepEqual(made.flatMap((d) => d.alerts.posts), []);
  });

  it('keeps the anomalies on the status and names Alertmanager when alerts cannot be sent', async () => {
    const store = embeddedStore(dir, monitor());
    const stats = functionStatistics(values(40));
    let { status } = await runDays(40, 41, (now) => deps(store, now, stats));
    const d = deps(store, runAt(42), stats);
    d.alerts.fail = new AlertigerError('AlertmanagerUnavailable', 'Alertmanager at http://am:9093/api/v2/alerts did not accept the alerts');
    const result = await runMonitor(monitor(status), d);
    assert.equal(result.status.health, 'Anomalous');
    assert.equal(result.status.lastWindowEnd, new Date(day(42)).toISOString());
    assert.equal(result.status.lastSuccessfulRunTime, status?.lastSuccessfulRunTime);
    const cond = result.status.conditions.find((c) => c.type === 'LastRunSucceeded');
    assert.equal(cond?.status, 'False');
    assert.equal(cond?.reason, 'AlertmanagerUnavailable');
    status = { ...status, ...result.status };
    assert.ok(result.error instanceof AlertigerError);
  });

  it('writes the same points again when a window is recomputed', async () => {
    const store = embeddedStore(dir, monitor());
    const stats = functionStatistics(values());
    const { status } = await runDays(40, 40, (now) => deps(store, now, stats));
    const again = await runMonitor(monitor(status), deps(store, runAt(40), stats));
    assert.deepEqual(again.stored.map((w) => w.window.start.getTime()), [day(39)]);
    const history = await store.readHistory(new Date(day(0)), new Date(day(41)));
    assert.equal(history.find((s) => s.subject === 'age')?.times.length, 38);
  });

  it('rewrites only the label statistics of the stored windows inside the label horizon', async () => {
    const store = embeddedStore(dir, monitor());
    let coverage = 0.1;
    let age = 40;
    const stats = functionStatistics((t) => [
      { category: 'feature', subject: 'age', statistic: 'mean', value: age + wobble(t) },
      { category: 'label', subject: 'label', statistic: 'label_coverage', value: coverage },
    ]);
    const first = await runMonitor(monitor(), deps(store, runAt(40), stats));
    coverage = 0.3; // the late labels arrived
    age = 99; // a changed source must not rewrite stored feature statistics
    const second = await runMonitor(monitor({ ...first.status }), deps(store, runAt(41), stats));
    assert.deepEqual(stats.calls.map((c) => [c.length, (c[0].start.getTime() - t0) / DAY]), [[38, 2], [8, 33]], 'one read: 7 horizon windows and the new one');
    const history = await store.readHistory(new Date(day(0)), new Date(day(41)));
    const at = (statistic: string, n: number) => {
      const s = history.find((x) => x.statistic === statistic)!;
      return s.values[s.times.indexOf(day(n))];
    };
    assert.deepEqual([32, 33, 39, 40].map((n) => at('label_coverage', n)), [0.1, 0.3, 0.3, 0.3]);
    assert.equal(at('mean', 33), 40 + wobble(day(33)), 'feature statistics of the horizon stay as stored');
    assert.equal(at('mean', 40), 99 + wobble(day(40)));
    assert.equal(second.stored.length, 1);
  });
});

describe('readWindows', () => {
  const win = (d: number) => ({ start: new Date(d * DAY), end: new Date((d + 1) * DAY) });
  const recorder = () => functionStatistics(() => []);

  it('reads the label horizon and the new windows at once when they touch', async () => {
    const stats = recorder();
    const out = await readWindows([win(1), win(2)], [win(3)], (w) => stats.windows(w));
    assert.deepEqual(stats.calls.map((c) => c.length), [3]);
    assert.deepEqual(out.map((w) => w.window.start.getTime() / DAY), [1, 2, 3]);
  });

  it('reads them apart when missed windows lie between, so the gap is not read', async () => {
    const stats = recorder();
    const out = await readWindows([win(1)], [win(9)], (w) => stats.windows(w));
    assert.deepEqual(stats.calls.map((c) => c.map((w) => w.start.getTime() / DAY)), [[1], [9]]);
    assert.equal(out.length, 2);
  });
});

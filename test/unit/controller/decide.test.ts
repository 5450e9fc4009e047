import assert from 'node:assert/strict';
import type { ModelMonitor, ModelMonitorSpec, ModelMonitorStatus } from '../../../operator/src/api/types.js';
import { decide, decideIdentity, statusEvents, type DecideContext, type LiveChild, type Observed } from '../../../operator/src/controller/decide.js';
import { buildChildren, buildJobIdentity, fingerprint, hashOf } from '../../../operator/src/jobs/index.js';
import { operatorStatusHash } from '../../../operator/src/controller/status.js';
import { childrenInput } from '../jobs/fixtures.js';

const NOW = new Date('2026-11-20T10:00:00Z');
const ctx: DecideContext = { now: NOW, job: childrenInput().job, eventWindowMs: 3_600_000 };

function monitor(spec: Partial<ModelMonitorSpec> = {}, status?: ModelMonitorStatus, generation = 1): ModelMonitor {
  return {
    apiVersion: 'alertiger.io/v1alpha1',
    kind: 'ModelMonitor',
    metadata: { name: 'feed-ranker', namespace: 'ml-prod', uid: '6f1c2b9e-0000-4000-8000-000000000001', generation },
    spec: { model: { name: 'feed-ranker' }, source: { influx: { database: 'models', measurement: 'log' } }, ...spec },
    ...(status ? { status } : {}),
  };
}

/** The live children as the cache would show them after a pass over `m`. */
function liveHashes(m: ModelMonitor): Record<string, LiveChild> {
  const input = childrenInput({
    monitor: { name: m.metadata.name, namespace: m.metadata.namespace!, uid: m.metadata.uid! },
    spec: { schedule: m.spec.schedule ?? (m.spec.granularity === '1h' ? '5 * * * *' : '15 2 * * *'), suspend: m.spec.suspend ?? false, granularity: m.spec.granularity ?? '1d' },
  });
  return Object.fromEntries(buildChildren(input).map((o) => [o.kind, { hash: hashOf(o), fingerprint: fingerprint(o) }]));
}

function readyStatus(m: ModelMonitor, reason = 'Reconciled', message = 'CronJob feed-ranker-alertiger is up to date'): ModelMonitorStatus {
  const generation = m.metadata.generation ?? 0;
  return {
    observedGeneration: generation,
    cronJobName: 'feed-ranker-alertiger',
    conditions: [{ type: 'Ready', status: reason === 'Reconciled' ? 'True' : 'False', reason, message, lastTransitionTime: '2026-11-19T00:00:00.000Z', observedGeneration: generation }],
  };
}

function observed(m: ModelMonitor | undefined, children: Record<string, LiveChild> = {}, extra: Partial<Observed> = {}): Observed {
  return { key: 'ml-prod/feed-ranker', children, ...(m ? { monitor: m } : {}), ...extra };
}

describe('decide', () => {
  it('plans the CronJob and Ready=True, and no Event, for a new monitor', () => {
    const plan = decide(observed(monitor()), ctx);
    assert.equal(plan.outcome, 'synced');
    assert.deepEqual(plan.applies.map((o) => o.kind), ['CronJob']);
    const status = plan.status?.status as ModelMonitorStatus;
    assert.equal(status.observedGeneration, 1);
    assert.equal(status.cronJobName, 'feed-ranker-alertiger');
    assert.deepEqual(status.conditions?.map((c) => [c.type, c.status, c.reason, c.lastTransitionTime]), [['Ready', 'True', 'Reconciled', NOW.toISOString()]]);
    assert.deepEqual(plan.events, [], 'a creation is said by Ready=True, not by a third write');
  });

  it('plans nothing for a monitor whose children and status are up to date', () => {
    const m = monitor();
    const plan = decide(observed({ ...m, status: readyStatus(m) }, liveHashes(m)), ctx);
    assert.equal(plan.outcome, 'synced');
    assert.deepEqual(plan.applies, []);
    assert.equal(plan.status, undefined);
    assert.deepEqual(plan.events, []);
  });

  it('plans only the CronJob and a CronJobUpdated event when the schedule changes', () => {
    const old = monitor();
    const changed = monitor({ schedule: '0 4 * * *' }, readyStatus(old), 2);
    const plan = decide(observed(changed, liveHashes(old)), ctx);
    assert.deepEqual(plan.applies.map((o) => o.kind), ['CronJob']);
    assert.equal((plan.applies[0]!.spec as { schedule: string }).schedule, '0 4 * * *');
    assert.deepEqual(plan.events.map((e) => e.reason), ['CronJobUpdated']);
    assert.equal((plan.status?.status as ModelMonitorStatus).observedGeneration, 2);
  });

  it('puts right a CronJob edited behind its back (same hash, different fields)', () => {
    const m = monitor();
    const live = liveHashes(m);
    const plan = decide(observed({ ...m, status: readyStatus(m) }, { ...live, CronJob: { hash: live.CronJob!.hash, fingerprint: 'edited' } }), ctx);
    assert.deepEqual(plan.applies.map((o) => o.kind), ['CronJob']);
    assert.deepEqual(plan.events.map((e) => e.reason), ['CronJobUpdated']);
  });

  it('trusts its own recent write when only the hash is known', () => {
    const m = monitor();
    const live = liveHashes(m);
    const plan = decide(observed({ ...m, status: readyStatus(m) }, { ...live, CronJob: { hash: live.CronJob!.hash } }), ctx);
    assert.deepEqual(plan.applies, []);
  });

  it('carries suspend to the CronJob and says so on Ready', () => {
    const old = monitor();
    const plan = decide(observed(monitor({ suspend: true }, readyStatus(old), 2), liveHashes(old)), ctx);
    assert.equal((plan.applies[0]!.spec as { suspend: boolean }).suspend, true);
    assert.match((plan.status?.status as ModelMonitorStatus).conditions![0]!.message, /suspended/);
  });

  it('keeps lastTransitionTime when Ready stays True', () => {
    const old = monitor();
    const plan = decide(observed(monitor({ schedule: '0 4 * * *' }, readyStatus(old), 2), liveHashes(old)), ctx);
    assert.equal((plan.status?.status as ModelMonitorStatus).conditions![0]!.lastTransitionTime, '2026-11-19T00:00:00.000Z');
  });

  it('sets Ready=False naming the field, and plans no writes to children, for an invalid spec', () => {
    const m = monitor({ schedule: '50-10 * * * *' });
    const plan = decide(observed(m), ctx);
    assert.equal(plan.outcome, 'invalid');
    assert.deepEqual(plan.applies, []);
    const ready = (plan.status?.status as ModelMonitorStatus).conditions![0]!;
    assert.equal(ready.status, 'False');
    assert.equal(ready.reason, 'InvalidSpec');
    assert.match(ready.message, /spec\.schedule: .*50-10.*backwards/);
    assert.equal((plan.status?.status as ModelMonitorStatus).cronJobName, undefined);
    assert.deepEqual(plan.events.map((e) => [e.type, e.reason]), [['Warning', 'InvalidSpec']]);
  });

  it('leaves an existing CronJob alone when the spec turns invalid, and keeps naming it', () => {
    const old = monitor();
    const plan = decide(observed(monitor({ schedule: '50-10 * * * *' }, readyStatus(old), 2), liveHashes(old)), ctx);
    assert.deepEqual(plan.applies, []);
    assert.equal((plan.status?.status as ModelMonitorStatus).cronJobName, 'feed-ranker-alertiger');
  });

  it('does not rewrite an InvalidSpec status that already says so', () => {
    const m = monitor({ schedule: '50-10 * * * *' });
    const first = decide(observed(m), ctx);
    const again = decide(observed({ ...m, status: first.status!.status as ModelMonitorStatus }), ctx);
    assert.equal(again.status, undefined);
  });

  it('plans nothing for a monitor being deleted', () => {
    const m = monitor();
    m.metadata.deletionTimestamp = NOW.toISOString();
    assert.deepEqual(decide(observed(m), ctx), { outcome: 'deleting', applies: [], events: [] });
  });

  it('reports a monitor gone from the cache as deleted', () => {
    assert.equal(decide(observed(undefined), ctx).outcome, 'deleted');
  });

  it("references the configured Secret of the monitor's namespace, and plans no Secret", () => {
    const plan = decide(observed(monitor()), { ...ctx, job: { ...ctx.job, influxSecret: 'influx-creds' } });
    assert.deepEqual(plan.applies.map((o) => o.kind), ['CronJob']);
    assert.match(JSON.stringify(plan.applies[0]), /ALERTIGER_INFLUX_PASSWORD.*"name":"influx-creds"/);
  });

  it('passes a source credentials reference through to the job', () => {
    const plan = decide(observed(monitor({ source: { influx: { database: 'd', measurement: 'm', credentialsSecretRef: { name: 'src-creds' } } } })), ctx);
    const text = JSON.stringify(plan.applies.find((o) => o.kind === 'CronJob'));
    assert.match(text, /ALERTIGER_SOURCE_INFLUX_PASSWORD.*src-creds/);
  });

  it('trusts the observed status hash over the cached status (a write the cache has not seen)', () => {
    const m = monitor();
    const first = decide(observed(m, liveHashes(m)), ctx);
    assert.ok(first.status !== undefined, 'the stale cache alone asks for the write');
    const again = decide(observed(m, liveHashes(m), { statusHash: operatorStatusHash(first.desiredStatus) }), ctx);
    assert.equal(again.status, undefined, 'the memo of our own write suppresses it');
  });
});

describe('decideIdentity', () => {
  const live = (namespace: string): Record<string, LiveChild> =>
    Object.fromEntries(buildJobIdentity(namespace).map((o) => [o.kind, { hash: hashOf(o), fingerprint: fingerprint(o) }]));

  it('plans the ServiceAccount, Role and RoleBinding of a namespace with monitors, in that order', () => {
    const plan = decideIdentity('ml-prod', {}, true);
    assert.deepEqual(plan.applies.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`),
      ['ServiceAccount ml-prod/alertiger-job', 'Role ml-prod/alertiger-job', 'RoleBinding ml-prod/alertiger-job']);
    assert.deepEqual(plan.deletes, []);
  });

  it('plans nothing when it is in place, and only what was edited otherwise', () => {
    assert.deepEqual(decideIdentity('ml-prod', live('ml-prod'), true), { applies: [], deletes: [] });
    const edited = { ...live('ml-prod'), Role: { hash: live('ml-prod').Role!.hash, fingerprint: 'more rules' } };
    assert.deepEqual(decideIdentity('ml-prod', edited, true).applies.map((o) => o.kind), ['Role']);
  });

  it('deletes what exists of it once the namespace has no monitors', () => {
    const { Role: _role, ...rest } = live('ml-prod');
    assert.deepEqual(decideIdentity('ml-prod', rest, false), { applies: [], deletes: ['ServiceAccount', 'RoleBinding'] });
    assert.deepEqual(decideIdentity('ml-prod', {}, false), { applies: [], deletes: [] });
  });
});

describe('statusEvents', () => {
  const anomalous = (lastRunTime: string): ModelMonitorStatus => ({
    health: 'Anomalous', anomalyCount: 2, lastRunTime,
    anomalies: [
      { category: 'feature', subject: 'age', statistic: 'mean', start: '2026-11-19T00:00:00Z', severity: 2.4, score: 0.93, observed: 51, expected: 38.2, lower: 35, upper: 41.5 },
      { category: 'feature', subject: 'country', statistic: 'missing_rate', start: '2026-11-19T00:00:00Z', severity: 1.2, score: 0.5, observed: 0.3, expected: 0.01, lower: 0, upper: 0.02 },
    ],
  });

  it('raises AnomalyFound for a recent anomalous run, keyed by the open set', () => {
    const events = statusEvents(monitor({}, anomalous('2026-11-20T09:30:00Z')), ctx);
    assert.deepEqual(events.map((e) => [e.type, e.reason]), [['Warning', 'AnomalyFound']]);
    assert.match(events[0]!.message, /2 open anomalies; most severe: feature age mean = 51/);
    const later = statusEvents(monitor({}, anomalous('2026-11-20T09:50:00Z')), ctx);
    assert.equal(later[0]!.key, events[0]!.key, 'the same open anomalies are the same occurrence');
  });

  it('raises RunFailed once per failed run', () => {
    const status: ModelMonitorStatus = {
      health: 'Failed', lastRunTime: '2026-11-20T09:59:00Z',
      conditions: [{ type: 'LastRunSucceeded', status: 'False', reason: 'InfluxUnavailable', message: 'Run failed: InfluxDB at http://influx:8086 did not answer', lastTransitionTime: '2026-11-20T09:59:00Z' }],
    };
    const events = statusEvents(monitor({}, status), ctx);
    assert.deepEqual(events.map((e) => [e.reason, e.key]), [['RunFailed', '2026-11-20T09:59:00Z']]);
    assert.match(events[0]!.message, /InfluxDB/);
  });

  it('stays quiet about runs older than the event window and healthy runs', () => {
    assert.deepEqual(statusEvents(monitor({}, anomalous('2026-11-20T08:00:00Z')), ctx), []);
    assert.deepEqual(statusEvents(monitor({}, { health: 'Healthy', lastRunTime: '2026-11-20T09:59:00Z' }), ctx), []);
    assert.deepEqual(statusEvents(monitor(), ctx), []);
  });
});

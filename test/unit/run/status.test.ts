import assert from 'node:assert/strict';
import type { AnomalyStatus, ModelMonitorStatus } from '../../../operator/src/api/types.js';
import { AlertigerError } from '../../../operator/src/errors.js';
import { setCondition } from '../../../operator/src/api/conditions.js';
import { buildJobStatus, healthOf, rankAnomalies, type RunOutcome } from '../../../operator/src/run/status.js';

const now = new Date('2026-03-10T02:16:00Z');
const earlier = '2026-03-01T02:16:00.000Z';

function anomaly(subject: string, severity: number, over: Partial<AnomalyStatus> = {}): AnomalyStatus {
  return { category: 'feature', subject, statistic: 'mean', start: '2026-03-08T00:00:00.000Z', severity, score: 0.9, observed: 5, expected: 1, lower: 0, upper: 2, ...over };
}

function success(over: Partial<Extract<RunOutcome, { ok: true }>> = {}): RunOutcome {
  return {
    ok: true, anomalies: [], scoredSeries: 40, totalSeries: 40, windowsComputed: 1,
    windowEnd: new Date('2026-03-10T00:00:00Z'), historyWindows: 28, skippedWindows: 0, ...over,
  };
}

const healthyBefore: ModelMonitorStatus = {
  health: 'Healthy', anomalyCount: 0, anomalies: [], lastRunTime: earlier, lastSuccessfulRunTime: earlier,
  lastWindowEnd: '2026-03-09T00:00:00.000Z',
  conditions: [
    { type: 'Ready', status: 'True', reason: 'CronJobReady', message: '', lastTransitionTime: earlier },
    { type: 'Healthy', status: 'True', reason: 'NoAnomalies', message: '', lastTransitionTime: earlier },
    { type: 'LastRunSucceeded', status: 'True', reason: 'RunSucceeded', message: '', lastTransitionTime: earlier },
  ],
};

describe('buildJobStatus', () => {
  it('reports Anomalous with the most severe anomalies first', () => {
    const status = buildJobStatus({ previous: healthyBefore, outcome: success({ anomalies: [anomaly('a', 1.1), anomaly('b', 3.2), anomaly('c', 2)] }), now, generation: 4 });
    assert.equal(status.health, 'Anomalous');
    assert.equal(status.anomalyCount, 3);
    assert.deepEqual(status.anomalies.map((a) => a.subject), ['b', 'c', 'a']);
    const healthy = status.conditions.find((c) => c.type === 'Healthy');
    assert.equal(healthy?.status, 'False');
    assert.equal(healthy?.reason, 'AnomaliesFound');
    assert.equal(healthy?.lastTransitionTime, now.toISOString());
    assert.equal(healthy?.observedGeneration, 4);
    assert.match(healthy?.message ?? '', /3 open anomalies; most severe: feature b mean 5/);
  });

  it('keeps at most MAX_STATUS_ANOMALIES on the status but counts them all', () => {
    const many = Array.from({ length: 25 }, (_, i) => anomaly(`f${i}`, 1 + i / 10));
    const status = buildJobStatus({ previous: undefined, outcome: success({ anomalies: many }), now });
    assert.equal(status.anomalyCount, 25);
    assert.equal(status.anomalies.length, 20);
    assert.equal(status.anomalies[0].subject, 'f24');
  });

  it('advances lastWindowEnd and both run times on success', () => {
    const status = buildJobStatus({ previous: healthyBefore, outcome: success(), now });
    assert.equal(status.health, 'Healthy');
    assert.equal(status.lastWindowEnd, '2026-03-10T00:00:00.000Z');
    assert.equal(status.lastRunTime, now.toISOString());
    assert.equal(status.lastSuccessfulRunTime, now.toISOString());
  });

  it('keeps lastTransitionTime of a condition whose status did not change', () => {
    const status = buildJobStatus({ previous: healthyBefore, outcome: success(), now });
    assert.deepEqual(status.conditions.map((c) => [c.type, c.lastTransitionTime]), [['Healthy', earlier], ['LastRunSucceeded', earlier]]);
  });

  it('writes only the conditions the job owns', () => {
    const status = buildJobStatus({ previous: healthyBefore, outcome: success(), now });
    assert.deepEqual(status.conditions.map((c) => c.type), ['Healthy', 'LastRunSucceeded']);
  });

  it('reports Unknown when no series has enough history yet', () => {
    const status = buildJobStatus({ previous: undefined, outcome: success({ scoredSeries: 0, totalSeries: 40 }), now });
    assert.equal(status.health, 'Unknown');
    const healthy = status.conditions.find((c) => c.type === 'Healthy');
    assert.equal(healthy?.status, 'Unknown');
    assert.equal(healthy?.reason, 'NotEnoughHistory');
  });

  it('on failure reports Failed with the error code as reason and keeps the window marker and anomalies', () => {
    const before = { ...healthyBefore, health: 'Anomalous' as const, anomalyCount: 1, anomalies: [anomaly('a', 2)] };
    const error = new AlertigerError('InfluxUnavailable', 'InfluxDB at http://influx:8086 did not answer', { cause: new Error('ECONNREFUSED') });
    const status = buildJobStatus({ previous: before, outcome: { ok: false, error }, now });
    assert.equal(status.health, 'Failed');
    assert.equal(status.lastWindowEnd, '2026-03-09T00:00:00.000Z');
    assert.equal(status.lastSuccessfulRunTime, earlier);
    assert.equal(status.lastRunTime, now.toISOString());
    assert.deepEqual(status.anomalies.map((a) => a.subject), ['a']);
    const lastRun = status.conditions.find((c) => c.type === 'LastRunSucceeded');
    assert.equal(lastRun?.status, 'False');
    assert.equal(lastRun?.reason, 'InfluxUnavailable');
    assert.match(lastRun?.message ?? '', /did not answer: ECONNREFUSED/);
  });

  it('names an unexpected failure Internal', () => {
    const status = buildJobStatus({ previous: undefined, outcome: { ok: false, error: new TypeError('boom') }, now });
    assert.equal(status.conditions.find((c) => c.type === 'LastRunSucceeded')?.reason, 'Internal');
    assert.equal(status.lastWindowEnd, undefined);
  });

  it('mentions windows beyond the catch-up limit in the run condition', () => {
    const status = buildJobStatus({ previous: undefined, outcome: success({ skippedWindows: 12 }), now });
    assert.match(status.conditions[1].message, /12 older missed window/);
  });
});

describe('healthOf', () => {
  const cases: Array<[number, number, string]> = [[10, 0, 'Healthy'], [10, 2, 'Anomalous'], [0, 0, 'Unknown'], [0, 1, 'Anomalous']];
  for (const [scored, open, health] of cases) {
    it(`is ${health} with ${scored} scored series and ${open} open anomalies`, () => assert.equal(healthOf(scored, open), health));
  }
  const ofTotal: Array<[number, number, number, string]> = [[1, 161, 0, 'Unknown'], [80, 161, 0, 'Unknown'], [81, 161, 0, 'Healthy'], [1, 161, 1, 'Anomalous']];
  for (const [scored, total, open, health] of ofTotal) {
    it(`is ${health} with ${scored} of ${total} series scored and ${open} open anomalies`, () => assert.equal(healthOf(scored, open, total), health));
  }
});

describe('buildJobStatus with few series scored', () => {
  it('says how many series were scored of how many, and is not Healthy under half (sparse hourly traffic)', () => {
    const status = buildJobStatus({ previous: undefined, outcome: success({ scoredSeries: 1, totalSeries: 161 }), now });
    assert.equal(status.health, 'Unknown');
    assert.equal(status.scoredSeries, 1);
    assert.equal(status.totalSeries, 161);
    const healthy = status.conditions.find((c) => c.type === 'Healthy')!;
    assert.equal(healthy.reason, 'FewSeriesScored');
    assert.match(healthy.message, /Scored 1 of 161 series/);
  });
});

describe('rankAnomalies', () => {
  it('orders ties by category, subject and statistic so the status is stable', () => {
    const ranked = rankAnomalies([anomaly('b', 1), anomaly('a', 1), anomaly('z', 1, { category: 'score' })]);
    assert.deepEqual(ranked.map((a) => a.subject), ['a', 'b', 'z']);
  });
});

describe('setCondition', () => {
  it('sets a new transition time when the status changes', () => {
    const c = setCondition(healthyBefore.conditions ?? [], { type: 'Healthy', status: 'False', reason: 'AnomaliesFound', message: 'x' }, now);
    assert.equal(c.lastTransitionTime, now.toISOString());
    assert.equal(c.observedGeneration, undefined);
  });
});

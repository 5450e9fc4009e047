import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import type { AnomalyStatus, ModelMonitor, ModelMonitorStatus } from '../../../operator/src/api/types.js';
import { alertFor } from '../../../operator/src/alerting/payload.js';
import { silentLogger } from '../../../operator/src/log.js';
import {
  acceptWithFalseAlarms, anomalyId, countFeedback, episodeIds, episodesOf, falseAlarmKeys, feedbackOfRun, parseFeedbackAnnotations,
  resolveFeedback, withOpenAnomalies, type FeedbackRecord, type FeedbackStore,
} from '../../../operator/src/run/feedback.js';
import type { DetectionPoint, StatValue } from '../../../operator/src/run/ports.js';
import { runMonitor } from '../../../operator/src/run/run.js';
import { renderReport } from '../../../operator/src/report/index.js';
import { OperatorMetrics } from '../../../operator/src/server/metrics.js';
import { embeddedStore } from '../../../operator/src/store/embedded.js';
import { feedbackPoints, feedbackQuery, parseFeedback, toLineProtocol } from '../../../operator/src/store/schema.js';
import { sampleReport } from '../report/sample.js';
import { DAY, bandDetector, functionStatistics, recordingAlerts, recordingStatus, wobble } from './fakes.js';

const who = { namespace: 'ml-prod', monitor: 'feed-ranker' };
const HOUR = 3600_000;
const t0 = Date.parse('2026-03-01T00:00:00Z');
const iso = (t: number): string => new Date(t).toISOString();

function point(subject: string, time: number, anomaly = true): DetectionPoint {
  return { category: 'feature', subject, statistic: 'mean', time, observed: 1, baseline: 0, lower: -1, upper: 1, score: 0.9, severity: 1, anomaly };
}

function monitorWith(annotations: Record<string, string>, status?: ModelMonitorStatus): ModelMonitor {
  return {
    apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor',
    metadata: { name: who.monitor, namespace: who.namespace, annotations },
    spec: { model: { name: 'feed-ranker' }, source: { file: { path: 'x.jsonl' } } },
    ...(status !== undefined ? { status } : {}),
  };
}

describe('anomalyId', () => {
  it('is the first 10 hex characters of sha256 of namespace/monitor/category/subject/statistic/start', () => {
    const start = '2026-03-04T00:00:00.000Z';
    const expected = createHash('sha256').update(`ml-prod/feed-ranker/feature/age/mean/${start}`).digest('hex').slice(0, 10);
    assert.equal(anomalyId({ ...who, category: 'feature', subject: 'age', statistic: 'mean', start }), expected);
    assert.match(expected, /^[0-9a-f]{10}$/);
  });

  it('gives the same id for any spelling of the same start, and another for another start, series or monitor', () => {
    const base = { ...who, category: 'feature', subject: 'age', statistic: 'mean', start: '2026-03-04T00:00:00.000Z' };
    assert.equal(anomalyId({ ...base, start: '2026-03-04T00:00:00Z' }), anomalyId(base));
    const others = [{ ...base, start: '2026-03-05T00:00:00Z' }, { ...base, subject: 'tenure' }, { ...base, statistic: 'p99' }, { ...base, monitor: 'churn' }, { ...base, namespace: 'ml-dev' }];
    assert.equal(new Set([anomalyId(base), ...others.map(anomalyId)]).size, 6);
  });
});

describe('parseFeedbackAnnotations', () => {
  const cases: Array<{ name: string; annotations: Record<string, string>; labels?: Array<[string, string, string]>; rejected?: RegExp }> = [
    { name: 'reads incident', annotations: { 'feedback.alertiger.io/0123456789': 'incident' }, labels: [['0123456789', 'incident', '']] },
    { name: 'reads false-alarm with a note after the colon', annotations: { 'feedback.alertiger.io/abcdefabcd': 'false-alarm: planned backfill' }, labels: [['abcdefabcd', 'false-alarm', 'planned backfill']] },
    { name: 'takes the verdict in any case and the id lower-cased', annotations: { 'feedback.alertiger.io/ABCDEFABCD': ' Incident ' }, labels: [['abcdefabcd', 'incident', '']] },
    { name: 'ignores other annotations', annotations: { 'alertiger.io/accept': '*', 'kubectl.kubernetes.io/last-applied-configuration': '{}' }, labels: [] },
    { name: 'rejects an id that is not 10 hex characters, naming it', annotations: { 'feedback.alertiger.io/age-mean': 'incident' }, rejected: /"age-mean" is not an anomaly id/ },
    { name: 'rejects an unknown verdict, naming it and the two words', annotations: { 'feedback.alertiger.io/0123456789': 'maybe' }, rejected: /unknown verdict "maybe": use incident or false-alarm/ },
    { name: 'rejects a note over 200 characters', annotations: { 'feedback.alertiger.io/0123456789': `incident:${'x'.repeat(201)}` }, rejected: /note has 201 characters; at most 200/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const parsed = parseFeedbackAnnotations(c.annotations);
      if (c.labels !== undefined) {
        assert.deepEqual(parsed.labels.map((l) => [l.id, l.verdict, l.note]), c.labels);
        assert.deepEqual(parsed.rejected, []);
      }
      if (c.rejected !== undefined) {
        assert.equal(parsed.labels.length, 0);
        assert.equal(parsed.rejected.length, 1);
        assert.equal(parsed.rejected[0]!.annotation, Object.keys(c.annotations)[0]);
        assert.match(parsed.rejected[0]!.message, c.rejected);
      }
    });
  }
});

describe('episodesOf', () => {
  it('joins flagged windows up to maxGap unflagged windows apart into one episode, per series', () => {
    // age: hours 0,1,3 (one gap) then 7 (three windows later: a new episode); tenure: hour 2 only.
    const points = [point('age', t0), point('age', t0 + HOUR), point('age', t0 + 2 * HOUR, false), point('age', t0 + 3 * HOUR), point('age', t0 + 7 * HOUR), point('tenure', t0 + 2 * HOUR)];
    const episodes = episodesOf(points, HOUR, 1);
    assert.deepEqual(episodes.map((e) => [e.subject, iso(e.start), iso(e.end), e.flagged.length]), [
      ['age', iso(t0), iso(t0 + 3 * HOUR), 3],
      ['age', iso(t0 + 7 * HOUR), iso(t0 + 7 * HOUR), 1],
      ['tenure', iso(t0 + 2 * HOUR), iso(t0 + 2 * HOUR), 1],
    ]);
  });

  it('counts a statistic flagged in several segments as one episode (one alert), whose ids keep each segment\'s subject', () => {
    const points = [point('score[origin=BOS]', t0), point('score[origin=ORD]', t0), point('score[origin=BOS]', t0 + HOUR), point('score', t0 + HOUR)];
    const episodes = episodesOf(points, HOUR, 1);
    assert.deepEqual(episodes.map((e) => [e.subject, iso(e.start), iso(e.end), e.flagged.length]), [['score', iso(t0), iso(t0 + HOUR), 4]]);
    const id = anomalyId({ ...who, category: 'feature', subject: 'score[origin=ORD]', statistic: 'mean', start: iso(t0) });
    const resolved = resolveFeedback({ who, labels: [{ annotation: 'a', id, verdict: 'incident', note: '' }], ids: episodeIds(who, episodes), stored: [], lookbackDays: 90 });
    assert.deepEqual(resolved.toWrite.map((r) => [r.subject, r.anomalyStart]), [['score[origin=ORD]', iso(t0)]]);
  });

  it('adds an open anomaly no stored episode covers, and not one it covers', () => {
    const episodes = episodesOf([point('age', t0), point('age', t0 + HOUR)], HOUR, 1);
    const open = [
      { category: 'feature' as const, subject: 'age', statistic: 'mean', start: iso(t0 + HOUR) },
      { category: 'feature' as const, subject: 'clicks', statistic: 'mean', start: iso(t0 + 5 * HOUR) },
    ];
    const all = withOpenAnomalies(episodes, open, t0 + 6 * HOUR);
    assert.deepEqual(all.map((e) => [e.subject, iso(e.start)]), [['age', iso(t0)], ['clicks', iso(t0 + 5 * HOUR)]]);
  });
});

describe('resolveFeedback and countFeedback', () => {
  const now = t0 + 100 * DAY;
  // Three episodes: age started 10 days ago (3 flagged days), tenure 20 days ago, clicks 60 days ago.
  const points = [
    point('age', now - 10 * DAY), point('age', now - 9 * DAY), point('age', now - 8 * DAY),
    point('tenure', now - 20 * DAY), point('clicks', now - 60 * DAY),
  ];
  const episodes = episodesOf(points, DAY, 1);
  const ids = episodeIds(who, episodes);
  const id = (subject: string, t: number): string => anomalyId({ ...who, category: 'feature', subject, statistic: 'mean', start: iso(t) });

  it('matches an id made from any flagged window of an episode (its start moved back since) and rejects an unknown one by name', () => {
    const labels = [
      { annotation: 'a', id: id('age', now - 9 * DAY), verdict: 'incident' as const, note: '' },
      { annotation: 'b', id: id('tenure', now - 20 * DAY), verdict: 'false-alarm' as const, note: 'backfill' },
      { annotation: 'feedback.alertiger.io/ffffffffff', id: 'ffffffffff', verdict: 'incident' as const, note: '' },
    ];
    const resolved = resolveFeedback({ who, labels, ids, stored: [], lookbackDays: 90 });
    assert.deepEqual(resolved.toWrite.map((r) => [r.subject, r.verdict, r.note, r.anomalyStart]), [
      ['age', 'incident', '', iso(now - 9 * DAY)],
      ['tenure', 'false-alarm', 'backfill', iso(now - 20 * DAY)],
    ]);
    assert.deepEqual(resolved.rejected, [{ annotation: 'feedback.alertiger.io/ffffffffff', message: 'no anomaly has id ffffffffff (none open, none stored in the last 90 days)' }]);
    // Stored already, unchanged: nothing to write again; a changed verdict is written.
    const again = resolveFeedback({ who, labels: labels.slice(0, 2), ids, stored: resolved.toWrite, lookbackDays: 90 });
    assert.deepEqual(again.toWrite, []);
    const changed = resolveFeedback({ who, labels: [{ ...labels[0]!, verdict: 'false-alarm' }], ids, stored: resolved.toWrite, lookbackDays: 90 });
    assert.deepEqual(changed.toWrite.map((r) => r.verdict), ['false-alarm']);
  });

  it('keeps an id known only from a stored verdict (its episode is older than the episodes read)', () => {
    const old: FeedbackRecord = { ...who, category: 'feature', subject: 'gone', statistic: 'mean', id: '0123456789', verdict: 'incident', note: '', anomalyStart: iso(now - 200 * DAY) };
    const resolved = resolveFeedback({ who, labels: [{ annotation: 'x', id: '0123456789', verdict: 'incident', note: '' }], ids, stored: [old], lookbackDays: 90 });
    assert.deepEqual(resolved.rejected, []);
    assert.deepEqual(resolved.toWrite, []);
    assert.equal(resolved.matched.length, 1);
  });

  it('counts incidents, false alarms and unlabelled episodes by anomaly start, with precision', () => {
    const record = (subject: string, t: number, verdict: FeedbackRecord['verdict']): FeedbackRecord =>
      ({ ...who, category: 'feature', subject, statistic: 'mean', id: id(subject, t), verdict, note: '', anomalyStart: iso(t) });
    const records = [record('age', now - 9 * DAY, 'incident'), record('tenure', now - 20 * DAY, 'false-alarm')];
    assert.deepEqual(countFeedback({ episodes, ids, records, now, days: 30 }), { incidents: 1, falseAlarms: 1, unlabelled: 0, precision: 0.5 });
    assert.deepEqual(countFeedback({ episodes, ids, records, now, days: 90 }), { incidents: 1, falseAlarms: 1, unlabelled: 1, precision: 0.5 });
    assert.deepEqual(countFeedback({ episodes, ids, records: [], now, days: 30 }), { incidents: 0, falseAlarms: 0, unlabelled: 2 }, 'no precision without feedback');
    // Two verdicts on one episode count once, the incident winning.
    const both = [...records, record('age', now - 10 * DAY, 'false-alarm')];
    assert.deepEqual(countFeedback({ episodes, ids, records: both, now, days: 30 }), { incidents: 1, falseAlarms: 1, unlabelled: 0, precision: 0.5 });
    const threeToOne = [...records, record('clicks', now - 60 * DAY, 'incident')];
    assert.deepEqual(countFeedback({ episodes, ids, records: threeToOne, now, days: 90 }), { incidents: 2, falseAlarms: 1, unlabelled: 0, precision: 0.6667 });
  });
});

describe('falseAlarmKeys', () => {
  it('names the open anomalies a false-alarm annotation marks, for the accept rule', () => {
    const open: AnomalyStatus[] = ['age', 'tenure', 'clicks'].map((subject) => ({
      category: 'feature', subject, statistic: 'mean', start: iso(t0), severity: 2, score: 0.9, observed: 1, expected: 0, lower: -1, upper: 1,
    }));
    const id = (subject: string): string => anomalyId({ ...who, category: 'feature', subject, statistic: 'mean', start: iso(t0) });
    const m = monitorWith({ [`feedback.alertiger.io/${id('age')}`]: 'false-alarm', [`feedback.alertiger.io/${id('tenure')}`]: 'incident' });
    assert.deepEqual(falseAlarmKeys(m, open), ['feature/age/mean']);
    assert.equal(acceptWithFalseAlarms(undefined, ['feature/age/mean']), 'feature/age/mean');
    assert.equal(acceptWithFalseAlarms('score/score/mean', ['feature/age/mean']), 'score/score/mean,feature/age/mean');
    assert.equal(acceptWithFalseAlarms('*', []), '*');
  });
});

describe('feedback points (alertiger_feedback)', () => {
  it('are tagged by monitor, series and id at the anomaly start, and read back as written', () => {
    const record: FeedbackRecord = { ...who, category: 'feature', subject: 'age', statistic: 'mean', id: '0123456789', verdict: 'false-alarm', note: 'planned "backfill"', anomalyStart: '2026-03-04T00:00:00.000Z' };
    assert.equal(toLineProtocol(feedbackPoints([record])),
      'alertiger_feedback,category=feature,id=0123456789,monitor=feed-ranker,namespace=ml-prod,statistic=mean,subject=age ' +
      'verdict="false-alarm",note="planned \\"backfill\\"",anomaly_start="2026-03-04T00:00:00.000Z" 1772582400000\n');
    const raw = { results: [{ series: [{ name: 'alertiger_feedback', tags: { namespace: 'ml-prod', monitor: 'feed-ranker', category: 'feature', subject: 'age', statistic: 'mean', id: '0123456789' },
      columns: ['time', 'verdict', 'note', 'anomaly_start'], values: [[1772582400000, 'false-alarm', 'planned "backfill"', '2026-03-04T00:00:00.000Z']] }] }] };
    assert.deepEqual(parseFeedback(raw), [record]);
    assert.equal(feedbackQuery({ namespace: 'ml-prod', sinceMs: 5 }),
      'SELECT "verdict", "note", "anomaly_start" FROM "alertiger_feedback" WHERE "namespace" = \'ml-prod\' AND time >= 5ms GROUP BY "namespace", "monitor", "category", "subject", "statistic", "id"');
  });
});

describe('feedbackOfRun', () => {
  it('stores matched verdicts, reports unknown ids by name and counts precision', async () => {
    const now = t0 + 40 * DAY;
    const written: FeedbackRecord[][] = [];
    const flagged = [point('age', now - 3 * DAY), point('tenure', now - 5 * DAY)];
    const store: FeedbackStore = {
      readFeedback: async () => [],
      writeFeedback: async (r) => void written.push(r),
      readAnomalousDetections: async () => flagged,
    };
    const id = (subject: string, t: number): string => anomalyId({ ...who, category: 'feature', subject, statistic: 'mean', start: iso(t) });
    const monitor = monitorWith({
      [`feedback.alertiger.io/${id('age', now - 3 * DAY)}`]: 'incident',
      [`feedback.alertiger.io/${id('tenure', now - 5 * DAY)}`]: 'false-alarm:known',
      'feedback.alertiger.io/abcabcabca': 'incident',
    });
    const { status } = await feedbackOfRun({ monitor, open: [], store, now: new Date(now), stepMs: DAY, maxGap: 1 });
    assert.equal(written.length, 1);
    assert.deepEqual(written[0]!.map((r) => [r.subject, r.verdict, r.note]).sort(), [['age', 'incident', ''], ['tenure', 'false-alarm', 'known']]);
    assert.deepEqual(status.last30d, { incidents: 1, falseAlarms: 1, unlabelled: 0, precision: 0.5 });
    assert.deepEqual(status.rejected, [{ annotation: 'feedback.alertiger.io/abcabcabca', message: 'no anomaly has id abcabcabca (none open, none stored in the last 90 days)' }]);
  });
});

describe('a run with feedback (embedded store)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'alertiger-feedback-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const day = (n: number): number => t0 + n * DAY;
  const runAt = (n: number): Date => new Date(day(n) + 2 * HOUR);
  /** age's and tenure's means jump from day 35; six other features stay. */
  const values = (t: number): StatValue[] => [
    { category: 'feature', subject: 'age', statistic: 'mean', value: (t >= day(35) ? 60 : 40) + wobble(t) },
    { category: 'feature', subject: 'tenure', statistic: 'mean', value: (t >= day(35) ? 500 : 300) + wobble(t) },
    // Enough steady features that two moving ones stay two anomalies (under maxConcurrentFraction).
    ...['clicks', 'visits', 'spend', 'items', 'pages', 'days'].map((subject, i) => ({ category: 'feature' as const, subject, statistic: 'mean', value: 3 + i + wobble(t) })),
  ];

  it('puts ids on anomalies and alerts, accepts a false alarm as the new normal and keeps an incident open', async () => {
    const base = monitorWith({});
    const store = embeddedStore(dir, base);
    const run = (m: ModelMonitor, n: number): ReturnType<typeof runMonitor> => runMonitor(m, {
      statistics: functionStatistics(values), store, feedback: store, detector: bandDetector, status: recordingStatus(), alerts: recordingAlerts(),
      clock: () => runAt(n), logger: silentLogger, alertmanagerUrl: 'http://am:9093', sleep: async () => undefined,
    });
    const first = await run(base, 37);
    const open = first.status.anomalies;
    assert.deepEqual(open.map((a) => a.subject).sort(), ['age', 'tenure'], JSON.stringify(open));
    for (const a of open) assert.equal(a.id, anomalyId({ ...who, category: a.category, subject: a.subject, statistic: a.statistic, start: a.start }));
    const alert = first.alerts.firing.find((a) => a.labels.subject === 'age')!;
    const age = open.find((a) => a.subject === 'age')!;
    const tenure = open.find((a) => a.subject === 'tenure')!;
    assert.equal(alert.annotations.feedback_false_alarm, `kubectl -n ml-prod annotate --overwrite modelmonitor feed-ranker feedback.alertiger.io/${age.id}=false-alarm`);
    assert.deepEqual(first.status.feedback, { last30d: { incidents: 0, falseAlarms: 0, unlabelled: 2 }, last90d: { incidents: 0, falseAlarms: 0, unlabelled: 2 } });

    const annotated = monitorWith({ [`feedback.alertiger.io/${age.id}`]: 'false-alarm', [`feedback.alertiger.io/${tenure.id}`]: 'incident' }, first.status);
    const second = await run(annotated, 38);
    assert.deepEqual(second.status.accepted?.map((a) => a.key), ['feature/age/mean'], 'the false alarm is accepted as the new normal');
    assert.deepEqual(second.status.feedback?.last30d, { incidents: 1, falseAlarms: 1, unlabelled: 0, precision: 0.5 });
    assert.deepEqual((await store.readFeedback()).map((r) => [r.id, r.verdict]).sort(), [[age.id, 'false-alarm'], [tenure.id, 'incident']].sort());
    assert.ok(second.status.anomalies.some((a) => a.subject === 'tenure'), 'the incident stays open');
    assert.ok(!second.status.anomalies.some((a) => a.subject === 'age'), `the false alarm closes: ${JSON.stringify(second.status.anomalies)}`);
    // The operator's re-send builds the same annotations from the status.
    assert.deepEqual(alertFor(annotated, { ...tenure }, { now: runAt(38), endsAfterMs: 1 }).annotations.anomaly_id, tenure.id);
  });
});

describe('OperatorMetrics feedback gauges', () => {
  it('export precision and counts per window, and the rejected annotations, from the cached status', async () => {
    const registry = new Registry();
    const m = monitorWith({}, {
      feedback: {
        last30d: { incidents: 1, falseAlarms: 1, unlabelled: 2, precision: 0.5 },
        last90d: { incidents: 3, falseAlarms: 1, unlabelled: 4, precision: 0.75 },
        rejected: [{ annotation: 'feedback.alertiger.io/x', message: 'm' }],
      },
    });
    new OperatorMetrics(registry).trackMonitors(() => [m, monitorWith({})]);
    const text = await registry.metrics();
    assert.match(text, /^alertiger_alert_precision\{namespace="ml-prod",monitor="feed-ranker",window="30d"\} 0\.5$/m);
    assert.match(text, /^alertiger_alert_precision\{namespace="ml-prod",monitor="feed-ranker",window="90d"\} 0\.75$/m);
    assert.match(text, /^alertiger_alert_feedback\{namespace="ml-prod",monitor="feed-ranker",window="30d",verdict="false_alarm"\} 1$/m);
    assert.match(text, /^alertiger_alert_feedback\{namespace="ml-prod",monitor="feed-ranker",window="90d",verdict="unlabelled"\} 4$/m);
    assert.match(text, /^alertiger_feedback_rejected\{namespace="ml-prod",monitor="feed-ranker"\} 1$/m);
    assert.equal(text.match(/^alertiger_alert_precision\{/gm)?.length, 2, 'a monitor without feedback has no precision series');
  });
});

describe('the report page', () => {
  it('shows each anomaly\'s id and the command that marks it, inside its section, escaped', () => {
    const data = sampleReport();
    data.anomalies = data.anomalies.map((a, i) => ({ ...a, id: i === 0 ? '0123456789' : undefined }));
    const html = renderReport(data);
    const command = `kubectl -n ${data.monitor.namespace} annotate --overwrite modelmonitor ${data.monitor.name} feedback.alertiger.io/0123456789=incident`;
    assert.match(html, new RegExp(`<p class="feedback">Id <code>0123456789</code>\\. Was it an incident\\? <code>${command.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</code>[^\\n]*</p>\\n</section>`));
    assert.equal(html.match(/class="feedback"/g)?.length, 1, 'only the anomaly with an id');
    assert.equal(renderReport(sampleReport()).includes('class="feedback"'), false);
  });
});

import assert from 'node:assert/strict';
import type { AnomalyStatus, ModelMonitor } from '../../../operator/src/api/types.js';
import {
  alertsForStatus, anomalyKey, resolvedAlerts, severityLevel,
} from '../../../operator/src/alerting/payload.js';
import { assertGolden } from '../../harness/golden.js';

const now = new Date('2026-11-21T02:15:00Z');
const reportUrl = 'https://alertiger.example/monitors/ml-prod/feed-ranker';

function anomaly(over: Partial<AnomalyStatus> = {}): AnomalyStatus {
  return {
    category: 'feature', subject: 'age', statistic: 'mean', start: '2026-11-19T00:00:00Z',
    severity: 2.4, score: 0.93, observed: 51, expected: 38.2, lower: 35, upper: 41.5, ...over,
  };
}

function monitor(anomalies: AnomalyStatus[], over: Partial<ModelMonitor['spec']> = {}): ModelMonitor {
  return {
    apiVersion: 'alertiger.io/v1alpha1',
    kind: 'ModelMonitor',
    metadata: { name: 'feed-ranker', namespace: 'ml-prod' },
    spec: {
      model: { name: 'feed-ranker', version: '2026-11-20' },
      source: { file: { path: '/data/*.jsonl' } },
      alerting: { labels: { team: 'feed' }, annotations: { runbook_url: 'https://runbooks.example/feed' } },
      ...over,
    },
    status: { health: 'Anomalous', anomalyCount: anomalies.length, anomalies },
  };
}

const options = { now, endsAfterMs: 26 * 3600_000, reportUrl };

describe('alertsForStatus', () => {
  it('builds one alert per anomaly with the labels and annotations of docs/design.md §7', () => {
    const alerts = alertsForStatus(monitor([
      anomaly(),
      anomaly({ subject: 'country', statistic: 'missing_rate', severity: 1.2, observed: 0.31, expected: 0.02, lower: 0.01, upper: 0.03 }),
      anomaly({
        category: 'model', subject: 'feed-ranker', statistic: 'anomalous_feature_share', severity: 3.1, observed: 0.625, expected: 0, lower: 0, upper: 0.3,
        members: [
          { subject: 'country', statistic: 'unseen_share', severity: 3.1, observed: 0.5, expected: 0 },
          { subject: 'age', statistic: 'mean', severity: 2.2, observed: 51, expected: 38.2 },
          { subject: 'income', statistic: 'missing_rate', severity: 1.4, observed: 0.4, expected: 0.01 },
          { subject: 'device', statistic: 'drift', severity: 1.1, observed: 0.3, expected: 0.02 },
        ],
      }),
      anomaly({ category: 'score', subject: 'score', statistic: 'p50', severity: 1.05, observed: 1.5e-5, expected: 0.2, lower: 0.1, upper: 0.3 }),
    ]), options);
    assertGolden('alerting/alerts-for-status.json', alerts);
  });

  it('sets endsAt past the next run and startsAt at the anomaly start', () => {
    const [alert] = alertsForStatus(monitor([anomaly()]), options);
    assert.equal(alert.startsAt, '2026-11-19T00:00:00Z');
    assert.equal(alert.endsAt, '2026-11-22T04:15:00.000Z');
  });

  it('names a model-level anomaly ModelInputShift and others ModelHealthAnomaly', () => {
    const alerts = alertsForStatus(monitor([anomaly({ category: 'model', subject: 'features' }), anomaly()]), options);
    assert.deepEqual(alerts.map((a) => a.labels.alertname), ['ModelInputShift', 'ModelHealthAnomaly']);
  });

  it('sends nothing in Shadow mode', () => {
    assert.deepEqual(alertsForStatus(monitor([anomaly()], { mode: 'Shadow' }), options), []);
  });

  it('keeps identity labels when spec labels try to override them', () => {
    const m = monitor([anomaly()], { alerting: { labels: { severity: 'info', monitor: 'x', team: 'feed', empty: '' } } });
    const [alert] = alertsForStatus(m, options);
    assert.equal(alert.labels.severity, 'critical');
    assert.equal(alert.labels.monitor, 'feed-ranker');
    assert.equal(alert.labels.team, 'feed');
    assert.equal('empty' in alert.labels, false);
  });

  it('leaves model_version out when the model has no version', () => {
    const [alert] = alertsForStatus(monitor([anomaly()], { model: { name: 'feed-ranker' } }), options);
    assert.equal('model_version' in alert.labels, false);
  });

  it('keeps labels identical across runs so Alertmanager dedupes re-sends', () => {
    const first = alertsForStatus(monitor([anomaly()]), options);
    const later = alertsForStatus(monitor([anomaly({ observed: 55, score: 0.99 })]), { ...options, now: new Date('2026-11-22T02:15:00Z') });
    assert.deepEqual(later[0].labels, first[0].labels);
  });

  it('sends one alert per (category, subject, statistic), the first (most severe) one', () => {
    const alerts = alertsForStatus(monitor([anomaly({ severity: 3 }), anomaly({ severity: 1, start: '2026-11-20T00:00:00Z' })]), options);
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0].startsAt, '2026-11-19T00:00:00Z');
  });

  it('omits report_url and generatorURL when there is no report URL', () => {
    const [alert] = alertsForStatus(monitor([anomaly()]), { now, endsAfterMs: 1000 });
    assert.equal(alert.generatorURL, undefined);
    assert.equal(alert.annotations.report_url, undefined);
  });
});

describe('resolvedAlerts', () => {
  it('resolves the alerts of anomalies that ended, with endsAt now', () => {
    const before = alertsForStatus(monitor([anomaly(), anomaly({ subject: 'country' })]), options);
    const after = alertsForStatus(monitor([anomaly({ subject: 'country' })]), options);
    const later = new Date('2026-11-22T02:15:00Z');
    const resolved = resolvedAlerts(before, after, later);
    assert.equal(resolved.length, 1);
    assert.equal(resolved[0].labels.subject, 'age');
    assert.equal(resolved[0].endsAt, later.toISOString());
    assertGolden('alerting/resolved.json', resolved);
  });

  it('resolves nothing when every anomaly is still open', () => {
    const alerts = alertsForStatus(monitor([anomaly()]), options);
    assert.deepEqual(resolvedAlerts(alerts, alerts, now), []);
  });
});

describe('severityLevel', () => {
  const cases: Array<[number, string]> = [[0.5, 'warning'], [1.99, 'warning'], [2, 'critical'], [7, 'critical']];
  for (const [severity, level] of cases) {
    it(`calls severity ${severity} ${level}`, () => assert.equal(severityLevel(severity), level));
  }
});

describe('anomalyKey', () => {
  it('tells apart the same statistic on different subjects', () => {
    assert.notEqual(anomalyKey(anomaly()), anomalyKey(anomaly({ subject: 'country' })));
  });
});

import assert from 'node:assert/strict';
import type { AnomalyStatus, ModelMonitor } from '../../../operator/src/api/types.js';
import { alertsForStatus, postAlerts, resolvedAlerts } from '../../../operator/src/alerting/index.js';
import { realServers, type WebhookNotification } from '../../harness/index.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function monitorWith(namespace: string, anomalies: AnomalyStatus[]): ModelMonitor {
  return {
    apiVersion: 'alertiger.io/v1alpha1',
    kind: 'ModelMonitor',
    metadata: { name: 'feed-ranker', namespace },
    spec: {
      model: { name: 'feed-ranker', version: 'v7' },
      source: { file: { path: '/data/*.jsonl' } },
      alerting: { labels: { team: 'feed' }, annotations: { runbook_url: 'https://runbooks.example/feed' } },
    },
    status: { health: 'Anomalous', anomalyCount: anomalies.length, anomalies },
  };
}

const ageMean: AnomalyStatus = {
  category: 'feature', subject: 'age', statistic: 'mean', start: new Date(Date.now() - 86_400_000).toISOString(),
  severity: 2.4, score: 0.93, observed: 51, expected: 38.2, lower: 35, upper: 41.5,
};

describe('Alertmanager delivery (real Alertmanager)', () => {
  it('delivers a posted alert grouped by monitor, does not notify twice on re-send, and resolves it', async () => {
    const { alertmanager } = await realServers();
    const ns = `alerting-${Date.now()}`;
    const mine = (n: WebhookNotification): boolean => n.groupLabels.namespace === ns;
    const reportUrl = `http://alertiger.example/monitors/${ns}/feed-ranker`;
    const firing = alertsForStatus(monitorWith(ns, [ageMean]), { now: new Date(), endsAfterMs: 3600_000, reportUrl });
    await postAlerts(alertmanager.url, firing);

    const notified = await alertmanager.webhook.waitFor((n) => mine(n) && n.status === 'firing');
    assert.deepEqual(notified.groupLabels, { namespace: ns, monitor: 'feed-ranker' });
    assert.equal(notified.alerts.length, 1);
    assert.deepEqual(notified.alerts[0].labels, {
      alertname: 'ModelHealthAnomaly', severity: 'critical', namespace: ns, monitor: 'feed-ranker', model: 'feed-ranker',
      model_version: 'v7', category: 'feature', subject: 'age', statistic: 'mean', team: 'feed',
    });
    assert.equal(notified.alerts[0].annotations.report_url, reportUrl);
    assert.equal(notified.alerts[0].annotations.runbook_url, 'https://runbooks.example/feed');
    assert.match(notified.alerts[0].annotations.summary, /age: mean is 51, expected 38\.2/);
    assert.match(notified.alerts[0].annotations.description, /within \[35, 41\.5\]/);

    // The same alert again (as the next run or the operator's re-send posts it): no new page.
    const again = alertsForStatus(monitorWith(ns, [{ ...ageMean, observed: 52 }]), { now: new Date(), endsAfterMs: 3600_000, reportUrl });
    await postAlerts(alertmanager.url, again);
    await sleep(5_000); // past group_wait (1 s) and two group_interval (2 s) ticks of the harness's route
    assert.equal(alertmanager.webhook.received.filter(mine).length, 1, 'a re-sent alert paged again');

    // The anomaly ended: the next run resolves it.
    const resolved = resolvedAlerts(again, alertsForStatus(monitorWith(ns, []), { now: new Date(), endsAfterMs: 3600_000 }), new Date());
    assert.equal(resolved.length, 1);
    await postAlerts(alertmanager.url, resolved);
    const done = await alertmanager.webhook.waitFor((n) => mine(n) && n.status === 'resolved');
    assert.equal(done.alerts[0].status, 'resolved');
    assert.equal(done.alerts[0].labels.subject, 'age');
  });

  it('delivers a model-level input shift as ModelInputShift', async () => {
    const { alertmanager } = await realServers();
    const ns = `alerting-shift-${Date.now()}`;
    const shift: AnomalyStatus = { ...ageMean, category: 'model', subject: 'features', statistic: 'missing_rate', severity: 1.1 };
    await postAlerts(alertmanager.url, alertsForStatus(monitorWith(ns, [shift]), { now: new Date(), endsAfterMs: 3600_000 }));
    const n = await alertmanager.webhook.waitFor((x) => x.groupLabels.namespace === ns);
    assert.equal(n.alerts[0].labels.alertname, 'ModelInputShift');
    assert.equal(n.alerts[0].labels.severity, 'warning');
  });
});

/**
 * Deleting a ModelMonitor: garbage collection (the real kube-controller-manager) removes every
 * child through the owner references, and the operator resolves the monitor's open alerts in
 * the real Alertmanager. Also: the operator re-sends open anomalies on its interval.
 */
import assert from 'node:assert/strict';
import {
  applyMonitor, getJson, getMonitor, kubectlOk, newNamespace, readyOf, servers, startTestOperator, testConfig, waitFor, type TestOperator,
} from './helpers.js';

interface AmAlert {
  labels: Record<string, string>;
  endsAt: string;
  status: { state: string };
}

describe('operator on monitor deletion, with the real Alertmanager', function () {
  this.timeout(180_000);
  let ns: string;
  let op: TestOperator;
  let alertmanager: string;

  before(async () => {
    const env = await servers();
    alertmanager = env.alertmanager.url;
    await env.kube.startControllerManager();
    ns = await newNamespace('op-delete');
    op = await startTestOperator(testConfig([ns], { ALERTIGER_RESEND_INTERVAL: '1s' }), 'delete-a');
  });

  after(async () => {
    await op?.running.stop();
  });

  async function alertsOf(monitor: string): Promise<AmAlert[]> {
    const res = await fetch(`${alertmanager}/api/v2/alerts?filter=${encodeURIComponent(`monitor="${monitor}"`)}&filter=${encodeURIComponent(`namespace="${ns}"`)}`);
    return (await res.json()) as AmAlert[];
  }

  it('re-sends open anomalies, and on deletion removes the children and resolves the alerts', async () => {
    await applyMonitor(ns, 'churn');
    await waitFor('Ready', async () => (readyOf(await getMonitor(ns, 'churn'))?.status === 'True' ? true : undefined));
    // What a run writes (field manager alertiger-job): one open anomaly.
    const now = new Date().toISOString();
    const status = {
      apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', metadata: { name: 'churn', namespace: ns },
      status: {
        health: 'Anomalous', anomalyCount: 1, lastRunTime: now,
        anomalies: [{ category: 'feature', subject: 'age', statistic: 'mean', start: now, severity: 2.5, score: 0.9, observed: 51, expected: 38, lower: 35, upper: 41 }],
      },
    };
    await kubectlOk(['apply', '--server-side', '--field-manager=alertiger-job', '--subresource=status', '-f', '-'], { input: JSON.stringify(status) });
    const firing = await waitFor('the re-sent alert in Alertmanager', async () => {
      const alerts = (await alertsOf('churn')).filter((a) => a.status.state === 'active');
      return alerts.length === 1 ? alerts[0] : undefined;
    });
    assert.equal(firing.labels.alertname, 'ModelHealthAnomaly');
    assert.equal(firing.labels.subject, 'age');
    // The operator saw the status change: an AnomalyFound event, and its own fields intact.
    await waitFor('an AnomalyFound event', async () => {
      const events = await getJson<{ items: { reason: string }[] }>(['-n', ns, 'get', 'events']);
      return events.items.some((e) => e.reason === 'AnomalyFound') ? true : undefined;
    });
    const monitor = await getMonitor(ns, 'churn');
    assert.equal(readyOf(monitor)?.status, 'True');
    assert.equal(monitor.status?.health, 'Anomalous');

    await kubectlOk(['-n', ns, 'delete', 'modelmonitor', 'churn', '--wait=false']);
    await waitFor('the alert resolved', async () => {
      const alerts = await alertsOf('churn');
      return alerts.every((a) => a.status.state !== 'active' || Date.parse(a.endsAt) <= Date.now()) ? true : undefined;
    });
    await waitFor('garbage collection of every child', async () => {
      for (const kind of ['cronjobs', 'serviceaccounts', 'roles', 'rolebindings']) {
        const list = await getJson<{ items: unknown[] }>(['-n', ns, 'get', kind, '-l', 'app.kubernetes.io/managed-by=alertiger-operator']);
        if (list.items.length > 0) return undefined;
      }
      return true;
    }, 60_000, 500);
  });
});

import assert from 'node:assert/strict';
import { realServers } from '../../harness/index.js';

describe('test harness', () => {
  it('runs a real kube-apiserver that kubectl reaches as admin', async () => {
    const { kube } = await realServers();
    const result = await kube.kubectl(['get', 'namespace', 'default', '-o', 'jsonpath={.metadata.name}']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'default');
  });

  it('enforces RBAC: a service account with no roles is refused', async () => {
    const { kube } = await realServers();
    const ns = `harness-${Date.now()}`;
    assert.equal((await kube.kubectl(['create', 'namespace', ns])).code, 0);
    assert.equal((await kube.kubectl(['-n', ns, 'create', 'serviceaccount', 'nobody'])).code, 0);
    const token = await kube.kubectl(['-n', ns, 'create', 'token', 'nobody']);
    assert.equal(token.code, 0, token.stderr);
    const denied = await kube.kubectl(['-n', ns, 'get', 'secrets'], { token: token.stdout.trim() });
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /forbidden/i);
    const canI = await kube.kubectl(['auth', 'can-i', 'list', 'secrets', '-n', ns], { token: token.stdout.trim() });
    assert.equal(canI.stdout.trim(), 'no');
  });

  it('runs kube-controller-manager on demand: owned objects are garbage collected', async function () {
    this.timeout(120_000);
    const { kube } = await realServers();
    await kube.startControllerManager();
    const ns = `harness-gc-${Date.now()}`;
    assert.equal((await kube.kubectl(['create', 'namespace', ns])).code, 0);
    assert.equal((await kube.kubectl(['-n', ns, 'create', 'configmap', 'owner'])).code, 0);
    const uid = (await kube.kubectl(['-n', ns, 'get', 'configmap', 'owner', '-o', 'jsonpath={.metadata.uid}'])).stdout;
    const child = {
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: 'child', namespace: ns, ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid }] },
    };
    assert.equal((await kube.kubectl(['apply', '-f', '-'], { input: JSON.stringify(child) })).code, 0);
    assert.equal((await kube.kubectl(['-n', ns, 'delete', 'configmap', 'owner'])).code, 0);
    const gone = await kube.kubectl(['-n', ns, 'wait', '--for=delete', 'configmap/child', '--timeout=60s']);
    assert.equal(gone.code, 0, gone.stderr);
  });

  it('runs InfluxDB 1.x answering queries', async () => {
    const { influx } = await realServers();
    const response = await fetch(`${influx.url}/query?q=${encodeURIComponent('SHOW DATABASES')}`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as { results: unknown[] };
    assert.ok(Array.isArray(body.results));
    assert.match(influx.version, /^1\./);
  });

  it('runs Alertmanager that routes a posted alert to the webhook receiver', async () => {
    const { alertmanager } = await realServers();
    const marker = `harness-${Date.now()}`;
    const posted = await fetch(`${alertmanager.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ labels: { alertname: 'HarnessCheck', namespace: marker, monitor: 'm' } }]),
    });
    assert.equal(posted.status, 200);
    const notification = await alertmanager.webhook.waitFor((n) => n.groupLabels.namespace === marker);
    assert.equal(notification.alerts[0]?.labels.alertname, 'HarnessCheck');
  });

  it('names every real component and its version', async () => {
    const { componentsLine } = await realServers();
    assert.match(componentsLine, /^real components: kube-apiserver v1\.\d+\.\d+, etcd \d+\.\d+\.\d+, kubectl v1\.\d+\.\d+, influxd 1\.\d+\.\d+, alertmanager \d+\.\d+\.\d+$/);
  });
});

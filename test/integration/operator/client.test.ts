/**
 * The operator's HTTPS adapter (KubePort) against the real API server: lists longer than one page
 * arrive whole, the status subresource is applied alone (server-side apply), 404 and 409 come
 * back as coded errors, objects are created, replaced whole and deleted; and the kubeconfig forms
 * it reads itself (inline CA data) or hands to client-node (an exec plugin) authenticate.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpKubePort } from '../../../operator/src/k8s/client.js';
import { loadConnection } from '../../../operator/src/k8s/connection.js';
import { KubeApiError } from '../../../operator/src/k8s/errors.js';
import { CRON_JOB, EVENT, MODEL_MONITOR, type KubeObject } from '../../../operator/src/k8s/types.js';
import { silentLogger } from '../../../operator/src/log.js';
import { applyMonitor, getJson, monitorYaml, kubectlOk, newNamespace, servers } from './helpers.js';

describe('HttpKubePort on a real API server', function () {
  this.timeout(120_000);
  let ns: string;
  let port: HttpKubePort;
  let kube: Awaited<ReturnType<typeof servers>>['kube'];

  before(async () => {
    const env = await servers();
    kube = env.kube;
    ns = await newNamespace('op-client');
    port = new HttpKubePort(await loadConnection(env.kube.kubeconfig), { log: silentLogger, pageSize: 5 });
  });

  it('lists every object across pages into the informer cache, and watches changes', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `m${i}`);
    await kubectlOk(['apply', '-f', '-'], { input: names.map((n) => monitorYaml(ns, n)).join('---\n') });
    const seen: string[] = [];
    const informer = port.informer(MODEL_MONITOR, { namespaces: [ns] }, { upsert: (o) => seen.push(o.metadata.name) });
    await informer.start();
    try {
      assert.equal(informer.synced(), true);
      assert.deepEqual(informer.list().map((o) => o.metadata.name).sort(), [...names].sort());
      assert.equal(informer.get(ns, 'm3')?.kind, 'ModelMonitor');
      assert.equal(port.stats().lists, 3, 'three pages of five');
      await applyMonitor(ns, 'late');
      for (let i = 0; i < 50 && informer.get(ns, 'late') === undefined; i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(informer.get(ns, 'late'), 'the watch delivered the new monitor');
    } finally {
      await informer.stop();
    }
  });

  it('applies only the given status fields, beside another manager', async () => {
    await applyMonitor(ns, 'status-probe');
    const jobStatus = { apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', metadata: { name: 'status-probe', namespace: ns }, status: { health: 'Healthy', anomalyCount: 0 } };
    await kubectlOk(['apply', '--server-side', '--field-manager=alertiger-job', '--subresource=status', '-f', '-'], { input: JSON.stringify(jobStatus) });
    await port.applyStatus(MODEL_MONITOR, {
      apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', metadata: { name: 'status-probe', namespace: ns },
      status: { observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True', reason: 'Reconciled', message: 'ok', lastTransitionTime: '2026-11-20T10:00:00Z' }] },
    });
    const live = await port.get<KubeObject & { status: Record<string, unknown> }>(MODEL_MONITOR, ns, 'status-probe');
    assert.equal(live?.status.health, 'Healthy', "the job's fields survive");
    assert.equal(live?.status.observedGeneration, 1);
  });

  it('returns undefined for a missing object and a coded 409 for a duplicate create', async () => {
    assert.equal(await port.get(CRON_JOB, ns, 'missing'), undefined);
    const event: KubeObject = {
      apiVersion: 'v1', kind: 'Event', metadata: { name: 'probe.1', namespace: ns },
      involvedObject: { kind: 'ModelMonitor', name: 'x', namespace: ns }, reason: 'Probe', message: 'probe', type: 'Normal',
    };
    await port.create(EVENT, event);
    await assert.rejects(port.create(EVENT, event), (err: unknown) => err instanceof KubeApiError && err.status === 409 && err.code === 'Conflict');
  });

  it('creates, replaces whole (dropping what another manager added) and deletes an object', async () => {
    const cronJob = (schedule: string): KubeObject => ({
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'whole', namespace: ns },
      spec: { schedule, jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } } },
    });
    await port.createOrReplace(CRON_JOB, cronJob('0 1 * * *'), { exists: true });
    await kubectlOk(['-n', ns, 'patch', 'cronjob', 'whole', '-p', '{"spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"c","command":["sh"]}]}}}}}}']);
    await port.createOrReplace(CRON_JOB, cronJob('0 2 * * *'));
    const live = await getJson<{ spec: { schedule: string; jobTemplate: { spec: { template: { spec: { containers: { command?: string[] }[] } } } } }; metadata: { managedFields: { manager: string }[] } }>(
      ['-n', ns, 'get', 'cronjob', 'whole', '--show-managed-fields', '-o', 'json']);
    assert.equal(live.spec.schedule, '0 2 * * *');
    assert.equal(live.spec.jobTemplate.spec.template.spec.containers[0]!.command, undefined, 'the added command is gone');
    assert.deepEqual(live.metadata.managedFields.map((m) => m.manager), ['alertiger-operator'], 'and with it the other manager');
    await port.delete(CRON_JOB, ns, 'whole');
    await port.delete(CRON_JOB, ns, 'whole');
    assert.equal(await port.get(CRON_JOB, ns, 'whole'), undefined);
  });

  it('authenticates with inline CA data and a token, and through an exec plugin as EKS and GKE kubeconfigs do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'alertiger-kubeconfig-'));
    const kubeconfig = (user: string): string => {
      const path = join(dir, `config-${Math.random().toString(36).slice(2)}`);
      writeFileSync(path, [
        'apiVersion: v1', 'kind: Config', 'current-context: t',
        'contexts: [{name: t, context: {cluster: c, user: u}}]',
        `clusters: [{name: c, cluster: {server: "${kube.url}", certificate-authority-data: ${readFileSync(kube.caFile).toString('base64')}}}]`,
        'users:', '- name: u', '  user:', user, '',
      ].join('\n'));
      return path;
    };
    const inline = new HttpKubePort(await loadConnection(kubeconfig(`    token: ${kube.adminToken}`)), { log: silentLogger });
    assert.equal(await inline.get(CRON_JOB, ns, 'missing'), undefined, 'an authenticated 404, not a 401');

    const plugin = join(dir, 'token-plugin.sh');
    writeFileSync(plugin, `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${kube.adminToken}"}}'\n`, { mode: 0o755 });
    const execUser = ['    exec:', '      apiVersion: client.authentication.k8s.io/v1', `      command: ${plugin}`, '      interactiveMode: Never'].join('\n');
    const viaPlugin = new HttpKubePort(await loadConnection(kubeconfig(execUser)), { log: silentLogger });
    const informer = viaPlugin.informer(MODEL_MONITOR, { namespaces: [ns] }, {});
    await informer.start();
    try {
      assert.equal(informer.synced(), true);
      assert.ok(informer.list().length > 0, 'the plugin\'s token lists the monitors');
    } finally {
      await informer.stop();
    }

    const wrong = new HttpKubePort(await loadConnection(kubeconfig('    token: not-a-token')), { log: silentLogger });
    await assert.rejects(wrong.get(CRON_JOB, ns, 'missing'), (err: unknown) => err instanceof KubeApiError && err.status === 401 && /get CronJob .*missing/.test(err.message));
  });
});

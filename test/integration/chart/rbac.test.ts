/**
 * The chart's RBAC installed for real (`helm install` into the test API server) and asked back
 * with `kubectl auth can-i --list` as the operator's ServiceAccount: with watchNamespaces, rights
 * in those namespaces and the release namespace only, none cluster-wide and none on Secrets; the
 * lists are the ones docs/security.md shows.
 */
import assert from 'node:assert/strict';
import { realServers } from '../../harness/index.js';
import { assertDocumentedRights, canIList } from '../operator/helpers.js';
import { chartDir, helm } from './helm.js';

const RELEASE_NS = 'alertiger-rbac';
const WATCHED = 'rbac-watched';
const UNWATCHED = 'rbac-unwatched';
const OPERATOR = `system:serviceaccount:${RELEASE_NS}:alertiger`;

describe('the chart RBAC on a real API server', function () {
  this.timeout(180_000);

  it('grants the operator its rules in the watched namespaces only, and nothing on Secrets', async () => {
    const { kube } = await realServers();
    for (const ns of [RELEASE_NS, WATCHED, UNWATCHED]) await kube.kubectl(['create', 'namespace', ns]);
    const installed = await helm(['upgrade', '--install', 'alertiger', chartDir, '--kubeconfig', kube.kubeconfig, '--namespace', RELEASE_NS,
      '--skip-crds', '--set', 'influx.url=http://influxdb:8086', '--set', `watchNamespaces={${WATCHED}}`, '--set', 'influx.existingSecret=alertiger-influx']);
    assert.equal(installed.code, 0, installed.stderr);
    const list = async (ns: string): Promise<string> => {
      const r = await kube.kubectl(['auth', 'can-i', '--list', '-n', ns, '--as', OPERATOR]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    };
    const [watched, unwatched, own] = await Promise.all([list(WATCHED), list(UNWATCHED), list(RELEASE_NS)]);
    assertDocumentedRights('chart-operator-watched-namespace', watched);
    assertDocumentedRights('chart-operator-other-namespace', unwatched);
    assertDocumentedRights('chart-operator-own-namespace', own);
    for (const [where, text] of [['watched', watched], ['unwatched', unwatched], ['own', own]] as const) {
      assert.deepEqual(canIList(text).filter((l) => /^secrets\b|^\*/.test(l)), [], `no Secret or wildcard right in the ${where} namespace`);
    }
    assert.ok(canIList(watched).some((l) => l.startsWith('cronjobs.batch ')), 'CronJobs in the watched namespace');
    assert.ok(!canIList(unwatched).some((l) => /^(cronjobs|modelmonitors|serviceaccounts|roles)/.test(l)), 'nothing of ours elsewhere');
    const clusterRoles = await kube.kubectl(['get', 'clusterroles', '-l', 'app.kubernetes.io/instance=alertiger', '-o', 'name']);
    assert.equal(clusterRoles.stdout.trim(), '', 'no ClusterRole with watchNamespaces');
  });

  it('grants the same rules cluster-wide without watchNamespaces', async () => {
    const { kube } = await realServers();
    const upgraded = await helm(['upgrade', '--install', 'alertiger', chartDir, '--kubeconfig', kube.kubeconfig, '--namespace', RELEASE_NS,
      '--skip-crds', '--set', 'influx.url=http://influxdb:8086']);
    assert.equal(upgraded.code, 0, upgraded.stderr);
    const r = await kube.kubectl(['auth', 'can-i', '--list', '-n', UNWATCHED, '--as', OPERATOR]);
    assertDocumentedRights('chart-operator-all-namespaces', r.stdout);
    await helm(['uninstall', 'alertiger', '--kubeconfig', kube.kubeconfig, '--namespace', RELEASE_NS]);
  });
});

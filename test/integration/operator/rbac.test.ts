/**
 * RBAC with the operator's and the job's own credentials, not the admin's: the operator runs on
 * manifests/install/rbac.yaml alone and converges; `kubectl auth can-i` shows each identity has
 * what it uses and nothing more (no Secret rights at all, no other namespaces' monitors for a
 * job), and `kubectl auth can-i --list` of each is the list docs/security.md shows.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  OPERATOR_NAMESPACE, applyMonitor, assertDocumentedRights, getJson, getMonitor, kubectl, kubectlOk, logFile, newNamespace, readyOf, servers,
  startTestOperator, testConfig, waitFor, type TestOperator,
} from './helpers.js';
import { repoRoot } from '../../harness/golden.js';

const rbacFile = join(repoRoot(), 'manifests', 'install', 'rbac.yaml');

/** Groups whose CRDs this API server lacks (KServe, Knative): the rules on them still grant. */
const UNSERVED_GROUPS = ['serving.kserve.io', 'serving.knative.dev'];

/**
 * A check on a resource of a group the API server does not serve, asked directly with a
 * SelfSubjectAccessReview: `kubectl auth can-i` cannot map such a resource and asks about a core
 * resource of that literal name instead.
 */
async function canIUnserved(token: string, [verb, target, ...flags]: string[]): Promise<boolean | undefined> {
  const [resourceGroup, name] = target!.split('/');
  const group = UNSERVED_GROUPS.find((g) => resourceGroup!.endsWith(`.${g}`));
  if (group === undefined) return undefined;
  const ns = flags[0] === '-n' ? flags[1] : undefined;
  const review = {
    apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview',
    spec: { resourceAttributes: { verb, group, resource: resourceGroup!.slice(0, -group.length - 1), ...(ns ? { namespace: ns } : {}), ...(name ? { name } : {}) } },
  };
  const out = await kubectlOk(['create', '--validate=false', '-f', '-', '-o', 'json'], { input: JSON.stringify(review), token });
  return (JSON.parse(out) as { status: { allowed: boolean } }).status.allowed;
}

async function canI(token: string, args: string[]): Promise<boolean> {
  const unserved = await canIUnserved(token, args);
  if (unserved !== undefined) return unserved;
  const result = await kubectl(['auth', 'can-i', ...args], { token });
  if (result.code !== 0 && result.code !== 1) throw new Error(`kubectl auth can-i ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim() === 'yes';
}

/** Every check that disagrees with `expected`, so one failure lists them all. */
async function mismatches(token: string, expected: boolean, checks: string[][]): Promise<string[]> {
  const results = await Promise.all(checks.map((c) => canI(token, c)));
  return checks.filter((_, i) => results[i] !== expected).map((c) => c.join(' '));
}

describe('RBAC of the operator and the job on a real API server', function () {
  this.timeout(180_000);
  let ns: string;
  let other: string;
  let op: TestOperator | undefined;
  let operatorToken: string;

  before(async () => {
    const env = await servers();
    ns = await newNamespace('op-rbac');
    other = await newNamespace('op-rbac-other');
    await kubectlOk(['apply', '-f', rbacFile]);
    operatorToken = (await kubectlOk(['-n', OPERATOR_NAMESPACE, 'create', 'token', 'alertiger-operator'])).trim();
    // A kubeconfig like the admin's, authenticated as the operator's ServiceAccount.
    const kubeconfig = join(env.dir, `operator-sa-${ns}.kubeconfig`);
    writeFileSync(kubeconfig, readFileSync(env.kube.kubeconfig, 'utf8').replace(/token: .*/, `token: ${operatorToken}`));
    op = await startTestOperator(testConfig([ns], {
      KUBECONFIG: kubeconfig, ALERTIGER_INFLUX_SECRET: 'alertiger-influx', ALERTIGER_LEASE_NAME: 'alertiger-operator',
    }), 'rbac-operator');
  });

  after(async () => {
    await op?.running.stop();
  });

  it('runs the operator on its own ServiceAccount: it converges with no Forbidden error', async () => {
    await applyMonitor(ns, 'scorer');
    await applyMonitor(other, 'neighbour');
    await waitFor('Ready=True under the operator SA', async () => (readyOf(await getMonitor(ns, 'scorer'))?.status === 'True' ? true : undefined), 30_000);
    const cronJob = await getJson<{ spec: { jobTemplate: { spec: { template: { spec: { serviceAccountName: string } } } } } }>(['-n', ns, 'get', 'cronjob', 'scorer-alertiger']);
    assert.equal(cronJob.spec.jobTemplate.spec.template.spec.serviceAccountName, 'alertiger-job');
    assert.match(JSON.stringify(cronJob), /"secretKeyRef":\{"key":"token","name":"alertiger-influx","optional":true\}/);
    const metrics = await (await fetch(`http://127.0.0.1:${op!.running.httpPort}/metrics`)).text();
    assert.doesNotMatch(metrics, /alertiger_reconcile_errors_total\{reason="Forbidden"\}/, `see ${logFile}`);
  });

  it('gives the operator what it uses and nothing more', async () => {
    const allowed = [
      ['list', 'modelmonitors.alertiger.io', '--all-namespaces'],
      ['watch', 'modelmonitors.alertiger.io', '--all-namespaces'],
      ['get', 'modelmonitors.alertiger.io', '-n', ns],
      ['patch', 'modelmonitors.alertiger.io', '--subresource=status', '-n', ns],
      ['update', 'modelmonitors.alertiger.io', '--subresource=finalizers', '-n', ns],
      ['list', 'cronjobs.batch', '--all-namespaces'],
      ['create', 'cronjobs.batch', '-n', ns],
      ['update', 'cronjobs.batch', '-n', ns],
      ['create', 'serviceaccounts', '-n', ns],
      ['update', 'serviceaccounts/alertiger-job', '-n', ns],
      ['delete', 'roles.rbac.authorization.k8s.io/alertiger-job', '-n', ns],
      ['update', 'rolebindings.rbac.authorization.k8s.io/alertiger-job', '-n', ns],
      ['create', 'events', '-n', ns],
      // Not used by the operator: granted to the jobs, which it may only grant when it holds them.
      ['get', 'deployments.apps', '-n', ns],
      ['list', 'controllerrevisions.apps', '-n', ns],
      ['get', 'inferenceservices.serving.kserve.io', '-n', ns],
      ['list', 'revisions.serving.knative.dev', '-n', ns],
      ['create', 'leases.coordination.k8s.io', '-n', OPERATOR_NAMESPACE],
      ['update', 'leases.coordination.k8s.io/alertiger-operator', '-n', OPERATOR_NAMESPACE],
    ];
    const denied = [
      ['get', 'secrets', '-n', ns],
      ['get', 'secrets', '--all-namespaces'],
      ['list', 'secrets', '--all-namespaces'],
      ['watch', 'secrets', '--all-namespaces'],
      ['create', 'secrets', '-n', ns],
      ['update', 'secrets', '-n', ns],
      ['patch', 'secrets', '-n', ns],
      ['get', 'secrets/alertiger-influx', '-n', ns],
      ['get', 'secrets/alertiger-influx', '-n', OPERATOR_NAMESPACE],
      ['create', 'modelmonitors.alertiger.io', '-n', ns],
      ['update', 'modelmonitors.alertiger.io', '-n', ns],
      ['patch', 'modelmonitors.alertiger.io', '-n', ns],
      ['delete', 'modelmonitors.alertiger.io', '-n', ns],
      ['delete', 'cronjobs.batch', '-n', ns],
      ['patch', 'cronjobs.batch', '-n', ns],
      ['get', 'cronjobs.batch', '-n', ns],
      ['update', 'serviceaccounts/default', '-n', ns],
      ['delete', 'serviceaccounts/default', '-n', ns],
      ['delete', 'roles.rbac.authorization.k8s.io/admin-ish', '-n', ns],
      ['update', 'rolebindings.rbac.authorization.k8s.io/other', '-n', ns],
      ['create', 'jobs.batch', '-n', ns],
      ['create', 'pods', '-n', ns],
      ['get', 'pods', '-n', ns],
      ['create', 'clusterroles.rbac.authorization.k8s.io'],
      ['create', 'clusterrolebindings.rbac.authorization.k8s.io'],
      ['update', 'leases.coordination.k8s.io/someone-else', '-n', OPERATOR_NAMESPACE],
      ['get', 'leases.coordination.k8s.io', '-n', 'kube-system'],
      ['get', 'configmaps', '-n', ns],
      ['update', 'deployments.apps', '-n', ns],
      ['watch', 'replicasets.apps', '-n', ns],
      ['*', '*', '--all-namespaces'],
    ];
    assert.deepEqual(await mismatches(operatorToken, true, allowed), [], 'operator denied what it needs');
    assert.deepEqual(await mismatches(operatorToken, false, denied), [], 'operator allowed more than it needs');
    assertDocumentedRights('manifests-operator-monitor-namespace', await kubectlOk(['auth', 'can-i', '--list', '-n', ns], { token: operatorToken }));
    assertDocumentedRights('manifests-operator-own-namespace', await kubectlOk(['auth', 'can-i', '--list', '-n', OPERATOR_NAMESPACE], { token: operatorToken }));
  });

  it("gives a job the monitors of its namespace, their status and read access to its workloads, and nothing more", async () => {
    const token = (await kubectlOk(['-n', ns, 'create', 'token', 'alertiger-job'])).trim();
    const allowed = [
      ['get', 'modelmonitors.alertiger.io/scorer', '-n', ns],
      ['patch', 'modelmonitors.alertiger.io/scorer', '--subresource=status', '-n', ns],
      ['update', 'modelmonitors.alertiger.io/scorer', '--subresource=status', '-n', ns],
      // The namespace is the boundary (docs/security.md): any Pod here could run as any of its accounts.
      ['get', 'modelmonitors.alertiger.io/other', '-n', ns],
      // The workload a monitor names and its revisions (docs/rollouts.md), read-only.
      ['get', 'deployments.apps/ranker', '-n', ns],
      ['get', 'statefulsets.apps/ranker', '-n', ns],
      ['list', 'replicasets.apps', '-n', ns],
      ['list', 'controllerrevisions.apps', '-n', ns],
      // A KServe InferenceService and its predictor's Knative Revisions (their CRDs need not be installed).
      ['get', 'inferenceservices.serving.kserve.io/ranker', '-n', ns],
      ['list', 'revisions.serving.knative.dev', '-n', ns],
    ];
    const denied = [
      ['list', 'modelmonitors.alertiger.io', '-n', ns],
      ['watch', 'modelmonitors.alertiger.io', '-n', ns],
      ['patch', 'modelmonitors.alertiger.io/scorer', '-n', ns],
      ['update', 'modelmonitors.alertiger.io/scorer', '-n', ns],
      ['delete', 'modelmonitors.alertiger.io/scorer', '-n', ns],
      ['get', 'modelmonitors.alertiger.io/neighbour', '-n', other],
      ['get', 'modelmonitors.alertiger.io/scorer', '-n', other],
      ['get', 'secrets', '-n', ns],
      ['get', 'secrets/alertiger-influx', '-n', ns],
      ['list', 'secrets', '--all-namespaces'],
      ['get', 'cronjobs.batch', '-n', ns],
      ['create', 'events', '-n', ns],
      ['get', 'pods', '-n', ns],
      ['list', 'deployments.apps', '-n', ns],
      ['watch', 'replicasets.apps', '-n', ns],
      ['update', 'deployments.apps/ranker', '-n', ns],
      ['patch', 'deployments.apps/ranker', '-n', ns],
      ['get', 'deployments.apps/ranker', '-n', other],
      ['list', 'inferenceservices.serving.kserve.io', '-n', ns],
      ['update', 'inferenceservices.serving.kserve.io/ranker', '-n', ns],
      ['get', 'inferenceservices.serving.kserve.io/ranker', '-n', other],
      ['get', 'revisions.serving.knative.dev', '-n', ns],
      ['list', 'revisions.serving.knative.dev', '-n', other],
      ['list', 'replicasets.apps', '-n', other],
    ];
    assert.deepEqual(await mismatches(token, true, allowed), [], 'job denied what it needs');
    assert.deepEqual(await mismatches(token, false, denied), [], 'job allowed more than it needs');
    assertDocumentedRights('job', await kubectlOk(['auth', 'can-i', '--list', '-n', ns], { token }));
    // And it works: the job's own server-side apply of its status fields, as a run does.
    const status = { apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', metadata: { name: 'scorer', namespace: ns }, status: { health: 'Healthy', anomalyCount: 0 } };
    await kubectlOk(['apply', '--server-side', '--field-manager=alertiger-job', '--subresource=status', '-f', '-'], { input: JSON.stringify(status), token });
    const monitor = await getMonitor(ns, 'scorer');
    assert.equal(monitor.status?.health, 'Healthy');
    assert.equal(readyOf(monitor)?.status, 'True', "the job's apply leaves the operator's Ready alone");
  });
});

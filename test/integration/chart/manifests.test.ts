import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SETTINGS } from '../../../operator/src/config.js';
import { systemBinary } from '../../harness/binaries.js';
import { realServers } from '../../harness/index.js';
import { chartDir, findDoc, grants, helm, parseDocs, readDocs, root, run, type KubeDoc } from './helm.js';

interface Container { image: string; args: string[]; env: Array<{ name: string; value?: string }>; ports: unknown; livenessProbe: unknown; readinessProbe: unknown; securityContext: unknown }
interface PodSpec { serviceAccountName: string; securityContext: unknown; containers: Container[] }
const pod = (docs: KubeDoc[]): PodSpec => (findDoc(docs, 'Deployment') as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;

/** The chart rendered with the names the plain manifests use. */
async function chartAsPlain(): Promise<KubeDoc[]> {
  const result = await helm(['template', 'alertiger', chartDir, '--namespace', 'alertiger-system', '--kube-version', '1.37.0',
    '--set', 'fullnameOverride=alertiger-operator', '--set', 'influx.existingSecret=alertiger-influx']);
  assert.equal(result.code, 0, result.stderr);
  return parseDocs(result.stdout);
}

describe('plain manifests', () => {
  const rbac = readDocs('manifests', 'install', 'rbac.yaml');

  it('grant exactly the RBAC rules the chart renders', async () => {
    const chart = await chartAsPlain();
    for (const kind of ['ClusterRole', 'Role']) {
      assert.deepEqual(grants(findDoc(chart, kind)), grants(findDoc(rbac, kind)), `${kind} rules differ between the chart and manifests/install/rbac.yaml`);
    }
    for (const kind of ['ClusterRoleBinding', 'RoleBinding']) {
      const pick = (d: KubeDoc): unknown => ({ roleRef: d.roleRef, subjects: d.subjects });
      assert.deepEqual(pick(findDoc(chart, kind)), pick(findDoc(rbac, kind)), kind);
    }
  });

  it('run the same operator container as the chart, as the ServiceAccount and Lease that rbac.yaml names', async () => {
    const plain = pod(readDocs('manifests', 'install', 'deployment.yaml'));
    const chart = pod(await chartAsPlain());
    const [p, c] = [plain.containers[0], chart.containers[0]];
    assert.equal(p.image, c.image);
    assert.deepEqual(p.args, c.args);
    for (const field of ['ports', 'livenessProbe', 'readinessProbe', 'securityContext'] as const) {
      assert.deepEqual(JSON.parse(JSON.stringify(p[field], (k, v) => (k === 'initialDelaySeconds' || k === 'failureThreshold' ? undefined : v))),
        JSON.parse(JSON.stringify(c[field], (k, v) => (k === 'initialDelaySeconds' || k === 'failureThreshold' ? undefined : v))), field);
    }
    assert.deepEqual(plain.securityContext, chart.securityContext);
    assert.equal(plain.serviceAccountName, findDoc(rbac, 'ServiceAccount').metadata.name);
    const leaseRule = (findDoc(rbac, 'Role').rules as Array<{ resources: string[]; resourceNames?: string[] }>)
      .find((r) => r.resources.includes('leases') && r.resourceNames !== undefined);
    assert.deepEqual(leaseRule?.resourceNames, [p.env.find((e) => e.name === 'ALERTIGER_LEASE_NAME')?.value]);
    const known = new Set(Object.values(SETTINGS).map((s) => s.env));
    for (const e of p.env) assert.ok(known.has(e.name), `${e.name} is not a setting of operator/src/config.ts`);
    for (const required of ['ALERTIGER_INFLUX_URL', 'ALERTIGER_JOB_IMAGE']) assert.ok(p.env.some((e) => e.name === required && e.value), required);
  });

  it('are accepted by the real API server: CRD, install and the trial examples', async () => {
    const { kube } = await realServers();
    for (const dir of ['crds', 'manifests/install', 'manifests/examples']) {
      const applied = await kube.kubectl(['apply', '-f', join(root, dir)]);
      assert.equal(applied.code, 0, `${dir}: ${applied.stderr}\n${applied.stdout}`);
    }
    const objects = ['deployment/alertiger-operator', 'service/alertiger-operator', 'serviceaccount/alertiger-operator',
      'deployment/influxdb', 'service/influxdb', 'deployment/alertmanager', 'service/alertmanager', 'configmap/alertmanager-config'];
    for (const object of objects) {
      const got = await kube.kubectl(['-n', 'alertiger-system', 'get', object, '-o', 'name']);
      assert.equal(got.code, 0, `${object}: ${got.stderr}`);
    }
    const as = ['--as', 'system:serviceaccount:alertiger-system:alertiger-operator'];
    const can = async (...args: string[]): Promise<string> => (await kube.kubectl(['auth', 'can-i', ...args, ...as])).stdout.trim();
    assert.equal(await can('watch', 'modelmonitors.alertiger.io', '--all-namespaces'), 'yes');
    assert.equal(await can('create', 'cronjobs.batch', '-n', 'ml-prod'), 'yes');
    assert.equal(await can('get', 'secrets/alertiger-influx', '-n', 'alertiger-system'), 'no', 'the operator reads no Secret (docs/security.md)');
    assert.equal(await can('get', 'secrets', '-n', 'ml-prod'), 'no');
    assert.equal(await can('delete', 'cronjobs.batch', '-n', 'ml-prod'), 'no');
  });

  it('route example alerts to the team named by their team label', async () => {
    const amtool = systemBinary('amtool', 'prometheus-alertmanager');
    const configMap = findDoc(readDocs('manifests', 'examples', 'alertmanager.yaml'), 'ConfigMap') as KubeDoc & { data: Record<string, string> };
    const dir = mkdtempSync(join(tmpdir(), 'alertiger-am-'));
    try {
      const file = join(dir, 'alertmanager.yml');
      writeFileSync(file, configMap.data['alertmanager.yml']);
      const check = await run(amtool, ['check-config', file]);
      assert.equal(check.code, 0, check.stdout + check.stderr);
      const routes: Array<[string[], string]> = [
        [['alertname=ModelHealthAnomaly', 'team=feed', 'severity=warning'], 'team-feed'],
        [['alertname=ModelHealthAnomaly', 'team=risk', 'severity=critical'], 'team-risk'],
        [['alertname=ModelHealthAnomaly', 'team=logistics', 'severity=critical'], 'team-logistics-pager'],
        [['alertname=ModelHealthAnomaly', 'team=logistics', 'severity=warning'], 'team-logistics'],
        [['alertname=ModelHealthAnomaly', 'team=nobody'], 'ml-platform'],
        [['alertname=ModelInputShift', 'team=feed'], 'ml-platform,team-feed'],
      ];
      for (const [labels, receiver] of routes) {
        const result = await run(amtool, ['config', 'routes', 'test', `--config.file=${file}`, ...labels]);
        assert.equal(result.stdout.trim(), receiver, labels.join(' '));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('describe every folder in manifests/README.md', () => {
    const readme = readFileSync(join(root, 'manifests', 'README.md'), 'utf8');
    for (const folder of ['install/', 'examples/', 'samples/', '../crds/']) assert.ok(readme.includes(`\`${folder}\``), folder);
  });
});

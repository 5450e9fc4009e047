import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { SETTINGS } from '../../../operator/src/config.js';
import { realServers } from '../../harness/index.js';
import { chartDir, findDoc, helm, parseDocs, root, type KubeDoc } from './helm.js';

// The helm binary built here has no Kubernetes version linked in, so name the one we test on
// (the chart requires >= 1.27 for the CRD's validation rules).
const KUBE_VERSION = '1.37.0';

async function render(...args: string[]): Promise<KubeDoc[]> {
  const result = await helm(['template', 'alertiger', chartDir, '--namespace', 'alertiger-chart', '--kube-version', KUBE_VERSION, ...args]);
  assert.equal(result.code, 0, result.stderr);
  return parseDocs(result.stdout);
}

interface EnvVar { name: string; value?: string; valueFrom?: unknown }
interface Container {
  image: string;
  args: string[];
  env: EnvVar[];
  ports: Array<{ name: string; containerPort: number }>;
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  securityContext: { readOnlyRootFilesystem: boolean; allowPrivilegeEscalation: boolean };
  volumeMounts: Array<{ mountPath: string }>;
}
interface PodSpec { securityContext: { runAsNonRoot: boolean; runAsUser: number }; serviceAccountName: string; containers: Container[] }

function operatorContainer(docs: KubeDoc[]): { replicas: number; pod: PodSpec; container: Container; env: Map<string, EnvVar> } {
  const deployment = findDoc(docs, 'Deployment') as KubeDoc & { spec: { replicas: number; template: { spec: PodSpec } } };
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  return { replicas: deployment.spec.replicas, pod, container, env: new Map(container.env.map((e) => [e.name, e])) };
}

describe('helm chart', () => {
  it('passes helm lint --strict with the default values and with two replicas', async () => {
    for (const extra of [[], ['--set', 'replicaCount=2', '--set', 'alertmanager.url=http://am.monitoring:9093']]) {
      const result = await helm(['lint', chartDir, '--strict', '--kube-version', KUBE_VERSION, ...extra]);
      assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
      assert.match(result.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });

  it('renders one of each object in helm create shape, the ServiceMonitor only when enabled', async () => {
    const kinds = (docs: KubeDoc[]): string[] => docs.map((d) => d.kind).sort();
    assert.deepEqual(kinds(await render()), ['ClusterRole', 'ClusterRoleBinding', 'Deployment', 'NetworkPolicy', 'Role', 'RoleBinding', 'Service', 'ServiceAccount']);
    const withMonitor = await render('--set', 'serviceMonitor.enabled=true', '--set', 'serviceMonitor.labels.release=prom');
    const sm = findDoc(withMonitor, 'ServiceMonitor') as KubeDoc & { spec: { endpoints: Array<{ port: string; path: string }> } };
    assert.equal(sm.metadata.labels?.release, 'prom');
    assert.deepEqual(sm.spec.endpoints.map((e) => `${e.port}${e.path}`), ['http/metrics']);
    const noRbac = await render('--set', 'rbac.create=false', '--set', 'serviceAccount.create=false', '--set', 'serviceAccount.name=mine');
    assert.deepEqual(kinds(noRbac), ['Deployment', 'NetworkPolicy', 'Service']);
    assert.equal(operatorContainer(noRbac).pod.serviceAccountName, 'mine');
  });

  it('gives every object the standard labels', async () => {
    for (const doc of await render()) {
      const labels = doc.metadata.labels ?? {};
      for (const key of ['helm.sh/chart', 'app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/version', 'app.kubernetes.io/managed-by']) {
        assert.ok(labels[key], `${doc.kind} lacks label ${key}`);
      }
    }
  });

  it('runs the operator image non-root on a read-only root filesystem, probed on /healthz and /readyz', async () => {
    const chart = yaml.load(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { appVersion: string };
    const { container, pod } = operatorContainer(await render());
    assert.equal(container.image, `ghcr.io/alertiger/alertiger-operator:${chart.appVersion}`);
    assert.deepEqual(container.args, ['operator']);
    assert.deepEqual(container.ports.map((p) => `${p.name}:${p.containerPort}`), ['http:8080']);
    assert.equal(container.livenessProbe.httpGet.path, '/healthz');
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    assert.equal(container.livenessProbe.httpGet.port, 'http');
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.ok(pod.securityContext.runAsUser > 0);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
    assert.ok(container.volumeMounts.some((m) => m.mountPath === '/tmp'), 'a writable /tmp');
  });

  it("sets the operator's configuration from the values, with names config.ts knows", async () => {
    const docs = await render(
      '--set', 'influx.url=http://influx.data:8086', '--set', 'influx.database=ml', '--set', 'influx.existingSecret=influx-creds',
      '--set', 'alertmanager.url=http://am.monitoring:9093', '--set', 'report.url=https://alertiger.example.org',
      '--set', 'watchNamespaces={ml-prod,ml-staging}', '--set', 'job.image=registry.local/alertiger:dev',
      '--set', 'replicaCount=2', '--set', 'job.resources.limits.memory=',
    );
    const { env, replicas } = operatorContainer(docs);
    const value = (name: string): string | undefined => env.get(name)?.value;
    assert.equal(replicas, 2);
    assert.equal(value('ALERTIGER_INFLUX_URL'), 'http://influx.data:8086');
    assert.equal(value('ALERTIGER_INFLUX_DATABASE'), 'ml');
    assert.equal(value('ALERTIGER_INFLUX_SECRET'), 'influx-creds');
    assert.equal(value('ALERTIGER_ALERTMANAGER_URL'), 'http://am.monitoring:9093');
    assert.equal(value('ALERTIGER_REPORT_URL'), 'https://alertiger.example.org');
    assert.equal(value('ALERTIGER_NAMESPACES'), 'ml-prod,ml-staging');
    assert.equal(value('ALERTIGER_JOB_IMAGE'), 'registry.local/alertiger:dev');
    assert.equal(value('ALERTIGER_JOB_MEMORY_LIMIT'), 'none');
    assert.equal(value('ALERTIGER_LEADER_ELECT'), 'true');
    assert.ok(env.get('ALERTIGER_OPERATOR_NAMESPACE')?.valueFrom, 'namespace from the downward API');
    const known = new Set<string>([...Object.values(SETTINGS).map((s) => s.env), 'ALERTIGER_LOG_LEVEL']);
    for (const name of env.keys()) assert.ok(known.has(name), `${name} is not a setting of operator/src/config.ts`);
  });

  it('defaults the job image to the operator image, and the report URL to port-forward\'s local end, or the Service with a token', async () => {
    const { env, container } = operatorContainer(await render());
    assert.equal(env.get('ALERTIGER_JOB_IMAGE')?.value, container.image);
    // Without a token the pages answer loopback clients only: the link works through kubectl port-forward.
    assert.equal(env.get('ALERTIGER_REPORT_URL')?.value, 'http://localhost:8080');
    const withToken = operatorContainer(await render('--set', 'report.tokenSecret.name=report-token')).env;
    assert.equal(withToken.get('ALERTIGER_REPORT_URL')?.value, 'http://alertiger.alertiger-chart.svc:8080');
    assert.equal(env.get('ALERTIGER_ALERTMANAGER_URL'), undefined, 'no alerts until a URL is given');
  });

  it('refuses unknown values and malformed ones through values.schema.json', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--set', 'replicas=2'], /additional properties 'replicas' not allowed/],
      [['--set', 'influx.user=x'], /additional properties 'user' not allowed/],
      [['--set', 'influx.url=influx:8086'], /\/influx\/url/],
      [['--set', 'logLevel=chatty'], /\/logLevel/],
      [['--set', 'watchNamespaces={ML_PROD}'], /\/watchNamespaces\/0/],
      [['--set', 'resendInterval=5 minutes'], /\/resendInterval/],
    ];
    for (const [args, message] of cases) {
      const result = await helm(['template', 'alertiger', chartDir, '--kube-version', KUBE_VERSION, ...args]);
      assert.notEqual(result.code, 0, args.join(' '));
      assert.match(result.stderr, message);
    }
  });

  it('documents every value with a comment that starts with its name', () => {
    const lines = readFileSync(join(chartDir, 'values.yaml'), 'utf8').split('\n');
    const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as SchemaNode;
    const missing: string[] = [];
    const stack: Array<{ indent: number; path: string }> = [];
    for (let i = 0; i < lines.length; i++) {
      const m = /^( *)([A-Za-z][\w-]*):/.exec(lines[i]);
      if (m === null) continue;
      const indent = m[1].length;
      while (stack.length > 0 && stack[stack.length - 1].indent >= indent) stack.pop();
      const path = [...stack.map((s) => s.path.split('.').pop()), m[2]].join('.');
      stack.push({ indent, path });
      if (!declared(schema, path.split('.'))) continue; // inside a free-form Kubernetes object
      const comment = lines[i - 1]?.trim() ?? '';
      if (!comment.startsWith(`# ${path} `) && !comment.startsWith(`# ${path} --`) && !startsBlock(lines, i, path)) missing.push(path);
    }
    assert.deepEqual(missing, []);
  });

  it('declares additionalProperties: false on every object of values.schema.json that lists properties', () => {
    const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as SchemaNode;
    const open: string[] = [];
    const walk = (node: SchemaNode, path: string): void => {
      if (node.properties === undefined) return;
      if (node.additionalProperties !== false) open.push(path || '(root)');
      for (const [key, child] of Object.entries(node.properties)) walk(child, path ? `${path}.${key}` : key);
    };
    walk(schema, '');
    assert.deepEqual(open, []);
  });

  it('ships a CRD byte-identical to crds/', () => {
    const name = 'modelmonitors.alertiger.io.yaml';
    assert.equal(readFileSync(join(chartDir, 'crds', name), 'utf8'), readFileSync(join(root, 'crds', name), 'utf8'));
  });

  it('is accepted by the real API server: CRD, RBAC, Service and Deployment applied', async () => {
    const { kube } = await realServers();
    const result = await helm(['template', 'alertiger', chartDir, '--namespace', 'alertiger-chart', '--kube-version', KUBE_VERSION,
      '--include-crds', '--set', 'replicaCount=2', '--set', 'watchNamespaces={ml-prod}']);
    assert.equal(result.code, 0, result.stderr);
    await kube.kubectl(['create', 'namespace', 'alertiger-chart']);
    // With watchNamespaces the operator's Role lives in the watched namespace, which must exist.
    await kube.kubectl(['create', 'namespace', 'ml-prod']);
    const applied = await kube.kubectl(['apply', '-f', '-'], { input: result.stdout });
    assert.equal(applied.code, 0, `${applied.stderr}\n${applied.stdout}`);
    for (const object of ['deployment/alertiger', 'service/alertiger', 'serviceaccount/alertiger', 'role/alertiger', 'rolebinding/alertiger']) {
      const got = await kube.kubectl(['-n', 'alertiger-chart', 'get', object, '-o', 'name']);
      assert.equal(got.code, 0, got.stderr);
    }
    const crd = await kube.kubectl(['get', 'crd', 'modelmonitors.alertiger.io', '-o', 'jsonpath={.spec.names.shortNames}']);
    assert.match(crd.stdout, /mm/);
    // The operator's ServiceAccount may do what it needs and no more.
    const as = ['--as', 'system:serviceaccount:alertiger-chart:alertiger'];
    const can = async (...args: string[]): Promise<string> => (await kube.kubectl(['auth', 'can-i', ...args, ...as])).stdout.trim();
    assert.equal(await can('create', 'cronjobs.batch', '-n', 'ml-prod'), 'yes');
    assert.equal(await can('patch', 'modelmonitors.alertiger.io', '--subresource=status', '-n', 'ml-prod'), 'yes');
    assert.equal(await can('update', 'leases.coordination.k8s.io/alertiger', '-n', 'alertiger-chart'), 'yes');
    assert.equal(await can('update', 'leases.coordination.k8s.io/other', '-n', 'alertiger-chart'), 'no');
    assert.equal(await can('update', 'leases.coordination.k8s.io/alertiger', '-n', 'kube-system'), 'no');
    assert.equal(await can('get', 'secrets', '-n', 'ml-prod'), 'no');
    assert.equal(await can('delete', 'modelmonitors.alertiger.io', '-n', 'ml-prod'), 'no');
    assert.equal(await can('create', 'pods', '-n', 'ml-prod'), 'no');
    assert.equal(await can('delete', 'nodes'), 'no');
  });
});

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
}

/** True when the schema declares this path as a property (not inside a free-form object). */
function declared(schema: SchemaNode, path: string[]): boolean {
  let node: SchemaNode | undefined = schema;
  for (const key of path) {
    node = node?.properties?.[key];
    if (node === undefined) return false;
  }
  return true;
}

/** A comment block right above the key whose first line starts with the key's path. */
function startsBlock(lines: string[], index: number, path: string): boolean {
  let i = index - 1;
  while (i >= 0 && lines[i].trim().startsWith('#')) i--;
  return (lines[i + 1]?.trim() ?? '').startsWith(`# ${path} `);
}

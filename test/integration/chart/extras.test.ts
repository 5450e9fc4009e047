/**
 * The chart's extras (issue 11 items 4 and 7): the report token, the NetworkPolicy, the
 * PodDisruptionBudget, the PrometheusRule (its PromQL run by promtool on made-up series), the
 * Grafana dashboard (built on metrics the operator really exports) and image digests; each values
 * combination rendered by helm and applied to the real API server.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { emptyStats } from '../../../operator/src/k8s/port.js';
import { OperatorMetrics } from '../../../operator/src/server/metrics.js';
import { systemBinary } from '../../harness/binaries.js';
import { realServers } from '../../harness/index.js';
import { chartDir, findDoc, helm, parseDocs, run, type KubeDoc } from './helm.js';

const KUBE_VERSION = '1.37.0';
const NAMESPACE = 'alertiger-chart';
const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

async function template(release: string, namespace: string, args: string[]): Promise<string> {
  const result = await helm(['template', release, chartDir, '--namespace', namespace, '--kube-version', KUBE_VERSION, ...args]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
}

const render = async (...args: string[]): Promise<KubeDoc[]> => parseDocs(await template('alertiger', NAMESPACE, args));

interface Volume { name: string; secret?: { secretName: string; items: Array<{ key: string; path: string }> } }
interface Container { image: string; env: Array<{ name: string; value?: string }>; volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }> }
interface Deployment { spec: { selector: { matchLabels: Record<string, string> }; template: { spec: { containers: Container[]; volumes: Volume[] } } } }

function deployment(docs: KubeDoc[]): { selector: Record<string, string>; container: Container; volumes: Volume[]; env: (name: string) => string | undefined } {
  const d = findDoc(docs, 'Deployment') as unknown as Deployment;
  const container = d.spec.template.spec.containers[0]!;
  return {
    selector: d.spec.selector.matchLabels,
    container,
    volumes: d.spec.template.spec.volumes,
    env: (name) => container.env.find((e) => e.name === name)?.value,
  };
}

interface NetworkPolicy {
  spec: {
    podSelector: { matchLabels: Record<string, string> };
    policyTypes: string[];
    ingress: Array<{ ports: Array<{ port: string | number; protocol: string }>; from?: unknown[] }>;
    egress?: Array<{ ports: Array<{ port: number; protocol: string }>; to?: unknown[] }>;
  };
}

/** The egress rules as "port/protocol" strings, sorted. */
function egressPorts(policy: NetworkPolicy): string[] {
  return (policy.spec.egress ?? []).flatMap((rule) => rule.ports.map((p) => `${p.port}/${p.protocol}`)).sort();
}

describe('helm chart extras', () => {
  describe('report pages', () => {
    it('mounts no token and sets no token file by default (loopback clients only)', async () => {
      const d = deployment(await render());
      assert.equal(d.env('ALERTIGER_REPORT_TOKEN_FILE'), undefined);
      assert.ok(!d.volumes.some((v) => v.name === 'report-token'));
      assert.equal(d.env('ALERTIGER_LISTEN'), ':8080', 'probes and Prometheus still reach the pod');
    });

    it('mounts the named Secret key as the token file the operator reads', async () => {
      const d = deployment(await render('--set', 'report.tokenSecret.name=report-token', '--set', 'report.tokenSecret.key=bearer'));
      const file = d.env('ALERTIGER_REPORT_TOKEN_FILE');
      const volume = d.volumes.find((v) => v.name === 'report-token');
      assert.deepEqual(volume?.secret?.secretName, 'report-token');
      assert.deepEqual(volume?.secret?.items, [{ key: 'bearer', path: 'token' }]);
      const mount = d.container.volumeMounts.find((m) => m.name === 'report-token');
      assert.equal(mount?.readOnly, true);
      assert.equal(file, `${mount?.mountPath}/token`);
    });
  });

  describe('image digest', () => {
    it('references the operator and the job image as repository@digest', async () => {
      const d = deployment(await render('--set', `image.digest=${DIGEST}`, '--set', 'image.tag=ignored'));
      assert.equal(d.container.image, `ghcr.io/alertiger/alertiger-operator@${DIGEST}`);
      assert.equal(d.env('ALERTIGER_JOB_IMAGE'), `ghcr.io/alertiger/alertiger-operator@${DIGEST}`);
    });

    it('keeps an explicitly set job image', async () => {
      const d = deployment(await render('--set', `image.digest=${DIGEST}`, '--set', `job.image=registry.local/job@${DIGEST}`));
      assert.equal(d.env('ALERTIGER_JOB_IMAGE'), `registry.local/job@${DIGEST}`);
    });
  });

  describe('PodDisruptionBudget', () => {
    it('keeps one of two replicas available, selecting the Deployment\'s pods', async () => {
      const docs = await render('--set', 'replicaCount=2');
      const pdb = findDoc(docs, 'PodDisruptionBudget') as unknown as { spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } } };
      assert.equal(pdb.spec.minAvailable, 1);
      assert.deepEqual(pdb.spec.selector.matchLabels, deployment(docs).selector);
    });

    it('is left out with one replica (it would block node drains) and when disabled', async () => {
      assert.ok(!(await render()).some((d) => d.kind === 'PodDisruptionBudget'));
      assert.ok(!(await render('--set', 'replicaCount=3', '--set', 'podDisruptionBudget.enabled=false')).some((d) => d.kind === 'PodDisruptionBudget'));
    });
  });

  describe('NetworkPolicy', () => {
    it('by default admits any source on the HTTP port only and leaves egress open', async () => {
      const docs = await render();
      const policy = findDoc(docs, 'NetworkPolicy') as unknown as NetworkPolicy;
      assert.deepEqual(policy.spec.podSelector.matchLabels, deployment(docs).selector);
      assert.deepEqual(policy.spec.policyTypes, ['Ingress']);
      assert.deepEqual(policy.spec.ingress, [{ ports: [{ port: 'http', protocol: 'TCP' }] }]);
      assert.equal(policy.spec.egress, undefined);
    });

    it('admits only the configured peers', async () => {
      const peer = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } };
      const values = join(mkdtempSync(join(tmpdir(), 'alertiger-np-')), 'values.yaml');
      writeFileSync(values, yaml.dump({ networkPolicy: { ingressFrom: [peer] } }));
      const policy = findDoc(await render('-f', values), 'NetworkPolicy') as unknown as NetworkPolicy;
      assert.deepEqual(policy.spec.ingress[0]!.from, [peer]);
      rmSync(join(values, '..'), { recursive: true, force: true });
    });

    it('restricted, allows DNS, the API server and the InfluxDB and Alertmanager ports of their URLs', async () => {
      const policy = findDoc(await render('--set', 'networkPolicy.egress.restrict=true', '--set', 'alertmanager.url=http://am.monitoring:9093'), 'NetworkPolicy') as unknown as NetworkPolicy;
      assert.deepEqual(policy.spec.policyTypes, ['Ingress', 'Egress']);
      assert.deepEqual(egressPorts(policy), ['443/TCP', '53/TCP', '53/UDP', '6443/TCP', '8086/TCP', '9093/TCP']);
      const https = findDoc(await render('--set', 'networkPolicy.egress.restrict=true', '--set', 'influx.url=https://influx.example.org',
        '--set', 'networkPolicy.egress.extraPorts={9094}', '--set', 'networkPolicy.egress.apiServerPorts={443}'), 'NetworkPolicy') as unknown as NetworkPolicy;
      assert.deepEqual(egressPorts(https), ['443/TCP', '53/TCP', '53/UDP', '9094/TCP'], 'https without a port is 443; no Alertmanager URL, no port');
    });
  });

  describe('PrometheusRule', () => {
    it('is off by default', async () => {
      assert.ok(!(await render()).some((d) => d.kind === 'PrometheusRule'));
    });

    it('passes promtool, and its alerts fire on failed, stale and unready monitors and nowhere else', async () => {
      const rule = findDoc(await render('--set', 'prometheusRule.enabled=true', '--set', 'prometheusRule.labels.release=prom'), 'PrometheusRule') as KubeDoc & { spec: { groups: unknown[] } };
      assert.equal(rule.metadata.labels?.release, 'prom');
      const dir = mkdtempSync(join(tmpdir(), 'alertiger-rules-'));
      try {
        writeFileSync(join(dir, 'rules.yaml'), yaml.dump({ groups: rule.spec.groups }));
        writeFileSync(join(dir, 'test.yaml'), yaml.dump(promtoolTests()));
        const promtool = systemBinary('promtool', 'prometheus');
        const check = await run(promtool, ['check', 'rules', join(dir, 'rules.yaml')]);
        assert.equal(check.code, 0, check.stdout + check.stderr);
        const test = await run(promtool, ['test', 'rules', join(dir, 'test.yaml')]);
        assert.equal(test.code, 0, test.stdout + test.stderr);
        assert.match(test.stdout, /SUCCESS/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('Grafana dashboard', () => {
    it('is provisioned by a ConfigMap with the configured sidecar label, in the configured namespace', async () => {
      assert.ok(!(await render()).some((d) => d.kind === 'ConfigMap'), 'off by default');
      const cm = findDoc(await render('--set', 'grafanaDashboard.enabled=true'), 'ConfigMap') as KubeDoc & { data: Record<string, string> };
      assert.equal(cm.metadata.labels?.grafana_dashboard, '1');
      assert.equal(cm.metadata.namespace, NAMESPACE);
      assert.deepEqual(Object.keys(cm.data), ['alertiger.json']);
      assert.equal(cm.data['alertiger.json'], readFileSync(join(chartDir, 'dashboards', 'alertiger.json'), 'utf8').trimEnd());
      const custom = findDoc(await render('--set', 'grafanaDashboard.enabled=true', '--set', 'grafanaDashboard.labelKey=dashboards',
        '--set', 'grafanaDashboard.labelValue=ml', '--set', 'grafanaDashboard.namespace=monitoring'), 'ConfigMap');
      assert.equal(custom.metadata.labels?.dashboards, 'ml');
      assert.equal(custom.metadata.namespace, 'monitoring');
    });

    it('queries only metrics the operator exports, in PromQL promtool accepts', async () => {
      const dashboard = JSON.parse(readFileSync(join(chartDir, 'dashboards', 'alertiger.json'), 'utf8')) as Dashboard;
      const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
      assert.ok(exprs.length >= 15, `${exprs.length} queries`);
      const exported = await exportedMetricNames();
      const used = new Set(exprs.flatMap((e) => [...e.matchAll(/\b((?:alertiger|process)_[a-z_]+)/g)].map((m) => m[1]!)));
      const unknown = [...used].filter((name) => !exported.has(name.replace(/_(bucket|sum|count)$/, '')) && !exported.has(name));
      assert.deepEqual(unknown, []);
      assert.ok(used.has('alertiger_monitor_ready') && used.has('alertiger_monitor_last_success_timestamp_seconds'));
      // Grafana's variables replaced by what they stand for, each query checked as a recording rule.
      const rules = exprs.map((expr, i) => ({ record: `dashboard:query_${i}`, expr: expr.replaceAll('$namespace', '.*').replaceAll('$__rate_interval', '5m') }));
      const dir = mkdtempSync(join(tmpdir(), 'alertiger-dashboard-'));
      try {
        writeFileSync(join(dir, 'rules.yaml'), yaml.dump({ groups: [{ name: 'dashboard', rules }] }));
        const check = await run(systemBinary('promtool', 'prometheus'), ['check', 'rules', join(dir, 'rules.yaml')]);
        assert.equal(check.code, 0, check.stdout + check.stderr);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it('scrapes with honorLabels, so the monitors\' namespace label survives the ServiceMonitor', async () => {
    const sm = findDoc(await render('--set', 'serviceMonitor.enabled=true'), 'ServiceMonitor') as KubeDoc & { spec: { endpoints: Array<{ honorLabels?: boolean }> } };
    assert.equal(sm.spec.endpoints[0]!.honorLabels, true);
  });

  it('refuses malformed extras through values.schema.json', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--set', 'report.tokenSecret.name=Bad_Name'], /\/report\/tokenSecret\/name/],
      [['--set', 'report.token=abc'], /additional properties 'token' not allowed/],
      [['--set', 'networkPolicy.egress.extraPorts={70000}'], /\/networkPolicy\/egress\/extraPorts\/0/],
      [['--set', 'prometheusRule.staleFactor=1'], /\/prometheusRule\/staleFactor/],
      [['--set', 'podDisruptionBudget.minAvailable=0'], /\/podDisruptionBudget\/minAvailable/],
      [['--set', 'image.digest=sha256:abc'], /\/image\/digest/],
    ];
    for (const [args, message] of cases) {
      const result = await helm(['template', 'alertiger', chartDir, '--kube-version', KUBE_VERSION, ...args]);
      assert.notEqual(result.code, 0, args.join(' '));
      assert.match(result.stderr, message);
    }
  });

  it('is accepted by the real API server in every combination: default, token, digest, 2 replicas, PrometheusRule and dashboard, restricted egress', async function () {
    this.timeout(300_000);
    const { kube } = await realServers();
    const kubectlOk = async (args: string[], input?: string): Promise<string> => {
      const result = await kube.kubectl(args, input === undefined ? {} : { input });
      assert.equal(result.code, 0, `kubectl ${args.join(' ')}: ${result.stderr}\n${result.stdout}`);
      return result.stdout;
    };
    await kubectlOk(['apply', '-f', '-'], yaml.dump(PROMETHEUS_RULE_CRD));
    await kubectlOk(['wait', '--for', 'condition=established', '--timeout=60s', 'crd/prometheusrules.monitoring.coreos.com']);
    const combinations: Array<[string, string[], string[]]> = [
      ['default', [], ['networkpolicy/x-default-alertiger']],
      ['token', ['--set', 'report.tokenSecret.name=report-token'], []],
      ['digest', ['--set', `image.digest=${DIGEST}`], []],
      ['replicas', ['--set', 'replicaCount=2'], ['poddisruptionbudget/x-replicas-alertiger']],
      ['rules', ['--set', 'prometheusRule.enabled=true', '--set', 'grafanaDashboard.enabled=true'], ['prometheusrule/x-rules-alertiger', 'configmap/x-rules-alertiger-dashboard']],
      ['egress', ['--set', 'networkPolicy.egress.restrict=true', '--set', 'alertmanager.url=http://am.monitoring:9093'], ['networkpolicy/x-egress-alertiger']],
    ];
    for (const [name, args, objects] of combinations) {
      const namespace = `chart-extras-${name}`;
      const manifest = await template(`x-${name}`, namespace, args);
      await kubectlOk(['create', 'namespace', namespace]);
      await kubectlOk(['apply', '-f', '-'], manifest);
      for (const object of [`deployment/x-${name}-alertiger`, ...objects]) await kubectlOk(['-n', namespace, 'get', object, '-o', 'name']);
      if (name === 'rules') {
        // Stored as rendered: the schema pruned nothing the Prometheus Operator would read.
        const stored = JSON.parse(await kubectlOk(['-n', namespace, 'get', 'prometheusrule', 'x-rules-alertiger', '-o', 'json'])) as { spec: unknown };
        assert.deepEqual(stored.spec, (findDoc(parseDocs(manifest), 'PrometheusRule') as KubeDoc & { spec: unknown }).spec);
      }
      if (name === 'digest') {
        const image = await kubectlOk(['-n', namespace, 'get', 'deployment', `x-${name}-alertiger`, '-o', 'jsonpath={.spec.template.spec.containers[0].image}']);
        assert.equal(image, `ghcr.io/alertiger/alertiger-operator@${DIGEST}`);
      }
    }
  });
});

interface Dashboard { panels: Array<{ targets?: Array<{ expr: string }> }> }

/** The metric names of the operator's registry, set up as startOperator sets it up. */
async function exportedMetricNames(): Promise<Set<string>> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = new OperatorMetrics(registry);
  metrics.trackRequests(emptyStats);
  metrics.trackMonitors(() => []);
  return new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
}

/** promtool unit tests of the PrometheusRule: made-up series, the alerts expected at a time. */
function promtoolTests(): unknown {
  const ml = (monitor: string): string => `namespace="ml",monitor="${monitor}",instance="operator-0"`;
  const job = (monitor: string): Record<string, unknown> => ({
    exp_labels: { severity: 'warning', namespace: 'ml', monitor },
    exp_annotations: {
      summary: `The last monitoring job of ml/${monitor} failed`,
      description: `The LastRunSucceeded condition of ModelMonitor ml/${monitor} is False: kubectl -n ml describe modelmonitor ${monitor}`,
    },
  });
  const stale = (monitor: string): Record<string, unknown> => ({
    exp_labels: { severity: 'warning', namespace: 'ml', monitor },
    exp_annotations: {
      summary: `ModelMonitor ml/${monitor} is stale`,
      description: `ModelMonitor ml/${monitor} has had no successful run for more than 2 times the longest gap of its schedule.`,
    },
  });
  return {
    rule_files: ['rules.yaml'],
    evaluation_interval: '1m',
    tests: [{
      interval: '1m',
      input_series: [
        // Job results: one failing, one fine, one where the two replicas disagree while a cache catches up.
        { series: `alertiger_monitor_last_run_succeeded{${ml('failing')}}`, values: '0x200' },
        { series: `alertiger_monitor_last_run_succeeded{${ml('fine')}}`, values: '1x200' },
        { series: `alertiger_monitor_last_run_succeeded{${ml('fine')},pod="b"}`, values: '0x200' },
        // Hourly schedules (gap 3600 s); the clock starts at 0, so at 3 h an age of 10800 s is > 2 x 3600.
        { series: `alertiger_monitor_schedule_interval_seconds{${ml('old')}}`, values: '3600x200' },
        { series: `alertiger_monitor_last_success_timestamp_seconds{${ml('old')}}`, values: '0x200' },
        { series: `alertiger_monitor_created_timestamp_seconds{${ml('old')}}`, values: '0x200' },
        { series: `alertiger_monitor_schedule_interval_seconds{${ml('recent')}}`, values: '3600x200' },
        { series: `alertiger_monitor_last_success_timestamp_seconds{${ml('recent')}}`, values: '9000x200' },
        { series: `alertiger_monitor_created_timestamp_seconds{${ml('recent')}}`, values: '0x200' },
        { series: `alertiger_monitor_schedule_interval_seconds{${ml('never')}}`, values: '3600x200' },
        { series: `alertiger_monitor_created_timestamp_seconds{${ml('never')}}`, values: '0x200' },
        { series: `alertiger_monitor_schedule_interval_seconds{${ml('young')}}`, values: '3600x200' },
        { series: `alertiger_monitor_created_timestamp_seconds{${ml('young')}}`, values: '9000x200' },
        // Suspended: no schedule gap, never stale.
        { series: `alertiger_monitor_created_timestamp_seconds{${ml('suspended')}}`, values: '0x200' },
        { series: `alertiger_monitor_ready{${ml('unready')}}`, values: '0x200' },
        { series: `alertiger_monitor_ready{${ml('fine')}}`, values: '1x200' },
        { series: `alertiger_leader{namespace="${NAMESPACE}",instance="operator-0"}`, values: '0x200' },
        { series: `alertiger_reconcile_errors_total{namespace="${NAMESPACE}",reason="Forbidden",instance="operator-0"}`, values: '0+1x200' },
      ],
      alert_rule_test: [
        { eval_time: '3h', alertname: 'AlerTigerMonitorJobFailed', exp_alerts: [job('failing')] },
        { eval_time: '3h', alertname: 'AlerTigerMonitorStale', exp_alerts: [stale('never'), stale('old')] },
        { eval_time: '2h10m', alertname: 'AlerTigerMonitorStale', exp_alerts: [] },
        {
          eval_time: '3h', alertname: 'AlerTigerMonitorNotReady', exp_alerts: [{
            exp_labels: { severity: 'warning', namespace: 'ml', monitor: 'unready' },
            exp_annotations: { summary: 'ModelMonitor ml/unready is not Ready', description: 'The operator could not set up ModelMonitor ml/unready; its Ready condition says why.' },
          }],
        },
        {
          eval_time: '3h', alertname: 'AlerTigerNoLeader', exp_alerts: [{
            exp_labels: { severity: 'warning' },
            exp_annotations: {
              summary: `No AlerTiger operator replica leads in ${NAMESPACE}`,
              description: 'No replica holds the leader Lease (or none is scraped), so no ModelMonitor is reconciled and no alert is re-sent.',
            },
          }],
        },
        {
          eval_time: '3h', alertname: 'AlerTigerReconcileErrors', exp_alerts: [{
            exp_labels: { severity: 'warning', reason: 'Forbidden' },
            exp_annotations: { summary: 'AlerTiger reconciles fail with Forbidden', description: "The operator's reconcile passes keep failing with error code Forbidden; see its log." },
          }],
        },
      ],
    }],
  };
}

/**
 * A minimal stand-in for the Prometheus Operator's PrometheusRule CRD (monitoring.coreos.com/v1),
 * written for this test: the group, kind and the fields the chart sets, structural, with unknown
 * fields of a rule kept.
 */
const PROMETHEUS_RULE_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'prometheusrules.monitoring.coreos.com' },
  spec: {
    group: 'monitoring.coreos.com',
    scope: 'Namespaced',
    names: { plural: 'prometheusrules', singular: 'prometheusrule', kind: 'PrometheusRule', listKind: 'PrometheusRuleList', shortNames: ['promrule'] },
    versions: [{
      name: 'v1', served: true, storage: true,
      schema: {
        openAPIV3Schema: {
          type: 'object',
          properties: {
            spec: {
              type: 'object',
              properties: {
                groups: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['name'],
                    properties: {
                      name: { type: 'string', minLength: 1 },
                      interval: { type: 'string' },
                      rules: {
                        type: 'array',
                        items: {
                          type: 'object',
                          required: ['expr'],
                          'x-kubernetes-preserve-unknown-fields': true,
                          properties: {
                            alert: { type: 'string' },
                            record: { type: 'string' },
                            expr: { 'x-kubernetes-int-or-string': true },
                            for: { type: 'string' },
                            labels: { type: 'object', additionalProperties: { type: 'string' } },
                            annotations: { type: 'object', additionalProperties: { type: 'string' } },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    }],
  },
};

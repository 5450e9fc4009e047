import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import {
  CRON_DESCRIPTOR_PATTERN, CRON_NEVER_FIRES_PATTERNS, CRON_SHAPE_PATTERN, forwardPositionalPattern, positionalPattern,
} from '../../../operator/src/api/cron.js';
import { DEFAULTS } from '../../../operator/src/api/defaults.js';
import { GROUP, KIND, PLURAL, VERSION, MAX_STATUS_ANOMALIES, type ModelMonitorSpec, type ModelMonitorStatus } from '../../../operator/src/api/types.js';
import { GLOB_PATTERN } from '../../../operator/src/api/glob.js';
import { FORMAT_EXTENSIONS, OPERATOR_ALERT_LABELS, PATTERNS } from '../../../operator/src/api/validate.js';
import { crdPath } from './repo.js';

interface SchemaNode {
  type?: string;
  description?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode;
  default?: unknown;
  pattern?: string;
  enum?: unknown[];
  maxItems?: number;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-validations'?: { rule: string; message?: string; fieldPath?: string }[];
}

interface Crd {
  metadata: { name: string };
  spec: {
    group: string;
    scope: string;
    names: { kind: string; plural: string; singular: string; shortNames: string[]; categories: string[] };
    versions: {
      name: string; served: boolean; storage: boolean; subresources?: { status?: object };
      additionalPrinterColumns: { name: string; type: string; jsonPath: string; priority?: number }[];
      schema: { openAPIV3Schema: SchemaNode };
    }[];
  };
}

const crd = yaml.load(readFileSync(crdPath, 'utf8')) as Crd;
const version = crd.spec.versions[0]!;
const root = version.schema.openAPIV3Schema;
const specSchema = root.properties!.spec!;
const statusSchema = root.properties!.status!;

/** Each field's path in the schema: objects recurse, list items are `[]`, maps are leaves. */
function schemaPaths(node: SchemaNode, prefix: string): string[] {
  if (node.items) return schemaPaths(node.items, `${prefix}[]`);
  if (!node.properties) return [prefix];
  return Object.entries(node.properties).flatMap(([key, child]) => schemaPaths(child, prefix ? `${prefix}.${key}` : key));
}

/** The same walk over a sample value; an empty object stands for a map. */
function valuePaths(value: unknown, prefix: string): string[] {
  if (Array.isArray(value)) return valuePaths(value[0], `${prefix}[]`);
  if (value === null || typeof value !== 'object' || Object.keys(value).length === 0) return [prefix];
  return Object.entries(value).flatMap(([key, child]) => valuePaths(child, prefix ? `${prefix}.${key}` : key));
}

/** Every node by path, to look up rules and defaults. */
function nodeAt(path: string): SchemaNode {
  let node: SchemaNode = root;
  for (const part of path.split('.')) {
    const next = part === '[]' ? node.items : node.properties?.[part];
    assert.ok(next, `no schema node at ${path}`);
    node = next;
  }
  return node;
}

type DeepRequired<T> = T extends (infer U)[] ? DeepRequired<U>[] : T extends object ? { [K in keyof T]-?: DeepRequired<T[K]> } : T;

// Every field of types.ts, once: the compiler refuses this literal if a field is missing from it
// or not in the types, so the lists compared below are exactly the types' fields.
const everySpecField: DeepRequired<ModelMonitorSpec> = {
  model: { name: 'm', version: 'v', deploymentRef: { name: 'd' }, workloadRef: { kind: 'Deployment', name: 'd' } },
  source: {
    influx: { measurement: 'x', database: 'x', where: {}, url: 'http://x', credentialsSecretRef: { name: 's' } },
    file: { path: '/x', format: 'jsonl' },
  },
  schema: { score: 's', label: 'l', timestamp: 't', categorical: ['c'], exclude: ['e'], threshold: 0.5, task: 'regression', labelDelay: 7, segments: [{ column: 'c', topK: 5 }] },
  granularity: '1d',
  schedule: '* * * * *',
  detection: { sensitivity: 'low', minSeverity: 1, duration: { window: 3, min: 2 }, maxConcurrentFraction: 0.3, minTrafficRatio: 0.05, combine: 'And', model: { configMapRef: { name: 'm' } } },
  alerting: { labels: {}, annotations: {}, alertmanagerURL: '' },
  mode: 'Enforce',
  suspend: false,
  scale: { shards: 1 },
};
const everyStatusField: DeepRequired<ModelMonitorStatus> = {
  observedGeneration: 1, health: 'Healthy', anomalyCount: 0, lastRunTime: 't', lastSuccessfulRunTime: 't', lastWindowEnd: 't',
  cronJobName: 'c',
  conditions: [{ type: 'Ready', status: 'True', reason: 'R', message: 'm', lastTransitionTime: 't', observedGeneration: 1 }],
  anomalies: [{
    category: 'feature', subject: 's', statistic: 'mean', start: 't', severity: 1, score: 1, observed: 1, expected: 1, lower: 1, upper: 1,
    members: [{ subject: 's', statistic: 'mean', severity: 1, observed: 1, expected: 1 }],
    rollout: { revision: 2, time: 't', message: 'm' },
    id: '0123456789',
    segment: 'c=v', confined: true, segments: ['c=v'],
  }],
  workload: {
    kind: 'Deployment', name: 'd', labels: {}, rollouts: [{ revision: 2, time: 't', images: [{ container: 'c', image: 'i' }] }], reason: 'r', message: 'm',
  },
  scoredSeries: 1,
  totalSeries: 1,
  accepted: [{ key: 'feature/s/mean', since: 't' }],
  feedback: {
    last30d: { incidents: 1, falseAlarms: 1, unlabelled: 1, precision: 0.5 },
    last90d: { incidents: 1, falseAlarms: 1, unlabelled: 1, precision: 0.5 },
    rejected: [{ annotation: 'feedback.alertiger.io/x', message: 'm' }],
  },
  backtest: {
    time: 't', from: 't', to: 't', scoredWeeks: 8, sensitivity: 'medium', alerts: 1, alertsPerWeek: 0.13, bySensitivity: { high: 1, medium: 1, low: 1 },
    suggestedSensitivity: 'medium', anomalies: [{ category: 'feature', subject: 's', statistic: 'mean', start: 't', end: 't', severity: 1 }], message: 'm',
  },
};

describe('ModelMonitor CRD', () => {
  it('names the resource as docs/design.md §2 says', () => {
    assert.equal(crd.metadata.name, `${PLURAL}.${GROUP}`);
    assert.equal(crd.spec.group, GROUP);
    assert.equal(crd.spec.scope, 'Namespaced');
    assert.deepEqual(crd.spec.names, {
      kind: KIND, listKind: `${KIND}List`, plural: PLURAL, singular: 'modelmonitor', shortNames: ['mm'], categories: ['alertiger'],
    });
    assert.equal(crd.spec.versions.length, 1);
    assert.equal(version.name, VERSION);
    assert.ok(version.served && version.storage);
    assert.deepEqual(version.subresources, { status: {} });
  });

  it('has exactly the spec fields of types.ts', () => {
    assert.deepEqual(schemaPaths(specSchema, '').sort(), valuePaths(everySpecField, '').sort());
  });

  it('has exactly the status fields of types.ts', () => {
    assert.deepEqual(schemaPaths(statusSchema, '').sort(), valuePaths(everyStatusField, '').sort());
  });

  it('types and describes every field', () => {
    // Fields need a description; list items and map values need one only when they are objects.
    const walk = (node: SchemaNode, path: string, isField = true): void => {
      assert.ok(node.type !== undefined || node['x-kubernetes-preserve-unknown-fields'] === true, `${path} has no type`);
      if (isField || node.type === 'object') assert.ok((node.description ?? '').length > 10, `${path} has no description`);
      for (const [key, child] of Object.entries(node.properties ?? {})) walk(child, `${path}.${key}`);
      if (node.items) walk(node.items, `${path}[]`, false);
      if (node.additionalProperties) walk(node.additionalProperties, `${path}{}`, false);
    };
    walk(specSchema, 'spec');
    walk(statusSchema, 'status');
  });

  it('defaults the fields the operator defaults, to the same values', () => {
    assert.equal(nodeAt('spec.granularity').default, DEFAULTS.granularity);
    assert.equal(nodeAt('spec.mode').default, DEFAULTS.mode);
    assert.equal(nodeAt('spec.suspend').default, DEFAULTS.suspend);
    assert.equal(nodeAt('spec.scale.shards').default, DEFAULTS.shards);
    assert.equal(nodeAt('spec.source.file.format').default, DEFAULTS.fileFormat);
    assert.deepEqual(nodeAt('spec.detection').default, {});
    const d = DEFAULTS.detection;
    assert.equal(nodeAt('spec.detection.sensitivity').default, d.sensitivity);
    assert.equal(nodeAt('spec.detection.minSeverity').default, d.minSeverity);
    assert.deepEqual(nodeAt('spec.detection.duration').default, d.duration);
    assert.equal(nodeAt('spec.detection.duration.window').default, d.duration.window);
    assert.equal(nodeAt('spec.detection.duration.min').default, d.duration.min);
    assert.equal(nodeAt('spec.detection.maxConcurrentFraction').default, d.maxConcurrentFraction);
    assert.equal(nodeAt('spec.detection.minTrafficRatio').default, d.minTrafficRatio);
    assert.equal(nodeAt('spec.detection.combine').default, d.combine);
    assert.equal(nodeAt('spec.schedule').default, undefined, 'the schedule default follows the granularity, set by the operator');
  });

  it('uses the same patterns as validate.ts', () => {
    const cases: [string, RegExp][] = [
      ['spec.model.name', PATTERNS.modelName],
      ['spec.model.version', PATTERNS.modelVersion],
      ['spec.model.deploymentRef.name', PATTERNS.dnsSubdomain],
      ['spec.model.workloadRef.name', PATTERNS.dnsSubdomain],
      ['spec.source.influx.credentialsSecretRef.name', PATTERNS.dnsSubdomain],
      ['spec.detection.sensitivity', PATTERNS.sensitivity],
    ];
    for (const [path, pattern] of cases) {
      assert.equal(new RegExp(nodeAt(path).pattern!).source, pattern.source, path);
    }
    // URL fields have CEL rules instead of a pattern: a failed pattern quotes the value, and the
    // value may hold credentials.
    const celRules = (path: string): string => (nodeAt(path)['x-kubernetes-validations'] ?? []).map((r) => r.rule).join('\n');
    for (const path of ['spec.source.influx.url', 'spec.source.file.path', 'spec.alerting.alertmanagerURL']) {
      assert.equal(nodeAt(path).pattern, undefined, path);
      const rules = celRules(path);
      assert.ok(rules.includes(`!self.matches(r"${PATTERNS.urlUserinfo.source}")`), `${path} refuses credentials`);
      assert.ok(rules.includes(`self.matches(r"${PATTERNS.httpURL.source}") && isURL(self)`), `${path} checks the URL`);
    }
    const pathRules = celRules('spec.source.file.path');
    for (const source of [PATTERNS.filePath.source, PATTERNS.urlPathGlob.source, GLOB_PATTERN]) assert.ok(pathRules.includes(`r"${source}"`), source);
    const excludeRules = celRules('spec.schema.exclude.[]');
    assert.ok(excludeRules.includes(`self.matches(r"${GLOB_PATTERN}")`));
    assert.ok(excludeRules.includes(`self.matches(r"${PATTERNS.excludeChars.source}")`));
    assert.ok(celRules('spec.schema').includes(`p.matches(r"${PATTERNS.excludeChars.source}")`));
    const formatRules = celRules('spec.source.file');
    for (const f of FORMAT_EXTENSIONS) {
      assert.ok(formatRules.includes(`!self.path.matches(r"(?i)${f.pattern.source}") || (has(self.format) ? self.format : "jsonl") == "${f.format}"`), f.format);
    }
    for (const path of ['spec.alerting.labels', 'spec.alerting.annotations']) {
      const rule = nodeAt(path)['x-kubernetes-validations']![0]!.rule;
      assert.ok(rule.includes(`r"${PATTERNS.alertLabelName.source}"`), `${path}: ${rule}`);
    }
  });

  it('refuses the alert labels the operator sets, the same list as validate.ts', () => {
    const rule = nodeAt('spec.alerting.labels')['x-kubernetes-validations']![1]!.rule;
    const listed = /\[(.*)\]/.exec(rule)![1]!.split(',').map((s) => s.trim().replace(/"/g, ''));
    assert.deepEqual(listed, [...OPERATOR_ALERT_LABELS]);
  });

  it('checks the schedule with the cron patterns of cron.ts', () => {
    const rules = nodeAt('spec.schedule')['x-kubernetes-validations']!.map((r) => r.rule);
    assert.equal(rules.length, 12, 'the shape, one rule per field, one per field for backwards ranges, and days that never occur');
    assert.equal(rules[0], `self.matches(r"${CRON_DESCRIPTOR_PATTERN}") || self.matches(r"${CRON_SHAPE_PATTERN}")`);
    for (let i = 0; i < 5; i++) {
      assert.equal(rules[i + 1], `!self.matches(r"${CRON_SHAPE_PATTERN}") || self.matches(r"${positionalPattern(i)}")`);
      assert.equal(rules[i + 6], `!self.matches(r"${positionalPattern(i)}") || self.matches(r"${forwardPositionalPattern(i)}")`);
    }
    assert.equal(rules[11], `!self.matches(r"${CRON_NEVER_FIRES_PATTERNS[0]}") && !self.matches(r"${CRON_NEVER_FIRES_PATTERNS[1]}")`);
  });

  it('keeps CEL rules for what spans fields', () => {
    const rules = (path: string): string[] => (nodeAt(path)['x-kubernetes-validations'] ?? []).map((r) => r.rule);
    assert.deepEqual(rules('spec.source'), ['has(self.influx) || has(self.file)', '!(has(self.influx) && has(self.file))']);
    assert.ok(rules('spec.detection.duration').some((r) => r.includes('self.min <= self.window')));
    for (const node of [nodeAt('spec.source'), nodeAt('spec.detection.duration'), nodeAt('spec.schedule')]) {
      for (const rule of node['x-kubernetes-validations']!) assert.ok(rule.message, `rule ${rule.rule} has no message`);
    }
  });

  it('bounds the anomalies list by MAX_STATUS_ANOMALIES and keys conditions by type', () => {
    assert.equal(nodeAt('status.anomalies').maxItems, MAX_STATUS_ANOMALIES);
    const conditions = nodeAt('status.conditions') as SchemaNode & Record<string, unknown>;
    assert.equal(conditions['x-kubernetes-list-type'], 'map');
    assert.deepEqual(conditions['x-kubernetes-list-map-keys'], ['type']);
  });

  it('prints MODEL, READY, REASON, HEALTH, ANOMALIES, LAST RUN and AGE', () => {
    const shown = version.additionalPrinterColumns.filter((c) => (c.priority ?? 0) === 0);
    assert.deepEqual(shown.map((c) => [c.name, c.type, c.jsonPath]), [
      ['Model', 'string', '.spec.model.name'],
      ['Ready', 'string', '.status.conditions[?(@.type=="Ready")].status'],
      ['Reason', 'string', '.status.conditions[?(@.type=="Ready")].reason'],
      ['Health', 'string', '.status.health'],
      ['Anomalies', 'integer', '.status.anomalyCount'],
      ['Last Run', 'date', '.status.lastRunTime'],
      ['Age', 'date', '.metadata.creationTimestamp'],
    ]);
  });

  it('keeps credentials out of the resource: the influx source names a Secret only', () => {
    const influx = Object.keys(nodeAt('spec.source.influx').properties!);
    assert.ok(!influx.some((k) => /password|token|user/i.test(k)), influx.join(','));
    assert.deepEqual(Object.keys(nodeAt('spec.source.influx.credentialsSecretRef').properties!), ['name']);
  });
});

/**
 * The ModelMonitor CRD against a real kube-apiserver, driven with the real kubectl as a user
 * would: it installs, every sample is admitted (and defaulted as withDefaults defaults), every
 * invalid fixture is refused with a message naming its field, the printer columns show status,
 * and generation follows spec writes only.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { realServers } from '../../harness/index.js';
import { kubectl, kubectlOk } from './kubectl.js';
import { mapLimit } from '../../harness/process.js';
import { withDefaults } from '../../../operator/src/api/validate.js';
import type { ModelMonitor, ModelMonitorSpec } from '../../../operator/src/api/types.js';
import { SCHEDULE_CASES } from '../../unit/api/cron-cases.js';
import { crdPath, invalidFixtures, yamlFiles } from '../../unit/api/repo.js';

const ns = `crd-test-${Date.now().toString(36)}`;



async function getMonitor(name: string): Promise<ModelMonitor> {
  return JSON.parse(await kubectlOk(['-n', ns, 'get', 'modelmonitor', name, '-o', 'json'])) as ModelMonitor;
}

/** A minimal valid monitor named `name` with one part of the spec replaced. */
function monitorYaml(name: string, specPatch: Record<string, unknown>): string {
  return yaml.dump({
    apiVersion: 'alertiger.io/v1alpha1',
    kind: 'ModelMonitor',
    metadata: { name, namespace: ns },
    spec: { model: { name: 'churn-model' }, source: { influx: { database: 'models', measurement: 'churn' } }, ...specPatch },
  });
}


describe('ModelMonitor CRD on a real API server', () => {
  before(async () => {
    await realServers();
    await kubectlOk(['apply', '-f', crdPath]);
    await kubectlOk(['wait', '--for', 'condition=established', '--timeout=60s', 'crd/modelmonitors.alertiger.io']);
    await kubectlOk(['create', 'namespace', ns]);
  });

  it('installs and becomes Established with its names accepted', async () => {
    const crd = JSON.parse(await kubectlOk(['get', 'crd', 'modelmonitors.alertiger.io', '-o', 'json'])) as {
      status: { conditions: { type: string; status: string }[]; acceptedNames: { shortNames: string[]; categories: string[] } };
    };
    const conditions = Object.fromEntries(crd.status.conditions.map((c) => [c.type, c.status]));
    assert.equal(conditions.Established, 'True');
    assert.equal(conditions.NamesAccepted, 'True');
    assert.deepEqual(crd.status.acceptedNames.shortNames, ['mm']);
    assert.deepEqual(crd.status.acceptedNames.categories, ['alertiger']);
    const resources = await kubectlOk(['api-resources', '--api-group=alertiger.io', '--no-headers']);
    assert.match(resources, /^modelmonitors\s+mm\s+alertiger\.io\/v1alpha1\s+true\s+ModelMonitor\s*$/m);
  });

  for (const path of yamlFiles('manifests', 'samples')) {
    const file = path.split('/').pop()!;
    it(`admits the sample ${file} (server dry run, then for real) and defaults it as withDefaults does`, async () => {
      await kubectlOk(['-n', ns, 'apply', '--dry-run=server', '-f', path]);
      await kubectlOk(['-n', ns, 'apply', '-f', path]);
      const sample = yaml.load(readFileSync(path, 'utf8')) as ModelMonitor;
      const stored = await getMonitor(sample.metadata.name);
      assert.equal(stored.metadata.generation, 1);
      // The server's defaults and the operator's must agree: defaulting again changes nothing.
      assert.deepEqual(withDefaults(stored.spec), withDefaults(sample.spec));
      assert.equal(stored.spec.mode, sample.spec.mode ?? 'Enforce');
      assert.equal(stored.spec.detection?.minTrafficRatio, sample.spec.detection?.minTrafficRatio ?? 0.05);
    });
  }

  it('fills every server-side default into a minimal monitor', async () => {
    await kubectlOk(['apply', '-f', '-'], monitorYaml('defaults-check', { source: { file: { path: '/data/x.jsonl' } } }));
    const { spec } = await getMonitor('defaults-check');
    const expected: ModelMonitorSpec = {
      model: { name: 'churn-model' },
      source: { file: { path: '/data/x.jsonl', format: 'jsonl' } },
      granularity: '1d',
      detection: { sensitivity: 'medium', minSeverity: 1, duration: { window: 3, min: 2 }, maxConcurrentFraction: 0.3, minTrafficRatio: 0.05, combine: 'And' },
      mode: 'Enforce',
      suspend: false,
    };
    assert.deepEqual(spec, expected);
  });

  const fixtures = invalidFixtures();
  it(`has at least 15 invalid fixtures, one rule each (${fixtures.length})`, () => {
    assert.ok(fixtures.length >= 15);
    assert.equal(new Set(fixtures.map((f) => f.rule)).size, fixtures.length);
  });

  for (const fixture of fixtures) {
    it(`refuses ${fixture.name} naming ${fixture.field} (${fixture.rule})`, async () => {
      const result = await kubectl(['-n', ns, 'apply', '-f', fixture.path]);
      assert.notEqual(result.code, 0, `admitted: ${result.stdout}`);
      assert.ok(result.stderr.includes(fixture.field), `stderr does not name ${fixture.field}:\n${result.stderr}`);
      if (fixture.message !== undefined) assert.ok(result.stderr.includes(fixture.message), `stderr lacks ${fixture.message}:\n${result.stderr}`);
      assert.doesNotMatch(result.stderr, /no matches for kind|connection refused/);
      const lookup = await kubectl(['-n', ns, 'get', 'modelmonitor', fixture.name]);
      assert.match(lookup.stderr, /NotFound|not found/);
    });
  }

  it('agrees with parseCron on every schedule the CEL rules can judge', async function () {
    this.timeout(180_000);
    const verdicts = await mapLimit(SCHEDULE_CASES, 3, async (c) => {
      const result = await kubectl(['apply', '--dry-run=server', '-f', '-'], monitorYaml('schedule-check', { schedule: c.schedule }));
      return { c, admitted: result.code === 0, stderr: result.stderr };
    });
    const wrong = verdicts.filter((v) => v.admitted !== v.c.crd).map((v) => `"${v.c.schedule}" (${v.c.why}): admitted=${v.admitted} ${v.stderr}`);
    assert.deepEqual(wrong, []);
    for (const v of verdicts.filter((x) => !x.admitted)) assert.match(v.stderr, /spec\.schedule/);
  });

  it('takes a sensitivity as a word or a number in (0, 1), written either way, and nothing else', async () => {
    const cases: [unknown, boolean][] = [
      ['low', true], ['high', true], [0.3, true], ['0.3', true], [0.05, true], ['.5', true],
      ['extreme', false], [1.5, false], [1, false], [0, false], ['0', false], ['1.2', false],
      [true, false], [{ value: 0.3 }, false], [[0.3], false], [{}, false],
    ];
    const verdicts = await mapLimit(cases, 3, async ([value, ok]) => {
      const result = await kubectl(['apply', '--dry-run=server', '-o', 'json', '-f', '-'], monitorYaml('sensitivity-check', { detection: { sensitivity: value } }));
      return { value, ok, result };
    });
    for (const { value, ok, result } of verdicts) {
      assert.equal(result.code === 0, ok, `sensitivity ${JSON.stringify(value)}: ${result.stderr}`);
      if (ok) assert.equal((JSON.parse(result.stdout) as ModelMonitor).spec.detection?.sensitivity, value);
      else assert.match(result.stderr, /spec\.detection\.sensitivity/);
    }
  });

  it('lists monitors with kubectl get mm -A under NAMESPACE NAME MODEL READY REASON HEALTH ANOMALIES LAST RUN AGE', async () => {
    const out = await kubectlOk(['get', 'mm', '-A']);
    const [header, ...rows] = out.trimEnd().split('\n');
    assert.deepEqual(header!.trim().split(/\s{2,}/), ['NAMESPACE', 'NAME', 'MODEL', 'READY', 'REASON', 'HEALTH', 'ANOMALIES', 'LAST RUN', 'AGE']);
    const row = rows.map((r) => r.trim().split(/\s+/)).find((r) => r[0] === ns && r[1] === 'eta-regressor');
    assert.ok(row, out);
    assert.equal(row[2], 'eta_regressor');
    const byCategory = await kubectlOk(['get', 'alertiger', '-n', ns, '-o', 'name']);
    assert.match(byCategory, /modelmonitor\.alertiger\.io\/feed-ranker/);
  });

  it('shows a status written through the status subresource in the columns, without bumping generation', async () => {
    const before = await getMonitor('feed-ranker');
    const lastRun = new Date(Date.now() - 5 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const status = {
      observedGeneration: before.metadata.generation,
      health: 'Anomalous',
      anomalyCount: 2,
      lastRunTime: lastRun,
      lastSuccessfulRunTime: lastRun,
      lastWindowEnd: '2026-11-20T00:00:00Z',
      cronJobName: 'feed-ranker-alertiger',
      conditions: [{ type: 'Ready', status: 'True', reason: 'CronJobReady', message: 'CronJob applied', lastTransitionTime: lastRun, observedGeneration: 1 }],
      anomalies: [{ category: 'feature', subject: 'feature/age', statistic: 'mean', start: '2026-11-19T00:00:00Z', severity: 2.4, score: 0.93, observed: 51, expected: 38.2, lower: 35, upper: 41.5 }],
    };
    await kubectlOk(['-n', ns, 'patch', 'mm', 'feed-ranker', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
    const after = await getMonitor('feed-ranker');
    assert.deepEqual(after.status, status);
    assert.equal(after.metadata.generation, before.metadata.generation, 'a status write must not bump generation');

    const out = await kubectlOk(['-n', ns, 'get', 'mm', 'feed-ranker']);
    const [header, row] = out.trimEnd().split('\n');
    assert.deepEqual(header!.trim().split(/\s{2,}/), ['NAME', 'MODEL', 'READY', 'REASON', 'HEALTH', 'ANOMALIES', 'LAST RUN', 'AGE']);
    const cells = row!.trim().split(/\s+/);
    assert.deepEqual(cells.slice(0, 6), ['feed-ranker', 'feed-ranker', 'True', 'CronJobReady', 'Anomalous', '2']);
    assert.match(cells[6]!, /^[45]m\d*s?$/, `LAST RUN about 5 minutes ago: ${row}`);
  });

  it('shows READY False and the reason of a monitor the operator refused, whose HEALTH is blank', async () => {
    await kubectlOk(['apply', '-f', '-'], monitorYaml('refused-by-operator', {}));
    const condition = {
      type: 'Ready', status: 'False', reason: 'InvalidSpec', message: 'spec.schema.exclude: ...', lastTransitionTime: '2026-11-20T00:00:00Z', observedGeneration: 1,
    };
    await kubectlOk(['-n', ns, 'patch', 'mm', 'refused-by-operator', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { conditions: [condition] } })]);
    const out = await kubectlOk(['-n', ns, 'get', 'mm', 'refused-by-operator']);
    const [header, row] = out.trimEnd().split('\n');
    const at = (name: string): number => header!.indexOf(name);
    // Cells by column position: HEALTH is blank, so splitting on spaces would shift the rest.
    const cell = (name: string, next: string): string => row!.slice(at(name), at(next)).trim();
    assert.equal(cell('READY', 'REASON'), 'False', out);
    assert.equal(cell('REASON', 'HEALTH'), 'InvalidSpec', out);
    assert.equal(cell('HEALTH', 'ANOMALIES'), '', out);
  });

  it('refuses an invalid status through the status subresource, naming the field', async () => {
    const result = await kubectl(['-n', ns, 'patch', 'mm', 'feed-ranker', '--subresource=status', '--type=merge', '-p', '{"status":{"health":"Broken","anomalyCount":-1}}']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /status\.health/);
    assert.match(result.stderr, /status\.anomalyCount/);
  });

  it('bumps generation on a spec change, and ignores spec sent to the status subresource', async () => {
    const before = await getMonitor('churn-model');
    await kubectlOk(['-n', ns, 'patch', 'mm', 'churn-model', '--subresource=status', '--type=merge', '-p', '{"spec":{"mode":"Shadow"},"status":{"health":"Healthy"}}']);
    const statusOnly = await getMonitor('churn-model');
    assert.equal(statusOnly.spec.mode, 'Enforce');
    assert.equal(statusOnly.status?.health, 'Healthy');
    assert.equal(statusOnly.metadata.generation, before.metadata.generation);

    await kubectlOk(['-n', ns, 'patch', 'mm', 'churn-model', '--type=merge', '-p', '{"spec":{"mode":"Shadow"}}']);
    const changed = await getMonitor('churn-model');
    assert.equal(changed.spec.mode, 'Shadow');
    assert.equal(changed.metadata.generation, before.metadata.generation! + 1);
    assert.equal(changed.status?.health, 'Healthy', 'a spec write keeps the status');
  });

  it('refuses a spec change that breaks a cross-field rule on update too', async () => {
    const result = await kubectl(['-n', ns, 'patch', 'mm', 'churn-model', '--type=merge', '-p', '{"spec":{"source":{"file":{"path":"/data/churn.jsonl"}}}}']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /spec\.source: .*only one of influx or file/);
  });
});

/**
 * spec.model.workloadRef at admission (docs/rollouts.md), on the real API server and in
 * validateSpec, with one verdict from each: Deployments, StatefulSets and KServe InferenceServices
 * are admitted, deploymentRef still is, another kind (a Pod) is refused naming the kinds that are,
 * and both references at once are refused saying why.
 */
import assert from 'node:assert/strict';
import yaml from 'js-yaml';
import { realServers } from '../../harness/index.js';
import { kubectl, kubectlOk } from './kubectl.js';
import { validateSpec } from '../../../operator/src/api/validate.js';
import { crdPath } from '../../unit/api/repo.js';

const ns = `workload-ref-${Date.now().toString(36)}`;

function spec(model: Record<string, unknown>): Record<string, unknown> {
  return { model: { name: 'ranker', ...model }, source: { influx: { database: 'models', measurement: 'ranker' } } };
}

const CASES: { why: string; model: Record<string, unknown>; refused?: RegExp }[] = [
  { why: 'a Deployment', model: { workloadRef: { kind: 'Deployment', name: 'ranker' } } },
  { why: 'a StatefulSet', model: { workloadRef: { kind: 'StatefulSet', name: 'ranker-db' } } },
  { why: 'the older deploymentRef', model: { deploymentRef: { name: 'ranker' } } },
  { why: 'a KServe InferenceService', model: { workloadRef: { kind: 'InferenceService', name: 'ranker' } } },
  { why: 'a Pod (no rollouts)', model: { workloadRef: { kind: 'Pod', name: 'ranker' } }, refused: /workloadRef\.kind.*"Deployment", "StatefulSet", "InferenceService"|workloadRef\.kind.*Deployment, StatefulSet, InferenceService/s },
  { why: 'both references', model: { workloadRef: { kind: 'Deployment', name: 'a' }, deploymentRef: { name: 'a' } }, refused: /only one of workloadRef or deploymentRef/ },
  { why: 'a name that is no object name', model: { workloadRef: { kind: 'Deployment', name: 'Ranker_1' } }, refused: /workloadRef\.name/ },
  { why: 'no kind', model: { workloadRef: { name: 'ranker' } }, refused: /workloadRef\.kind/ },
];

describe('spec.model.workloadRef admission (real API server and validateSpec)', function () {
  this.timeout(120_000);
  before(async () => {
    await realServers();
    await kubectlOk(['apply', '-f', crdPath]);
    await kubectlOk(['wait', '--for', 'condition=established', '--timeout=60s', 'crd/modelmonitors.alertiger.io']);
    await kubectlOk(['create', 'namespace', ns]);
  });

  for (const c of CASES) {
    it(`${c.refused ? 'refuses' : 'admits'} ${c.why}, as validateSpec does`, async () => {
      const body = yaml.dump({ apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', metadata: { name: 'ranker', namespace: ns }, spec: spec(c.model) });
      const result = await kubectl(['apply', '--dry-run=server', '-f', '-'], body);
      const local = validateSpec(spec(c.model)).map((e) => `${e.field}: ${e.message}`).join('; ');
      if (c.refused === undefined) {
        assert.equal(result.code, 0, result.stderr);
        assert.equal(local, '');
        return;
      }
      assert.notEqual(result.code, 0, 'the API server admitted it');
      assert.match(result.stderr, c.refused);
      assert.match(local, c.refused);
    });
  }
});

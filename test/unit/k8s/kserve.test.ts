import assert from 'node:assert/strict';
import {
  isPredictorOf, predictorDeploymentNames, predictorSelector, resourceNotServed, revisionRollouts, type PlainRevision,
} from '../../../operator/src/k8s/kserve.js';
import { KubeApiError } from '../../../operator/src/k8s/errors.js';
import { unread } from '../../../operator/src/k8s/workload.js';

function revision(name: string, generation: string | undefined, created: string | undefined, image: string, component = 'predictor', isvc = 'churn'): PlainRevision {
  const labels: Record<string, string> = { 'serving.kserve.io/inferenceservice': isvc, component };
  if (generation !== undefined) labels['serving.knative.dev/configurationGeneration'] = generation;
  return {
    metadata: { name, labels, ...(created !== undefined ? { creationTimestamp: created } : {}) },
    spec: { containers: [{ name: 'kserve-container', image }, { name: 'queue-proxy', image: 'queue:1' }] },
  };
}

describe('k8s/kserve', () => {
  it("reads a predictor's rollouts from its Knative Revisions, numbered by configurationGeneration", () => {
    const rollouts = revisionRollouts('churn', [
      revision('churn-predictor-00002', '2', '2026-11-20T14:00:00Z', 'sklearn:1.5'),
      revision('churn-predictor-00001', '1', '2026-11-01T10:00:00Z', 'sklearn:1.4'),
    ]);
    assert.deepEqual(rollouts, [
      { revision: 2, time: '2026-11-20T14:00:00.000Z', images: [{ container: 'kserve-container', image: 'sklearn:1.5' }, { container: 'queue-proxy', image: 'queue:1' }] },
      { revision: 1, time: '2026-11-01T10:00:00.000Z', images: [{ container: 'kserve-container', image: 'sklearn:1.4' }, { container: 'queue-proxy', image: 'queue:1' }] },
    ]);
  });

  it("skips a transformer's or explainer's Revisions, another InferenceService's, and one without a number or a time", () => {
    const rollouts = revisionRollouts('churn', [
      revision('churn-transformer-00001', '1', '2026-11-01T10:00:00Z', 'tr:1', 'transformer'),
      revision('churn-explainer-00001', '1', '2026-11-01T10:00:00Z', 'ex:1', 'explainer'),
      revision('churn-v2-predictor-00001', '1', '2026-11-01T10:00:00Z', 'other:1', 'predictor', 'churn-v2'),
      revision('churn-predictor-0000x', undefined, '2026-11-01T10:00:00Z', 'a:1'),
      revision('churn-predictor-0000y', 'x', '2026-11-01T10:00:00Z', 'a:1'),
      revision('churn-predictor-0000z', '3', undefined, 'a:1'),
    ]);
    assert.deepEqual(rollouts, []);
  });

  it("selects and recognises the predictor's objects by KServe's labels", () => {
    assert.equal(predictorSelector('churn'), 'serving.kserve.io/inferenceservice=churn,component=predictor');
    assert.equal(isPredictorOf({ labels: { 'serving.kserve.io/inferenceservice': 'churn', component: 'predictor' } }, 'churn'), true);
    assert.equal(isPredictorOf({ labels: { 'serving.kserve.io/inferenceservice': 'churn', component: 'transformer' } }, 'churn'), false);
    assert.equal(isPredictorOf({ labels: { app: 'churn-predictor' } }, 'churn'), false);
    assert.equal(isPredictorOf(undefined, 'churn'), false);
    assert.deepEqual(predictorDeploymentNames('churn'), ['churn-predictor', 'churn-predictor-default']);
  });

  it('tells a resource the API server does not serve (no CRD) from a missing object', () => {
    const noGroup = new KubeApiError(404, 'get InferenceService ml/churn: the server could not find the requested resource');
    const noObject = new KubeApiError(404, 'get InferenceService ml/churn: inferenceservices.serving.kserve.io "churn" not found');
    assert.equal(resourceNotServed(noGroup), true);
    assert.equal(resourceNotServed(new KubeApiError(404, 'get InferenceService ml/churn: 404 page not found\n')), true, 'a group the server does not serve');
    assert.equal(resourceNotServed(noObject), false);
    assert.equal(resourceNotServed(new KubeApiError(403, 'the server could not find the requested resource')), false);
    const ref = { kind: 'InferenceService' as const, name: 'churn' };
    const notInstalled = unread(ref, 'ml', noGroup);
    assert.equal(notInstalled.status.reason, 'NotInstalled');
    assert.match(notInstalled.status.message!, /inferenceservices\.serving\.kserve\.io \(KServe is not installed\)/);
    assert.equal(unread(ref, 'ml', noObject).status.reason, 'NotFound');
    assert.match(unread(ref, 'ml', noObject).status.message!, /InferenceService ml\/churn not found/);
  });
});

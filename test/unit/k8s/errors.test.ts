import assert from 'node:assert/strict';
import { KubeApiError, codeForStatus, isRetryable, retryOnConflict } from '../../../operator/src/k8s/errors.js';
import { collectionPath, objectPath, splitKey, keyOf, CRON_JOB, MODEL_MONITOR, SECRET } from '../../../operator/src/k8s/types.js';

describe('KubeApiError', () => {
  const table: [number, string, boolean][] = [
    [404, 'NotFound', false], [409, 'Conflict', true], [403, 'Forbidden', false], [422, 'Invalid', false],
    [410, 'Gone', false], [429, 'TooManyRequests', true], [500, 'ApiUnavailable', true], [503, 'ApiUnavailable', true], [0, 'ApiUnavailable', true],
  ];
  for (const [status, code, retryable] of table) {
    it(`maps HTTP ${status} to ${code}${retryable ? ', retryable' : ''}`, () => {
      assert.equal(codeForStatus(status), code);
      assert.equal(new KubeApiError(status, 'x').code, code);
      assert.equal(isRetryable(new KubeApiError(status, 'x')), retryable);
    });
  }
});

describe('retryOnConflict', () => {
  const noSleep = async (): Promise<void> => undefined;

  it('retries a write that hit 409 until it passes', async () => {
    let calls = 0;
    const result = await retryOnConflict(async () => {
      calls++;
      if (calls < 3) throw new KubeApiError(409, 'the object has been modified');
      return 'ok';
    }, noSleep);
    assert.equal(result, 'ok');
    assert.equal(calls, 3);
  });

  it('does not retry other errors', async () => {
    let calls = 0;
    await assert.rejects(retryOnConflict(async () => {
      calls++;
      throw new KubeApiError(422, 'invalid');
    }, noSleep), /invalid/);
    assert.equal(calls, 1);
  });

  it('gives up after a few conflicts', async () => {
    let calls = 0;
    await assert.rejects(retryOnConflict(async () => {
      calls++;
      throw new KubeApiError(409, 'conflict');
    }, noSleep), /conflict/);
    assert.equal(calls, 5);
  });
});

describe('resource paths', () => {
  it('builds core, group, namespaced and cluster-wide paths', () => {
    assert.equal(collectionPath(MODEL_MONITOR), '/apis/alertiger.io/v1alpha1/modelmonitors');
    assert.equal(collectionPath(CRON_JOB, 'ml'), '/apis/batch/v1/namespaces/ml/cronjobs');
    assert.equal(objectPath(SECRET, 'ml', 'x'), '/api/v1/namespaces/ml/secrets/x');
  });

  it('round-trips namespace/name keys', () => {
    const key = keyOf({ metadata: { namespace: 'ml', name: 'a.b' } });
    assert.equal(key, 'ml/a.b');
    assert.deepEqual(splitKey(key), { namespace: 'ml', name: 'a.b' });
  });
});

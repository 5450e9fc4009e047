import assert from 'node:assert/strict';
import {
  deploymentRollouts, labelSelector, observed, statefulSetRollouts, unread, type PlainReplicaSet, type PlainWorkload,
} from '../../../operator/src/k8s/workload.js';
import { KubeApiError } from '../../../operator/src/k8s/errors.js';

const deployment: PlainWorkload = {
  metadata: { name: 'ranker', uid: 'd-1', labels: { app: 'ranker', team: 'feed', owner: 'ana' } },
  spec: { selector: { matchLabels: { app: 'ranker', tier: 'serving' } } },
};

function replicaSet(revision: string | undefined, created: string, image: string, owner = 'd-1'): PlainReplicaSet {
  return {
    metadata: {
      annotations: revision !== undefined ? { 'deployment.kubernetes.io/revision': revision } : {},
      creationTimestamp: created,
      ownerReferences: [{ uid: owner, controller: true }],
    },
    spec: { template: { spec: { containers: [{ name: 'server', image }] } } },
  };
}

describe('k8s/workload', () => {
  it("reads a Deployment's rollouts from the ReplicaSets it controls, numbered by their revision annotation", () => {
    const rollouts = deploymentRollouts(deployment, [
      replicaSet('1', '2026-11-01T10:00:00Z', 'ranker:1.4'),
      replicaSet('2', '2026-11-20T14:00:00Z', 'ranker:1.5'),
      replicaSet('7', '2026-11-20T15:00:00Z', 'other:1', 'd-2'),
      replicaSet(undefined, '2026-11-20T16:00:00Z', 'orphan:1'),
    ]);
    assert.deepEqual(rollouts, [
      { revision: 1, time: '2026-11-01T10:00:00.000Z', images: [{ container: 'server', image: 'ranker:1.4' }] },
      { revision: 2, time: '2026-11-20T14:00:00.000Z', images: [{ container: 'server', image: 'ranker:1.5' }] },
    ]);
  });

  it("reads a StatefulSet's rollouts from its ControllerRevisions' pod template patch", () => {
    const sts: PlainWorkload = { metadata: { uid: 's-1' } };
    const rollouts = statefulSetRollouts(sts, [
      { metadata: { creationTimestamp: '2026-11-20T14:00:00Z', ownerReferences: [{ uid: 's-1', controller: true }] }, revision: 3,
        data: { spec: { template: { $patch: 'replace', spec: { containers: [{ name: 'db', image: 'pg:16' }] } } } } },
      { metadata: { creationTimestamp: '2026-11-20T14:00:00Z', ownerReferences: [{ uid: 'other', controller: true }] }, revision: 4, data: {} },
    ]);
    assert.deepEqual(rollouts, [{ revision: 3, time: '2026-11-20T14:00:00.000Z', images: [{ container: 'db', image: 'pg:16' }] }]);
  });

  it('keeps the newest five rollouts on the status, all of them for the rule, and the routing labels', () => {
    const rollouts = Array.from({ length: 7 }, (_, i) => ({ revision: i + 1, time: `2026-11-0${i + 1}T00:00:00.000Z`, images: [] }));
    const seen = observed({ kind: 'Deployment', name: 'ranker' }, deployment, rollouts);
    assert.deepEqual(seen.status.rollouts?.map((r) => r.revision), [7, 6, 5, 4, 3]);
    assert.equal(seen.rollouts.length, 7);
    assert.deepEqual(seen.status.labels, { team: 'feed', owner: 'ana' });
    assert.equal(seen.status.reason, undefined);
  });

  it('builds the ReplicaSet selector from matchLabels', () => {
    assert.equal(labelSelector(deployment), 'app=ranker,tier=serving');
    assert.equal(labelSelector({}), undefined);
  });

  it('says why a workload was not read: not found, forbidden, or the API error', () => {
    const ref = { kind: 'Deployment' as const, name: 'ranker' };
    const notFound = unread(ref, 'ml', new KubeApiError(404, 'get Deployment ml/ranker: not found'));
    assert.equal(notFound.status.reason, 'NotFound');
    assert.match(notFound.status.message!, /Deployment ml\/ranker not found/);
    assert.equal(unread(ref, 'ml', new KubeApiError(403, 'forbidden')).status.reason, 'Forbidden');
    assert.equal(unread(ref, 'ml', new KubeApiError(503, 'down')).status.reason, 'ApiUnavailable');
    assert.deepEqual(notFound.rollouts, []);
  });
});

import assert from 'node:assert/strict';
import { applyTrafficRatio, trafficDecision, trafficShare } from '../../../operator/src/postprocess/traffic.js';

describe('traffic ratio', () => {
  it('computes the share of traffic, undefined without a total', () => {
    assert.equal(trafficShare(50, 1000), 0.05);
    assert.equal(trafficShare(5, 0), undefined);
  });

  const cases: Array<[string, number | undefined, 'suppress' | 'downgrade' | undefined, string]> = [
    ['keeps anomalies of a model at or above the ratio', 0.05, undefined, 'keep'],
    ['suppresses anomalies of a model below the ratio by default', 0.04, undefined, 'suppress'],
    ['downgrades instead when asked', 0.01, 'downgrade', 'downgrade'],
    ['keeps anomalies when the share is unknown', undefined, undefined, 'keep'],
  ];
  for (const [name, share, action, expected] of cases) {
    it(name, () => assert.equal(trafficDecision(share, { minTrafficRatio: 0.05, action }), expected));
  }

  it('returns no anomalies when suppressed and marks them when downgraded', () => {
    const anomalies = [{ subject: 'age' }];
    assert.deepEqual(applyTrafficRatio(anomalies, 0.01, { minTrafficRatio: 0.05 }).anomalies, []);
    assert.deepEqual(applyTrafficRatio(anomalies, 0.01, { minTrafficRatio: 0.05, action: 'downgrade' }).anomalies, [
      { subject: 'age', downgraded: true },
    ]);
    assert.deepEqual(applyTrafficRatio(anomalies, 0.5, { minTrafficRatio: 0.05 }).anomalies, [{ subject: 'age', downgraded: false }]);
  });
});

import assert from 'node:assert/strict';
import { shardSettings } from '../../../operator/src/shard/settings.js';

describe('shardSettings', () => {
  const env = { ALERTIGER_SHARDS: '3', JOB_COMPLETION_INDEX: '2', ALERTIGER_RUN_ID: 'alertiger-feed-28391022' };

  it('is undefined for a single-Pod run (unset, or 1 shard)', () => {
    assert.equal(shardSettings({}, '1d'), undefined);
    assert.equal(shardSettings({ ALERTIGER_SHARDS: '1' }, '1d'), undefined);
  });

  it('reads the count, the index Kubernetes sets and the run id, waiting up to 50 min on a daily run', () => {
    assert.deepEqual(shardSettings(env, '1d'), { shards: 3, index: 2, runId: 'alertiger-feed-28391022', waitMs: 50 * 60_000 });
    assert.equal(shardSettings({ ...env, ALERTIGER_SHARD_WAIT: '90s' }, '1h')?.waitMs, 90_000);
  });

  const bad: Array<[string, Record<string, string>, RegExp]> = [
    ['a shard count over 64', { ...env, ALERTIGER_SHARDS: '65' }, /ALERTIGER_SHARDS: "65" is not a shard count from 1 to 64/],
    ['an index missing', { ALERTIGER_SHARDS: '3', ALERTIGER_RUN_ID: 'j' }, /JOB_COMPLETION_INDEX: "" is not a shard index from 0 to 2/],
    ['an index past the count', { ...env, JOB_COMPLETION_INDEX: '3' }, /JOB_COMPLETION_INDEX: "3"/],
    ['no run id', { ...env, ALERTIGER_RUN_ID: '' }, /ALERTIGER_RUN_ID is empty/],
    ['a wait that is no duration', { ...env, ALERTIGER_SHARD_WAIT: 'soon' }, /ALERTIGER_SHARD_WAIT: "soon" is not a duration/],
  ];
  for (const [why, e, message] of bad) {
    it(`refuses ${why}, naming the variable`, () => assert.throws(() => shardSettings(e, '1d'), message));
  }
});

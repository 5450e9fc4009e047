import assert from 'node:assert/strict';
import { WriteMemo } from '../../../operator/src/controller/memo.js';

describe('WriteMemo', () => {
  it('answers with the cached hash when nothing was written', () => {
    const memo = new WriteMemo(() => 0);
    assert.equal(memo.effective('CronJob/ns/a', 'h1'), 'h1');
    assert.equal(memo.effective('CronJob/ns/a', undefined), undefined);
  });

  it('answers with our recent write while the cache lags behind it', () => {
    let now = 0;
    const memo = new WriteMemo(() => now);
    memo.record('CronJob/ns/a', 'h2', 1000);
    assert.equal(memo.effective('CronJob/ns/a', undefined), 'h2', 'not in the cache yet');
    assert.equal(memo.effective('CronJob/ns/a', 'h1'), 'h2', 'the cache still has the old version');
    now = 1000;
    assert.equal(memo.effective('CronJob/ns/a', 'h1'), 'h1', 'after the TTL the cache is the truth again');
  });

  it('forgets an entry on request (the object was deleted)', () => {
    const memo = new WriteMemo(() => 0);
    memo.record('Secret/ns/a', 'h', 10_000);
    memo.record('Secret/ns/b', 'h', 10_000);
    memo.forget('Secret/ns/a');
    assert.equal(memo.effective('Secret/ns/a', undefined), undefined);
    memo.forgetMatching((id) => id.endsWith('/b'));
    assert.equal(memo.size(), 0);
  });

  it('tells the echo of our own write from a change by anyone else, until the TTL ends', () => {
    let now = 0;
    const memo = new WriteMemo(() => now);
    memo.record('CronJob/ns/a', 'h2', 1000, 'f2');
    assert.equal(memo.isEcho('CronJob/ns/a', 'h2', 'f2'), true);
    assert.equal(memo.isEcho('CronJob/ns/a', 'h2', 'f3'), false, 'a hand edit keeps the hash annotation but moves the fingerprint');
    assert.equal(memo.isEcho('CronJob/ns/a', 'h1', 'f2'), false);
    assert.equal(memo.isEcho('CronJob/ns/b', 'h2', 'f2'), false);
    memo.record('Role/ns/x', 'h', 1000);
    assert.equal(memo.isEcho('Role/ns/x', 'h', undefined), false, 'a write recorded without a fingerprint is never an echo');
    now = 1000;
    assert.equal(memo.isEcho('CronJob/ns/a', 'h2', 'f2'), false);
  });
});

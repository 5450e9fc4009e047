import assert from 'node:assert/strict';
import { WorkQueue } from '../../../operator/src/controller/queue.js';
import { FakeClock } from './fakes.js';

describe('WorkQueue', () => {
  it('holds a waiting key once however often it is added', async () => {
    const q = new WorkQueue({ timers: new FakeClock() });
    q.add('ns/a');
    q.add('ns/b');
    q.add('ns/a');
    assert.equal(q.len(), 2);
    assert.equal(await q.get(), 'ns/a');
    assert.equal(await q.get(), 'ns/b');
  });

  it('never hands out a key being processed; one added meanwhile comes back after done', async () => {
    const q = new WorkQueue({ timers: new FakeClock() });
    q.add('ns/a');
    const key = await q.get();
    q.add('ns/a');
    assert.equal(q.len(), 0, 'not queued while processing');
    q.done(key!);
    assert.equal(q.len(), 1);
    assert.equal(await q.get(), 'ns/a');
  });

  it('does not requeue a key that was not added while processing', async () => {
    const q = new WorkQueue({ timers: new FakeClock() });
    q.add('ns/a');
    q.done((await q.get())!);
    assert.equal(q.len(), 0);
  });

  it('wakes a waiting worker when a key arrives', async () => {
    const q = new WorkQueue({ timers: new FakeClock() });
    const waiting = q.get();
    q.add('ns/x');
    assert.equal(await waiting, 'ns/x');
  });

  it('backs off exponentially per key, and forget resets it', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ timers: clock, initialDelayMs: 100, maxDelayMs: 350 });
    assert.deepEqual([q.addRateLimited('ns/a'), q.failureCount('ns/a')], [100, 1]);
    await clock.advance(99);
    assert.equal(q.len(), 0);
    await clock.advance(1);
    assert.equal(q.len(), 1);
    q.done((await q.get())!);
    assert.equal(q.addRateLimited('ns/a'), 200);
    await clock.advance(200);
    q.done((await q.get())!);
    assert.equal(q.addRateLimited('ns/a'), 350, 'capped');
    assert.equal(q.addRateLimited('ns/b'), 100, 'per key');
    q.forget('ns/a');
    assert.equal(q.failureCount('ns/a'), 0);
  });

  it('releases waiting workers on shutdown and ignores later adds', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ timers: clock });
    const waiting = q.get();
    q.addAfter('ns/later', 1000);
    q.shutdown();
    assert.equal(await waiting, undefined);
    q.add('ns/a');
    await clock.advance(2000);
    assert.equal(q.len(), 0);
    assert.equal(await q.get(), undefined);
  });
});

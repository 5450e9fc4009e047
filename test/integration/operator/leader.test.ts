/**
 * Two operator replicas on one Lease: only the leader writes; when the leader dies without
 * giving the Lease up, the other takes over after the lease duration and carries on.
 */
import assert from 'node:assert/strict';
import {
  applyMonitor, getJson, getMonitor, newNamespace, readyOf, servers, sleep, startTestOperator, testConfig, waitFor, type TestOperator,
} from './helpers.js';

describe('operator leader election on a real API server', function () {
  this.timeout(180_000);
  let ns: string;
  let a: TestOperator;
  let b: TestOperator;

  before(async () => {
    await servers();
    ns = await newNamespace('op-leader');
  });

  after(async () => {
    await a?.running.stop().catch(() => undefined);
    await b?.running.stop().catch(() => undefined);
  });

  it('lets only the leader act, and hands over when the leader dies', async () => {
    const config = testConfig([ns]);
    [a, b] = await Promise.all([startTestOperator(config, 'replica-a'), startTestOperator(config, 'replica-b')]);
    const leader = await waitFor('one leader', async () => {
      const leaders = [a, b].filter((o) => o.running.isLeader());
      return leaders.length === 1 ? leaders[0] : undefined;
    });
    const follower = leader === a ? b : a;
    assert.equal(follower.running.notReadyReason(), undefined, 'a follower is ready too');
    for (const name of ['m1', 'm2', 'm3']) await applyMonitor(ns, name);
    for (const name of ['m1', 'm2', 'm3']) {
      await waitFor(`${name} Ready`, async () => (readyOf(await getMonitor(ns, name))?.status === 'True' ? true : undefined));
    }
    await sleep(1000);
    assert.ok(leader.port.stats().writes >= 3 * 5, `leader wrote ${leader.port.stats().writes}`);
    assert.equal(follower.port.stats().writes, 0, 'the follower wrote nothing');
    assert.equal(follower.running.isLeader(), false);

    // The leader crashes: no release, so the follower must wait out the lease.
    const crashedAt = Date.now();
    await leader.running.stop({ release: false });
    await waitFor('the follower to take over', async () => (follower.running.isLeader() ? true : undefined), 20_000, 100);
    const takeover = Date.now() - crashedAt;
    assert.ok(takeover >= 2500, `took over after ${takeover} ms, before the 3 s lease ran out`);

    await applyMonitor(ns, 'm4');
    await waitFor('m4 Ready via the new leader', async () => (readyOf(await getMonitor(ns, 'm4'))?.status === 'True' ? true : undefined));
    const cronJobs = await getJson<{ items: { metadata: { name: string } }[] }>(['-n', ns, 'get', 'cronjobs']);
    assert.deepEqual(cronJobs.items.map((c) => c.metadata.name).sort(), ['m1-alertiger', 'm2-alertiger', 'm3-alertiger', 'm4-alertiger']);
  });
});

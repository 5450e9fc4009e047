import assert from 'node:assert/strict';
import { LeaderElector, leaseAction, microTime } from '../../../operator/src/controller/leader.js';
import { LEASE } from '../../../operator/src/k8s/types.js';
import { silentLogger } from '../../../operator/src/log.js';
import { FakeClock, FakePort } from './fakes.js';

describe('leaseAction', () => {
  const table: [string, Parameters<typeof leaseAction>, string][] = [
    ['creates a missing lease', [undefined, 'me', 0, 0, 15_000], 'create'],
    ['renews its own lease', [{ holderIdentity: 'me' }, 'me', 0, 0, 15_000], 'renew'],
    ['acquires a released lease at once', [{ holderIdentity: '' }, 'me', 0, 0, 15_000], 'acquire'],
    ['follows a fresh leader', [{ holderIdentity: 'other', leaseDurationSeconds: 15 }, 'me', 14_999, 0, 15_000], 'follow'],
    ['takes over a lease unchanged for its whole duration', [{ holderIdentity: 'other', leaseDurationSeconds: 15 }, 'me', 15_000, 0, 15_000], 'acquire'],
    ["uses the lease's own duration over ours", [{ holderIdentity: 'other', leaseDurationSeconds: 60 }, 'me', 30_000, 0, 15_000], 'follow'],
  ];
  for (const [what, args, expected] of table) {
    it(`${what}`, () => assert.equal(leaseAction(...args), expected));
  }

  it('formats MicroTime with six fraction digits', () => {
    assert.equal(microTime(Date.parse('2026-11-20T10:00:00.123Z')), '2026-11-20T10:00:00.123000Z');
  });
});

describe('LeaderElector', () => {
  // Each test starts from a fresh clock, API and log of leadership changes.
  let clock: FakeClock;
  let port: FakePort;
  let log: string[];
  beforeEach(() => {
    clock = new FakeClock();
    port = new FakePort();
    log = [];
  });

  function elector(port: FakePort, clock: FakeClock, identity: string, log: string[]): LeaderElector {
    return new LeaderElector({
      port, namespace: 'alertiger-system', name: 'lease', identity,
      leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000,
      log: silentLogger, now: clock.now, timers: clock,
      onStartedLeading: () => log.push(`${identity} leads`),
      onStoppedLeading: () => log.push(`${identity} stops`),
    });
  }

  it('elects exactly one of two replicas, and hands over only after the lease runs out', async () => {
    const a = elector(port, clock, 'a', log);
    const b = elector(port, clock, 'b', log);
    a.start();
    b.start();
    await clock.advance(10);
    assert.deepEqual(log, ['a leads']);
    assert.equal(b.stateKnown(), true);
    assert.equal(b.isLeader(), false);
    await clock.advance(30_000);
    assert.deepEqual(log, ['a leads'], 'renewals keep a in charge');
    const renewTime = (port.find(LEASE.kind, 'alertiger-system', 'lease')!.spec as { renewTime: string }).renewTime;
    assert.match(renewTime, /\.\d{6}Z$/);
    assert.ok(clock.now() - Date.parse(renewTime) <= 2_000, `renewed at ${renewTime}, now ${new Date(clock.now()).toISOString()}`);

    // a crashes (stops without releasing): b must wait a full lease duration.
    await a.stop(false);
    const crashedAt = clock.now();
    while (!b.isLeader()) await clock.advance(500);
    const waited = clock.now() - crashedAt;
    assert.ok(waited >= 13_000 && waited <= 17_500, `b took over after ${waited} ms`);
    assert.equal((port.find(LEASE.kind, 'alertiger-system', 'lease')!.spec as { leaseTransitions: number }).leaseTransitions, 1);
    await b.stop();
  });

  it('renews from its own last write, with no read in between, and reads again after a conflict', async () => {
    const a = elector(port, clock, 'a', log);
    a.start();
    await clock.advance(10);
    assert.deepEqual(log, ['a leads']);
    const reads = port.stats().reads;
    const writes = port.stats().leaseWrites;
    await clock.advance(20_000);
    assert.equal(port.stats().reads, reads, 'renewals read nothing: the Lease is the one our last write returned');
    assert.ok(port.stats().leaseWrites - writes >= 9, `renewed ${port.stats().leaseWrites - writes} times`);
    // Someone else writes the Lease behind our back (a new resourceVersion): our next renewal
    // gets a 409, and the one after reads the Lease again instead of trusting the stale copy.
    const lease = port.find(LEASE.kind, 'alertiger-system', 'lease')!;
    await port.replace(LEASE, { ...lease, metadata: { ...lease.metadata, annotations: { touched: 'yes' } } });
    await clock.advance(4_100);
    assert.ok(port.stats().reads > reads, 'read again after the conflict');
    assert.equal(a.isLeader(), true, 'still its own Lease: it renews it after reading');
    await a.stop();
  });

  it('hands over at once when the leader releases the lease on stop', async () => {
    const a = elector(port, clock, 'a', log);
    const b = elector(port, clock, 'b', log);
    a.start();
    await clock.advance(10);
    b.start();
    await clock.advance(10);
    await a.stop();
    await clock.advance(2_000);
    assert.deepEqual(log, ['a leads', 'a stops', 'b leads']);
    await b.stop();
  });

  it('stops leading when it cannot renew within the renew deadline', async () => {
    const a = elector(port, clock, 'a', log);
    a.start();
    await clock.advance(10);
    port.failures.set(LEASE.kind, 503);
    await clock.advance(8_000);
    assert.equal(a.isLeader(), true, 'still within the deadline');
    await clock.advance(4_000);
    assert.equal(a.isLeader(), false);
    assert.deepEqual(log, ['a leads', 'a stops']);
    port.failures.delete(LEASE.kind);
    await clock.advance(2_000);
    assert.equal(a.isLeader(), true, 'leads again once the API answers (its own lease)');
    await a.stop();
  });

  it('loses a race for the lease to the replica whose write landed first', async () => {
    port.put({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'lease', namespace: 'alertiger-system' }, spec: { holderIdentity: '' } });
    const a = elector(port, clock, 'a', log);
    // Another replica writes between a's read and a's write.
    const replace = port.replace.bind(port);
    port.replace = async (type, obj) => {
      port.put({ ...port.find(LEASE.kind, 'alertiger-system', 'lease')!, spec: { holderIdentity: 'b', leaseDurationSeconds: 15 } });
      port.replace = replace;
      return replace(type, obj);
    };
    await a.tryOnce();
    assert.equal(a.isLeader(), false);
    assert.equal(a.stateKnown(), true);
    assert.equal((port.find(LEASE.kind, 'alertiger-system', 'lease')!.spec as { holderIdentity: string }).holderIdentity, 'b');
  });
});

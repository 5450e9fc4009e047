import assert from 'node:assert/strict';
import { LeaderElector } from '../../../operator/src/controller/leader.js';
import { KubeApiError } from '../../../operator/src/k8s/errors.js';
import { LEASE, type KubeObject, type ResourceType } from '../../../operator/src/k8s/types.js';
import { createLogger } from '../../../operator/src/log.js';
import { FakeClock, FakePort } from './fakes.js';

/** A port whose Lease namespace can be made to vanish: creates then fail as the API server does. */
class NamespacedPort extends FakePort {
  namespaceExists = false;

  override async create(type: ResourceType, obj: KubeObject): Promise<KubeObject> {
    if (type.kind === LEASE.kind && !this.namespaceExists) {
      throw new KubeApiError(404, `create Lease ${obj.metadata.namespace}/${obj.metadata.name}: namespaces "${obj.metadata.namespace}" not found`);
    }
    return super.create(type, obj);
  }
}

describe('LeaderElector problems', () => {
  function setup(port: FakePort, clock: FakeClock, identity = 'a'): { elector: LeaderElector; warnings: string[]; errors: string[]; events: string[] } {
    const warnings: string[] = [];
    const errors: string[] = [];
    const events: string[] = [];
    const log = createLogger({ write: (line) => {
      const entry = JSON.parse(line) as { level: string; msg: string; error?: string };
      if (entry.level === 'warn') warnings.push(`${entry.msg}: ${entry.error}`);
    } });
    const elector = new LeaderElector({
      port, namespace: 'alertiger-system', name: 'alertiger-operator', identity,
      leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000,
      log, now: clock.now, timers: clock,
      onStartedLeading: () => events.push('leads'),
      onStoppedLeading: () => events.push('stops'),
      onError: (reason) => errors.push(reason),
    });
    return { elector, warnings, errors, events };
  }

  it('names a missing namespace, warns once for many retries, counts each, and recovers when it appears', async () => {
    const clock = new FakeClock();
    const port = new NamespacedPort();
    const { elector, warnings, errors, events } = setup(port, clock);
    elector.start();
    await clock.advance(10);
    assert.equal(elector.stateKnown(), true);
    assert.equal(elector.problem(),
      'cannot take the leader Lease alertiger-system/alertiger-operator: create Lease alertiger-system/alertiger-operator: namespaces "alertiger-system" not found');
    await clock.advance(20_000);
    assert.equal(errors.length, 11, 'every failed attempt is counted');
    assert.ok(errors.every((r) => r === 'NotFound'));
    assert.equal(warnings.length, 1, `one warning for one cause: ${warnings.join('; ')}`);
    assert.match(warnings[0], /namespaces "alertiger-system" not found/);

    port.namespaceExists = true;
    await clock.advance(2_000);
    assert.equal(elector.isLeader(), true);
    assert.equal(elector.problem(), undefined);
    assert.deepEqual(events, ['leads']);
    await elector.stop();
  });

  it('warns again when the cause changes, and not for a race lost to another replica', async () => {
    const clock = new FakeClock();
    const port = new FakePort();
    const { elector, warnings, errors } = setup(port, clock);
    port.failures.set(LEASE.kind, 403);
    elector.start();
    await clock.advance(4_010);
    port.failures.set(LEASE.kind, 503);
    await clock.advance(4_000);
    assert.deepEqual(warnings.map((w) => w.replace(/^.*: injected/, 'injected')), ['injected 403 for Lease', 'injected 503 for Lease']);
    assert.match(elector.problem() ?? '', /^cannot take the leader Lease alertiger-system\/alertiger-operator: injected 503/);
    assert.deepEqual([...new Set(errors)], ['Forbidden', 'ApiUnavailable']);
    await elector.stop();

    // A 409 is another replica winning the same write: no problem, no warning, no count.
    const raced = new FakePort();
    raced.put({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'alertiger-operator', namespace: 'alertiger-system' }, spec: { holderIdentity: '' } });
    const other = setup(raced, clock, 'b');
    const replace = raced.replace.bind(raced);
    raced.replace = async (type, obj) => {
      raced.put({ ...raced.find(LEASE.kind, 'alertiger-system', 'alertiger-operator')!, spec: { holderIdentity: 'c', leaseDurationSeconds: 15 } });
      raced.replace = replace;
      return replace(type, obj);
    };
    await other.elector.tryOnce();
    assert.equal(other.elector.isLeader(), false);
    assert.equal(other.elector.problem(), undefined);
    assert.deepEqual(other.warnings, []);
    assert.deepEqual(other.errors, []);
  });

  it('keeps a follower of a healthy leader free of problems', async () => {
    const clock = new FakeClock();
    const port = new FakePort();
    const leader = setup(port, clock, 'a');
    const follower = setup(port, clock, 'b');
    leader.elector.start();
    await clock.advance(10);
    follower.elector.start();
    await clock.advance(10_000);
    assert.equal(follower.elector.isLeader(), false);
    assert.equal(follower.elector.stateKnown(), true);
    assert.equal(follower.elector.problem(), undefined);
    await leader.elector.stop();
    await follower.elector.stop();
  });

  it('reports the problem of a leader that lost its Lease to an outage', async () => {
    const clock = new FakeClock();
    const port = new FakePort();
    const { elector, events } = setup(port, clock);
    elector.start();
    await clock.advance(10);
    port.failures.set(LEASE.kind, 503);
    await clock.advance(4_000);
    assert.equal(elector.problem(), undefined, 'a leader within its renew deadline still leads');
    await clock.advance(8_000);
    assert.deepEqual(events, ['leads', 'stops']);
    assert.match(elector.problem() ?? '', /injected 503 for Lease/);
    port.failures.delete(LEASE.kind);
    await clock.advance(2_000);
    assert.equal(elector.problem(), undefined);
    assert.equal(elector.isLeader(), true);
    await elector.stop();
  });
});

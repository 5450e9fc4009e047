/**
 * Two operator replicas on one Lease: only the leader writes; when the leader dies without
 * giving the Lease up, the other takes over after the lease duration and carries on. A Lease
 * that cannot be taken (its namespace missing) makes the operator not ready, saying why, until
 * the cause is fixed.
 */
import assert from 'node:assert/strict';
import {
  applyMonitor, getJson, getMonitor, kubectl, kubectlOk, logFile, newNamespace, readyOf, servers, sleep, startTestOperator, testConfig, waitFor, type TestOperator,
} from './helpers.js';
import { readFileSync } from 'node:fs';

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
    // At least one write per monitor (a monitor costs at most 2 since issue 11, so no more than that).
    assert.ok(leader.port.stats().writes >= 3, `leader wrote ${leader.port.stats().writes}`);
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

  it('is not ready while its Lease namespace is missing, says why, and leads once it exists', async () => {
    const leaseNs = `lease-missing-${Date.now().toString(36)}`;
    const own = await newNamespace('op-lease');
    const config = testConfig([own], { ALERTIGER_OPERATOR_NAMESPACE: leaseNs });
    const op = await startTestOperator(config, 'replica-lonely');
    try {
      await applyMonitor(own, 'waiting');
      const readyz = async (): Promise<{ status: number; body: string }> => {
        const res = await fetch(`http://127.0.0.1:${op.running.httpPort}/readyz`);
        return { status: res.status, body: await res.text() };
      };
      const notReady = await waitFor('/readyz to name the missing namespace', async () => {
        const r = await readyz();
        return r.status === 503 && r.body.includes('not found') ? r : undefined;
      });
      assert.match(notReady.body, new RegExp(`^not ready: cannot take the leader Lease ${leaseNs}/${config.leaseName}: .*namespaces "${leaseNs}" not found\n$`));
      // Several retries (500 ms apart) pass: one warning for the one cause, every failure counted.
      await sleep(2500);
      const warnings = readFileSync(logFile, 'utf8').split('\n').filter((l) => l.includes('"identity":"replica-lonely"') && l.includes('Cannot use the leader Lease'));
      assert.equal(warnings.length, 1, warnings.join('\n'));
      const metrics = await (await fetch(`http://127.0.0.1:${op.running.httpPort}/metrics`)).text();
      const count = Number(/^alertiger_leader_election_errors_total\{reason="NotFound"\} (\d+)$/m.exec(metrics)?.[1]);
      assert.ok(count >= 4, `alertiger_leader_election_errors_total{reason="NotFound"} = ${count}`);
      assert.equal(op.running.isLeader(), false);
      const cronJobs = await getJson<{ items: unknown[] }>(['-n', own, 'get', 'cronjobs']);
      assert.equal(cronJobs.items.length, 0, 'nothing acts without a leader');

      // The fix, without a restart: the namespace appears, the replica leads and acts.
      await kubectlOk(['create', 'namespace', leaseNs]);
      await waitFor('ready', async () => ((await readyz()).status === 200 ? true : undefined), 20_000, 100);
      assert.equal(op.running.isLeader(), true);
      await waitFor('the CronJob', async () => ((await kubectl(['-n', own, 'get', 'cronjob', 'waiting-alertiger'])).code === 0 ? true : undefined));
      assert.match(readFileSync(logFile, 'utf8'), /"msg":"The leader Lease is usable again"[^\n]*"identity":"replica-lonely"|"identity":"replica-lonely"[^\n]*"msg":"The leader Lease is usable again"/);
    } finally {
      await op.running.stop();
      await kubectl(['delete', 'namespace', leaseNs, '--wait=false']);
    }
  });
});

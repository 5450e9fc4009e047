/**
 * The operator against the real API server: one ModelMonitor becomes exactly one CronJob (and
 * the job's ServiceAccount, Role, RoleBinding and credentials Secret), spec changes and suspend
 * are carried, nothing is rewritten when nothing changed, a deleted CronJob comes back, an
 * invalid spec gets Ready=False and no CronJob.
 */
import assert from 'node:assert/strict';
import {
  JOB_IMAGE, OPERATOR_NAMESPACE, applyMonitor, getJson, getMonitor, kubectlOk, newNamespace, readyOf, servers,
  sleep, startTestOperator, testConfig, waitFor, type TestOperator,
} from './helpers.js';

interface CronJob {
  metadata: { name: string; resourceVersion: string; uid: string; ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }[] };
  spec: {
    schedule: string;
    suspend: boolean;
    concurrencyPolicy: string;
    jobTemplate: { spec: { template: { spec: {
      serviceAccountName: string;
      containers: { image: string; args: string[]; env: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[] }[];
    } } } };
  };
}

const SECRET_NAME = 'alertiger-influx';

describe('operator reconcile on a real API server', function () {
  this.timeout(180_000);
  let ns: string;
  let op: TestOperator;

  before(async () => {
    await servers();
    ns = await newNamespace('op-reconcile');
    // The operator's InfluxDB credentials, in its own namespace, to be mirrored.
    const existing = await getJson<{ items: unknown[] }>(['-n', OPERATOR_NAMESPACE, 'get', 'secrets', '--field-selector', `metadata.name=${SECRET_NAME}`]);
    if (existing.items.length === 0) {
      await kubectlOk(['-n', OPERATOR_NAMESPACE, 'create', 'secret', 'generic', SECRET_NAME, '--from-literal=username=writer', '--from-literal=password=s3cret']);
    }
    op = await startTestOperator(testConfig([ns], { ALERTIGER_INFLUX_SECRET: SECRET_NAME }), 'reconcile-a');
    await waitFor('the operator to lead', async () => (op.running.isLeader() ? true : undefined));
  });

  after(async () => {
    await op?.running.stop();
  });

  it('creates exactly one CronJob with the schedule, image, args and owner, plus the job identity and Ready=True', async () => {
    await applyMonitor(ns, 'feed-ranker', { granularity: '1h' });
    const monitor = await waitFor('Ready=True', async () => {
      const m = await getMonitor(ns, 'feed-ranker');
      return readyOf(m)?.status === 'True' ? m : undefined;
    });
    assert.equal(monitor.status?.cronJobName, 'feed-ranker-alertiger');
    assert.equal(monitor.status?.observedGeneration, monitor.metadata.generation);
    const cronJobs = await getJson<{ items: CronJob[] }>(['-n', ns, 'get', 'cronjobs']);
    assert.equal(cronJobs.items.length, 1);
    const cj = cronJobs.items[0]!;
    assert.equal(cj.metadata.name, 'feed-ranker-alertiger');
    assert.equal(cj.spec.schedule, '5 * * * *');
    assert.equal(cj.spec.concurrencyPolicy, 'Forbid');
    assert.equal(cj.spec.suspend, false);
    const pod = cj.spec.jobTemplate.spec.template.spec;
    assert.equal(pod.serviceAccountName, 'feed-ranker-alertiger');
    assert.equal(pod.containers[0]!.image, JOB_IMAGE);
    assert.deepEqual(pod.containers[0]!.args, ['job', '--monitor', `${ns}/feed-ranker`]);
    const owner = cj.metadata.ownerReferences ?? [];
    assert.equal(owner.length, 1);
    assert.deepEqual([owner[0]!.kind, owner[0]!.name, owner[0]!.uid, owner[0]!.controller, owner[0]!.blockOwnerDeletion], ['ModelMonitor', 'feed-ranker', monitor.metadata.uid, true, true]);
    const password = pod.containers[0]!.env.find((e) => e.name === 'ALERTIGER_INFLUX_PASSWORD');
    assert.deepEqual(password?.valueFrom?.secretKeyRef, { name: 'feed-ranker-alertiger', key: 'password', optional: true });
    assert.ok(!JSON.stringify(cj).includes('s3cret'), 'no credential in the CronJob');

    for (const kind of ['serviceaccount', 'role', 'rolebinding', 'secret']) {
      const obj = await getJson<{ metadata: { ownerReferences?: { uid: string }[] } }>(['-n', ns, 'get', kind, 'feed-ranker-alertiger']);
      assert.equal(obj.metadata.ownerReferences?.[0]?.uid, monitor.metadata.uid, `${kind} owned by the monitor`);
    }
    const mirrored = await getJson<{ data: Record<string, string> }>(['-n', ns, 'get', 'secret', 'feed-ranker-alertiger']);
    assert.deepEqual(Object.keys(mirrored.data).sort(), ['password', 'username']);
    assert.equal(Buffer.from(mirrored.data.password!, 'base64').toString(), 's3cret');
    const role = await getJson<{ rules: { resources: string[]; resourceNames: string[]; verbs: string[] }[] }>(['-n', ns, 'get', 'role', 'feed-ranker-alertiger']);
    assert.deepEqual(role.rules.map((r) => [r.resources, r.resourceNames, r.verbs]), [
      [['modelmonitors'], ['feed-ranker'], ['get']],
      [['modelmonitors/status'], ['feed-ranker'], ['patch', 'update']],
    ]);
    const events = await waitFor('a CronJobCreated event', async () => {
      const list = await getJson<{ items: { reason: string; involvedObject: { name: string } }[] }>(['-n', ns, 'get', 'events']);
      const found = list.items.filter((e) => e.reason === 'CronJobCreated' && e.involvedObject.name === 'feed-ranker');
      return found.length > 0 ? found : undefined;
    });
    assert.equal(events.length, 1);
  });

  it('carries spec changes and suspend to the CronJob', async () => {
    await applyMonitor(ns, 'feed-ranker', { granularity: '1h', schedule: '30 3 * * *', suspend: true });
    const cj = await waitFor('the new schedule', async () => {
      const c = await getJson<CronJob>(['-n', ns, 'get', 'cronjob', 'feed-ranker-alertiger']);
      return c.spec.schedule === '30 3 * * *' ? c : undefined;
    });
    assert.equal(cj.spec.suspend, true);
    const monitor = await waitFor('observedGeneration to follow', async () => {
      const m = await getMonitor(ns, 'feed-ranker');
      return m.status?.observedGeneration === m.metadata.generation ? m : undefined;
    });
    assert.match(readyOf(monitor)?.message ?? '', /suspended/);
  });

  it('writes nothing when nothing changed, through resyncs and metadata-only updates', async () => {
    await sleep(1500);
    const kinds = ['cronjob', 'serviceaccount', 'role', 'rolebinding', 'secret'];
    const before = await Promise.all(kinds.map((k) => getJson<{ metadata: { resourceVersion: string } }>(['-n', ns, 'get', k, 'feed-ranker-alertiger'])));
    const monitorBefore = await getMonitor(ns, 'feed-ranker');
    const writesBefore = op.port.stats().writes;
    // A label change is an update event without a spec change; resync re-queues everything.
    await kubectlOk(['-n', ns, 'label', 'modelmonitor', 'feed-ranker', 'touched=yes']);
    op.running.controller.resync();
    await sleep(1500);
    op.running.controller.resync();
    await sleep(1500);
    const after = await Promise.all(kinds.map((k) => getJson<{ metadata: { resourceVersion: string } }>(['-n', ns, 'get', k, 'feed-ranker-alertiger'])));
    assert.deepEqual(after.map((o) => o.metadata.resourceVersion), before.map((o) => o.metadata.resourceVersion));
    assert.equal(op.port.stats().writes - writesBefore, 0, `writes: ${JSON.stringify(op.port.stats().writesByKind)}`);
    const monitorAfter = await getMonitor(ns, 'feed-ranker');
    assert.deepEqual(monitorAfter.status, monitorBefore.status);
  });

  it('recreates a deleted CronJob', async () => {
    const old = await getJson<CronJob>(['-n', ns, 'get', 'cronjob', 'feed-ranker-alertiger']);
    await kubectlOk(['-n', ns, 'delete', 'cronjob', 'feed-ranker-alertiger']);
    const recreated = await waitFor('the CronJob to come back', async () => {
      const list = await getJson<{ items: CronJob[] }>(['-n', ns, 'get', 'cronjobs']);
      const c = list.items.find((i) => i.metadata.name === 'feed-ranker-alertiger');
      return c !== undefined && c.metadata.uid !== old.metadata.uid ? c : undefined;
    });
    assert.equal(recreated.spec.schedule, '30 3 * * *');
    assert.equal((await getJson<{ items: CronJob[] }>(['-n', ns, 'get', 'cronjobs'])).items.length, 1);
  });

  it('puts right a conflicting write: a schedule edited and a rule added behind its back', async () => {
    await kubectlOk(['-n', ns, 'patch', 'cronjob', 'feed-ranker-alertiger', '--type=merge', '-p', '{"spec":{"schedule":"* * * * *"}}']);
    await kubectlOk(['-n', ns, 'patch', 'role', 'feed-ranker-alertiger', '--type=json', '-p',
      '[{"op":"add","path":"/rules/-","value":{"apiGroups":[""],"resources":["secrets"],"verbs":["get","list"]}}]']);
    await waitFor('the schedule restored', async () => {
      const c = await getJson<CronJob>(['-n', ns, 'get', 'cronjob', 'feed-ranker-alertiger']);
      return c.spec.schedule === '30 3 * * *' ? true : undefined;
    });
    await waitFor('the extra rule removed', async () => {
      const role = await getJson<{ rules: { resources: string[] }[] }>(['-n', ns, 'get', 'role', 'feed-ranker-alertiger']);
      return role.rules.every((r) => !r.resources.includes('secrets')) ? true : undefined;
    });
    // And then it settles: no write on the next passes.
    await sleep(1000);
    const writes = op.port.stats().writes;
    op.running.controller.resync();
    await sleep(1500);
    assert.equal(op.port.stats().writes, writes);
  });

  it('sets Ready=False naming the field and creates nothing for a spec that fails semantic validation', async () => {
    // The API server admits this (each cron field matches its pattern) but the range runs backwards.
    await applyMonitor(ns, 'backwards', { schedule: '50-10 * * * *' });
    const monitor = await waitFor('Ready=False', async () => {
      const m = await getMonitor(ns, 'backwards');
      return readyOf(m)?.status === 'False' ? m : undefined;
    });
    const ready = readyOf(monitor)!;
    assert.equal(ready.reason, 'InvalidSpec');
    assert.match(ready.message, /spec\.schedule/);
    assert.equal(monitor.status?.cronJobName, undefined);
    await sleep(1000);
    for (const kind of ['cronjob', 'serviceaccount', 'role', 'rolebinding', 'secret']) {
      const r = await getJson<{ items: unknown[] }>(['-n', ns, 'get', kind, '--field-selector', 'metadata.name=backwards-alertiger']);
      assert.equal(r.items.length, 0, `no ${kind} for an invalid monitor`);
    }
    // Fixing the spec creates the CronJob and flips Ready.
    await applyMonitor(ns, 'backwards', { schedule: '10-50 * * * *' });
    await waitFor('Ready=True after the fix', async () => (readyOf(await getMonitor(ns, 'backwards'))?.status === 'True' ? true : undefined));
    const cj = await getJson<CronJob>(['-n', ns, 'get', 'cronjob', 'backwards-alertiger']);
    assert.equal(cj.spec.schedule, '10-50 * * * *');
  });
});

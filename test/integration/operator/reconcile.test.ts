/**
 * The operator against the real API server: one ModelMonitor becomes exactly one CronJob (run as
 * the namespace's job identity, credentials referenced from the user's Secret, no Secret
 * written), spec changes and suspend are carried, nothing is rewritten when nothing changed, a
 * deleted CronJob comes back, the pod template is owned whole (a hand-added command or sidecar is
 * removed), the job identity is put back when deleted and removed with the namespace's last
 * monitor, an invalid spec gets Ready=False and no CronJob.
 */
import assert from 'node:assert/strict';
import {
  JOB_IMAGE, applyMonitor, getJson, getMonitor, kubectlOk, newNamespace, readyOf, servers,
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
      containers: { name: string; image: string; args: string[]; command?: string[]; env: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[] }[];
    } } } };
  };
}

/** The Secret users keep in each monitor namespace; the operator only references it. */
const SECRET_NAME = 'alertiger-influx';
const IDENTITY = 'alertiger-job';

describe('operator reconcile on a real API server', function () {
  this.timeout(180_000);
  let ns: string;
  let op: TestOperator;

  before(async () => {
    await servers();
    ns = await newNamespace('op-reconcile');
    await kubectlOk(['-n', ns, 'create', 'secret', 'generic', SECRET_NAME, '--from-literal=username=writer', '--from-literal=password=s3cret']);
    op = await startTestOperator(testConfig([ns], { ALERTIGER_INFLUX_SECRET: SECRET_NAME }), 'reconcile-a');
    await waitFor('the operator to lead', async () => (op.running.isLeader() ? true : undefined));
  });

  after(async () => {
    await op?.running.stop();
  });

  it("creates exactly one CronJob with the schedule, image, args and owner, the namespace's job identity and Ready=True", async () => {
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
    assert.equal(pod.serviceAccountName, IDENTITY);
    assert.equal(pod.containers[0]!.image, JOB_IMAGE);
    assert.deepEqual(pod.containers[0]!.args, ['job', '--monitor', `${ns}/feed-ranker`]);
    const owner = cj.metadata.ownerReferences ?? [];
    assert.equal(owner.length, 1);
    assert.deepEqual([owner[0]!.kind, owner[0]!.name, owner[0]!.uid, owner[0]!.controller, owner[0]!.blockOwnerDeletion], ['ModelMonitor', 'feed-ranker', monitor.metadata.uid, true, true]);
    const password = pod.containers[0]!.env.find((e) => e.name === 'ALERTIGER_INFLUX_PASSWORD');
    assert.deepEqual(password?.valueFrom?.secretKeyRef, { name: SECRET_NAME, key: 'password', optional: true });
    assert.ok(!JSON.stringify(cj).includes('s3cret'), 'no credential in the CronJob');

    for (const kind of ['serviceaccount', 'role', 'rolebinding']) {
      const obj = await getJson<{ metadata: { labels: Record<string, string>; ownerReferences?: unknown[] } }>(['-n', ns, 'get', kind, IDENTITY]);
      assert.equal(obj.metadata.ownerReferences, undefined, `${kind} belongs to the namespace, not to one monitor`);
      assert.equal(obj.metadata.labels['app.kubernetes.io/managed-by'], 'alertiger-operator');
    }
    const role = await getJson<{ rules: { resources: string[]; resourceNames?: string[]; verbs: string[] }[] }>(['-n', ns, 'get', 'role', IDENTITY]);
    assert.deepEqual(role.rules.map((r) => [r.resources, r.resourceNames, r.verbs]), [
      [['modelmonitors'], undefined, ['get']],
      [['modelmonitors/status'], undefined, ['patch', 'update']],
      [['deployments', 'statefulsets'], undefined, ['get']],
      [['replicasets', 'controllerrevisions'], undefined, ['list']],
      [['inferenceservices'], undefined, ['get']],
      [['revisions'], undefined, ['list']],
    ]);
    const secrets = await getJson<{ items: { metadata: { name: string } }[] }>(['-n', ns, 'get', 'secrets']);
    assert.deepEqual(secrets.items.map((i) => i.metadata.name), [SECRET_NAME], 'the operator writes no Secret');
    assert.deepEqual(op.port.stats().writesByKind.Secret, undefined);
    const events = await getJson<{ items: { reason: string; involvedObject: { name: string } }[] }>(['-n', ns, 'get', 'events']);
    assert.deepEqual(events.items.filter((e) => e.involvedObject.name === 'feed-ranker').map((e) => e.reason), [], 'a creation raises no Event');
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
    const objects = [['cronjob', 'feed-ranker-alertiger'], ['serviceaccount', IDENTITY], ['role', IDENTITY], ['rolebinding', IDENTITY]];
    const read = (): Promise<{ metadata: { resourceVersion: string } }[]> =>
      Promise.all(objects.map(([kind, name]) => getJson<{ metadata: { resourceVersion: string } }>(['-n', ns, 'get', kind!, name!])));
    const before = await read();
    const monitorBefore = await getMonitor(ns, 'feed-ranker');
    const writesBefore = op.port.stats().writes;
    // A label change is an update event without a spec change; resync re-queues everything.
    await kubectlOk(['-n', ns, 'label', 'modelmonitor', 'feed-ranker', 'touched=yes']);
    op.running.controller.resync();
    await sleep(1500);
    op.running.controller.resync();
    await sleep(1500);
    const after = await read();
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
    await kubectlOk(['-n', ns, 'patch', 'role', IDENTITY, '--type=json', '-p',
      '[{"op":"add","path":"/rules/-","value":{"apiGroups":[""],"resources":["secrets"],"verbs":["get","list"]}}]']);
    await waitFor('the schedule restored', async () => {
      const c = await getJson<CronJob>(['-n', ns, 'get', 'cronjob', 'feed-ranker-alertiger']);
      return c.spec.schedule === '30 3 * * *' ? true : undefined;
    });
    await waitFor('the extra rule removed', async () => {
      const role = await getJson<{ rules: { resources: string[] }[] }>(['-n', ns, 'get', 'role', IDENTITY]);
      return role.rules.every((r) => !r.resources.includes('secrets')) ? true : undefined;
    });
    // And then it settles: no write on the next passes.
    await sleep(1000);
    const writes = op.port.stats().writes;
    op.running.controller.resync();
    await sleep(1500);
    assert.equal(op.port.stats().writes, writes);
  });

  it('owns the pod template whole: a command added by hand, or a sidecar applied by another manager, is removed', async () => {
    const container = (c: CronJob): CronJob['spec']['jobTemplate']['spec']['template']['spec']['containers'] => c.spec.jobTemplate.spec.template.spec.containers;
    // The patch's own answer shows it took (the operator may have undone it before a later read).
    const patched = JSON.parse(await kubectlOk(['-n', ns, 'patch', 'cronjob', 'feed-ranker-alertiger', '-o', 'json', '-p',
      JSON.stringify({ spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'job', command: ['sh', '-c', 'echo pwned'] }] } } } } } })])) as CronJob;
    assert.deepEqual(container(patched)[0]!.command, ['sh', '-c', 'echo pwned'], 'the patch took');
    await waitFor('the command removed', async () => {
      const c = await getJson<CronJob>(['-n', ns, 'get', 'cronjob', 'feed-ranker-alertiger']);
      return container(c)[0]!.command === undefined ? true : undefined;
    });
    // Server-side apply by another manager: a field the operator never sets, owned by someone else.
    const sidecar = {
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'feed-ranker-alertiger', namespace: ns },
      spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox' }] } } } } },
    };
    const applied = JSON.parse(await kubectlOk(['apply', '--server-side', '--field-manager=intruder', '-o', 'json', '-f', '-'], { input: JSON.stringify(sidecar) })) as CronJob;
    assert.deepEqual(container(applied).map((c) => c.name).sort(), ['job', 'sidecar'], 'the apply took');
    const final = await waitFor('the sidecar removed', async () => {
      const c = await getJson<CronJob>(['-n', ns, 'get', 'cronjob', 'feed-ranker-alertiger']);
      return container(c).length === 1 ? c : undefined;
    });
    assert.deepEqual(container(final).map((c) => [c.name, c.command]), [['job', undefined]]);
    assert.equal(final.spec.schedule, '30 3 * * *');
    await sleep(1000);
    const writes = op.port.stats().writes;
    op.running.controller.resync();
    await sleep(1500);
    assert.equal(op.port.stats().writes, writes, `settled: ${JSON.stringify(op.port.stats().writesByKind)}`);
  });

  it("puts the namespace's job identity back at once when it is deleted", async () => {
    const old = await getJson<{ metadata: { uid: string } }>(['-n', ns, 'get', 'rolebinding', IDENTITY]);
    await kubectlOk(['-n', ns, 'delete', 'rolebinding', IDENTITY]);
    await waitFor('the RoleBinding back', async () => {
      const list = await getJson<{ items: { metadata: { name: string; uid: string } }[] }>(['-n', ns, 'get', 'rolebindings']);
      return list.items.some((i) => i.metadata.name === IDENTITY && i.metadata.uid !== old.metadata.uid) ? true : undefined;
    }, 10_000);
  });

  it('sets Ready=False naming the field and creates nothing for a spec that fails semantic validation', async () => {
    // The API server admits this (its CEL rules can't afford matching every exclude pattern
    // against every categorical field) but the operator refuses it: the exclude hides a feature.
    await applyMonitor(ns, 'backwards', { schema: { categorical: ['debug_country'], exclude: ['debug_*'] } });
    const monitor = await waitFor('Ready=False', async () => {
      const m = await getMonitor(ns, 'backwards');
      return readyOf(m)?.status === 'False' ? m : undefined;
    });
    const ready = readyOf(monitor)!;
    assert.equal(ready.reason, 'InvalidSpec');
    assert.match(ready.message, /spec\.schema\.exclude/);
    assert.equal(monitor.status?.cronJobName, undefined);
    await sleep(1000);
    for (const kind of ['cronjob', 'serviceaccount', 'role', 'rolebinding', 'secret']) {
      const r = await getJson<{ items: unknown[] }>(['-n', ns, 'get', kind, '--field-selector', 'metadata.name=backwards-alertiger']);
      assert.equal(r.items.length, 0, `no ${kind} for an invalid monitor`);
    }
    // Fixing the spec creates the CronJob and flips Ready.
    await applyMonitor(ns, 'backwards', { schedule: '10-50 * * * *', schema: { categorical: ['debug_country'], exclude: ['trace_*'] } });
    await waitFor('Ready=True after the fix', async () => (readyOf(await getMonitor(ns, 'backwards'))?.status === 'True' ? true : undefined));
    const cj = await getJson<CronJob>(['-n', ns, 'get', 'cronjob', 'backwards-alertiger']);
    assert.equal(cj.spec.schedule, '10-50 * * * *');
  });

  it("removes the namespace's job identity with its last monitor", async () => {
    await kubectlOk(['-n', ns, 'delete', 'modelmonitor', 'backwards']);
    await sleep(1000);
    assert.ok(await getJson(['-n', ns, 'get', 'serviceaccount', IDENTITY]), 'kept while feed-ranker is left');
    await kubectlOk(['-n', ns, 'delete', 'modelmonitor', 'feed-ranker']);
    await waitFor('the identity removed', async () => {
      const left = await Promise.all(['serviceaccounts', 'roles', 'rolebindings'].map((kind) =>
        getJson<{ items: unknown[] }>(['-n', ns, 'get', kind, '--field-selector', `metadata.name=${IDENTITY}`])));
      return left.every((l) => l.items.length === 0) ? true : undefined;
    });
  });
});

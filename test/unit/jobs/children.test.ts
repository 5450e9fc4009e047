import assert from 'node:assert/strict';
import { buildChildren, buildCronJob, buildJobIdentity, cacheView, fingerprint, hashOf, HASH_ANNOTATION, withHash } from '../../../operator/src/jobs/index.js';
import type { KubeObject } from '../../../operator/src/k8s/types.js';
import { assertGolden } from '../../harness/golden.js';
import { childrenInput } from './fixtures.js';

type Obj = { kind: string; metadata: { name: string; annotations?: Record<string, string> }; spec?: Record<string, unknown> };

describe('buildChildren', () => {
  const cases: [string, ReturnType<typeof childrenInput>][] = [
    ['daily', childrenInput()],
    ['hourly-suspended', childrenInput({ spec: { schedule: '5 * * * *', suspend: true, granularity: '1h' } })],
    ['credentials', childrenInput({
      spec: { schedule: '15 2 * * *', suspend: false, granularity: '1d', sourceCredentialsSecret: 'models-influx' },
      job: { ...childrenInput().job, influxSecret: 'alertiger-influx' },
    })],
    ['long-name-minimal-config', childrenInput({
      monitor: { name: 'recommendation-ranking-model-for-the-home-feed-europe-west', namespace: 'ml', uid: 'u-2' },
      job: { image: 'alertiger:dev', influxUrl: 'http://influx:8086', influxDatabase: 'alertiger', resources: { requests: {}, limits: {} }, imagePullPolicy: 'IfNotPresent' },
    })],
  ];
  for (const [name, input] of cases) {
    it(`builds the ${name} objects as in the golden file`, () => {
      assertGolden(`jobs/${name}.json`, buildChildren(input));
    });
  }

  it('builds the per-namespace job identity as in the golden file', () => {
    assertGolden('jobs/identity.json', buildJobIdentity('ml-prod'));
  });

  it('grants the job identity reading the monitors of its namespace, writing their status and reading workloads, nothing more', () => {
    const [sa, role, binding] = buildJobIdentity('ml-prod') as unknown as [Obj, Obj & { rules: unknown }, Obj & { subjects: unknown }];
    assert.deepEqual([sa.metadata.name, role.metadata.name, binding.metadata.name], ['alertiger-job', 'alertiger-job', 'alertiger-job']);
    assert.deepEqual(role.rules, [
      { apiGroups: ['alertiger.io'], resources: ['modelmonitors'], verbs: ['get'] },
      { apiGroups: ['alertiger.io'], resources: ['modelmonitors/status'], verbs: ['patch', 'update'] },
      { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['get'] },
      { apiGroups: ['apps'], resources: ['replicasets', 'controllerrevisions'], verbs: ['list'] },
      { apiGroups: ['serving.kserve.io'], resources: ['inferenceservices'], verbs: ['get'] },
      { apiGroups: ['serving.knative.dev'], resources: ['revisions'], verbs: ['list'] },
    ]);
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'alertiger-job', namespace: 'ml-prod' }]);
  });

  it('builds byte-identical objects from equal inputs', () => {
    assert.equal(JSON.stringify(buildChildren(childrenInput())), JSON.stringify(buildChildren(childrenInput())));
  });

  it("builds a monitor's CronJob alone, run as its namespace's job identity", () => {
    const objects = buildChildren(childrenInput({ job: { ...childrenInput().job, influxSecret: 'influx' } }));
    assert.deepEqual(objects.map((o) => o.kind), ['CronJob']);
    const pod = (objects[0] as unknown as { spec: { jobTemplate: { spec: { template: { spec: { serviceAccountName: string } } } } } }).spec.jobTemplate.spec.template.spec;
    assert.equal(pod.serviceAccountName, 'alertiger-job');
  });

  it('changes the CronJob hash when the spec changes, and only then', () => {
    const a = hashOf(buildCronJob(childrenInput()) as Obj);
    const b = hashOf(buildCronJob(childrenInput({ spec: { schedule: '0 3 * * *', suspend: false, granularity: '1d' } })) as Obj);
    const c = hashOf(buildCronJob(childrenInput({ spec: { schedule: '15 2 * * *', suspend: true, granularity: '1d' } })) as Obj);
    assert.match(a ?? '', /^[0-9a-f]{16}$/);
    assert.equal(new Set([a, b, c]).size, 3);
    assert.equal(hashOf(buildCronJob(childrenInput()) as Obj), a);
  });

  it("keeps credentials out of the CronJob: only references to the user's Secret", () => {
    const cronJob = JSON.stringify(buildCronJob(childrenInput({ job: { ...childrenInput().job, influxSecret: 'team-influx' } })));
    for (const key of ['username', 'password', 'token']) assert.ok(cronJob.includes(`"secretKeyRef":{"name":"team-influx","key":"${key}","optional":true}`), key);
    assert.ok(!JSON.stringify(buildCronJob(childrenInput())).includes('secretKeyRef'), 'no reference when no Secret is configured');
  });

  it('runs the job non-root on a read-only root file system, one run at a time', () => {
    const cj = buildCronJob(childrenInput()) as unknown as {
      spec: { concurrencyPolicy: string; jobTemplate: { spec: { template: { spec: { securityContext: { runAsNonRoot: boolean }; containers: { securityContext: { readOnlyRootFilesystem: boolean; allowPrivilegeEscalation: boolean } }[] } } } } };
    };
    const pod = cj.spec.jobTemplate.spec.template.spec;
    assert.equal(cj.spec.concurrencyPolicy, 'Forbid');
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.containers[0]!.securityContext.readOnlyRootFilesystem, true);
    assert.equal(pod.containers[0]!.securityContext.allowPrivilegeEscalation, false);
  });
});

describe('withHash', () => {
  it('hashes the content without its own annotation, so re-hashing is stable', () => {
    const input: Obj = { kind: 'X', metadata: { name: 'x', annotations: { a: '1' } }, spec: { n: 1 } };
    const once = withHash(input);
    const twice = withHash(once);
    assert.equal(twice.metadata.annotations?.[HASH_ANNOTATION], once.metadata.annotations?.[HASH_ANNOTATION]);
    assert.equal(twice.metadata.annotations?.a, '1');
  });

  it('ignores key order', () => {
    const first: Obj = { kind: 'X', metadata: { name: 'x' }, spec: { a: 1, b: 2 } };
    const second: Obj = { spec: { b: 2, a: 1 }, metadata: { name: 'x' }, kind: 'X' };
    const a = withHash(first);
    const b = withHash(second);
    assert.equal(hashOf(a), hashOf(b));
  });
});

describe('fingerprint', () => {
  type Live = Parameters<typeof fingerprint>[0] & { spec: { schedule: string; jobTemplate: { spec: { template: { spec: { containers: Record<string, unknown>[]; securityContext: Record<string, unknown> } } } } } };
  const built = (): Live => JSON.parse(JSON.stringify(buildCronJob(childrenInput()))) as Live;

  it('ignores what the API server adds to a live CronJob', () => {
    const live = built();
    const container = live.spec.jobTemplate.spec.template.spec.containers[0]!;
    Object.assign(container, { terminationMessagePath: '/dev/termination-log', imagePullPolicy: 'IfNotPresent' });
    Object.assign(live.spec, { successfulJobsHistoryLimit: 3 });
    live.metadata = { ...live.metadata, resourceVersion: '42', uid: 'x' } as Live['metadata'];
    assert.equal(fingerprint(live), fingerprint(built()));
  });

  it('sees a field another client added to the spec, by the field manager that owns it', () => {
    const own = { manager: 'alertiger-operator', operation: 'Update', fieldsV1: { 'f:spec': {} } };
    const controller = { manager: 'kube-controller-manager', operation: 'Update', subresource: 'status', fieldsV1: { 'f:status': {} } };
    const labeller = { manager: 'kubectl-label', operation: 'Update', fieldsV1: { 'f:metadata': {} } };
    const ours = built();
    ours.metadata = { ...ours.metadata, managedFields: [own, controller, labeller] } as Live['metadata'];
    assert.equal(fingerprint(ours), fingerprint(built()), 'our own spec, the status and a label are no drift');
    const edited = built();
    edited.spec.jobTemplate.spec.template.spec.containers.push({ name: 'sidecar', image: 'proxy' });
    edited.metadata = { ...edited.metadata, managedFields: [own, { manager: 'kubectl-edit', operation: 'Update', fieldsV1: { 'f:spec': { 'f:jobTemplate': {} } } }] } as Live['metadata'];
    assert.notEqual(fingerprint(edited), fingerprint(built()));
  });

  it('sees an edited schedule, image or privilege', () => {
    const schedule = built();
    schedule.spec.schedule = '* * * * *';
    const image = built();
    image.spec.jobTemplate.spec.template.spec.containers[0]!.image = 'evil:latest';
    const privileged = built();
    (privileged.spec.jobTemplate.spec.template.spec.containers[0]!.securityContext as Record<string, unknown>).privileged = true;
    for (const edited of [schedule, image, privileged]) assert.notEqual(fingerprint(edited), fingerprint(built()));
  });

  it('keeps the fingerprint, hash and owner in the cache view of a CronJob, and drops the rest', () => {
    const edited = built();
    edited.spec.schedule = '* * * * *';
    edited.metadata = { ...edited.metadata, resourceVersion: '7', managedFields: [{ manager: 'kubectl-edit', fieldsV1: { 'f:spec': {} } }] } as Live['metadata'];
    for (const live of [built(), edited]) {
      const view = cacheView(live as unknown as KubeObject) as unknown as Live;
      assert.equal(fingerprint(view), fingerprint(live));
      assert.equal(hashOf(view as unknown as Obj), hashOf(live as unknown as Obj));
      assert.deepEqual(view.metadata.ownerReferences, live.metadata.ownerReferences);
      assert.equal((view as unknown as { spec?: unknown }).spec, undefined);
    }
    assert.equal((cacheView(edited as unknown as KubeObject) as unknown as Live).metadata.managedFields, undefined);
    assert.notEqual(fingerprint(cacheView(edited as unknown as KubeObject)), fingerprint(built()));
  });

  it("sees a rule added to the job's Role", () => {
    const [, role] = buildJobIdentity('ml-prod') as unknown as Live[];
    const edited = JSON.parse(JSON.stringify(role)) as Live & { rules: unknown[] };
    edited.rules.push({ apiGroups: [''], resources: ['secrets'], verbs: ['get'] });
    assert.notEqual(fingerprint(edited), fingerprint(role!));
  });
});

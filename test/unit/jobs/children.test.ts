import assert from 'node:assert/strict';
import { buildChildren, buildCronJob, fingerprint, hashOf, HASH_ANNOTATION, withHash } from '../../../operator/src/jobs/index.js';
import { assertGolden } from '../../harness/golden.js';
import { childrenInput } from './fixtures.js';

type Obj = { kind: string; metadata: { name: string; annotations?: Record<string, string> }; spec?: Record<string, unknown> };

describe('buildChildren', () => {
  const cases: [string, ReturnType<typeof childrenInput>][] = [
    ['daily', childrenInput()],
    ['hourly-suspended', childrenInput({ spec: { schedule: '5 * * * *', suspend: true, granularity: '1h' } })],
    ['credentials', childrenInput({
      spec: { schedule: '15 2 * * *', suspend: false, granularity: '1d', sourceCredentialsSecret: 'models-influx' },
      credentials: { username: 'd3JpdGVy', password: 'czNjcmV0' },
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

  it('builds byte-identical objects from equal inputs', () => {
    assert.equal(JSON.stringify(buildChildren(childrenInput())), JSON.stringify(buildChildren(childrenInput())));
  });

  it('orders the CronJob last, after the identity it runs as', () => {
    const kinds = buildChildren(childrenInput({ credentials: { token: 'dA==' } })).map((o) => o.kind);
    assert.deepEqual(kinds, ['ServiceAccount', 'Role', 'RoleBinding', 'Secret', 'CronJob']);
  });

  it('changes the CronJob hash when the spec changes, and only then', () => {
    const a = hashOf(buildCronJob(childrenInput()) as Obj);
    const b = hashOf(buildCronJob(childrenInput({ spec: { schedule: '0 3 * * *', suspend: false, granularity: '1d' } })) as Obj);
    const c = hashOf(buildCronJob(childrenInput({ spec: { schedule: '15 2 * * *', suspend: true, granularity: '1d' } })) as Obj);
    assert.match(a ?? '', /^[0-9a-f]{16}$/);
    assert.equal(new Set([a, b, c]).size, 3);
    assert.equal(hashOf(buildCronJob(childrenInput()) as Obj), a);
  });

  it('keeps credentials out of the CronJob: only references to the mirrored Secret', () => {
    const cronJob = JSON.stringify(buildCronJob(childrenInput({ credentials: { password: 'czNjcmV0' } })));
    assert.ok(!cronJob.includes('czNjcmV0'));
    assert.match(cronJob, /"secretKeyRef":\{"key":"password","name":"feed-ranker-alertiger","optional":true\}|"secretKeyRef":\{"name":"feed-ranker-alertiger","key":"password","optional":true\}/);
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

  it('ignores fields another client added that the operator does not set', () => {
    const live = built();
    live.spec.jobTemplate.spec.template.spec.containers.push({ name: 'sidecar', image: 'proxy' });
    (live.spec.jobTemplate.spec.template.spec.containers[0]!.env as { name: string }[]).push({ name: 'HTTP_PROXY' });
    assert.equal(fingerprint(live), fingerprint(built()));
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

  it("sees a rule added to the job's Role", () => {
    const [, role] = buildChildren(childrenInput()) as unknown as Live[];
    const edited = JSON.parse(JSON.stringify(role)) as Live & { rules: unknown[] };
    edited.rules.push({ apiGroups: [''], resources: ['secrets'], verbs: ['get'] });
    assert.notEqual(fingerprint(edited), fingerprint(role!));
  });
});

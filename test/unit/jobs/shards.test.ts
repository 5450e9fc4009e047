import assert from 'node:assert/strict';
import { buildCronJob } from '../../../operator/src/jobs/index.js';
import { JOB_NAME_LABEL, SHARD_ENV } from '../../../operator/src/jobs/shards.js';
import { childrenInput } from './fixtures.js';

interface JobTemplate {
  spec: {
    completionMode?: string; completions?: number; parallelism?: number; backoffLimit: number;
    template: { spec: { containers: Array<{ env: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }> }> } };
  };
}

function jobTemplate(shards?: number): JobTemplate {
  const base = childrenInput();
  const cronJob = buildCronJob({ ...base, spec: { ...base.spec, ...(shards !== undefined ? { shards } : {}) } }) as unknown as { spec: { jobTemplate: JobTemplate } };
  return cronJob.spec.jobTemplate;
}

describe('buildCronJob with spec.scale.shards', () => {
  it('builds exactly the single-Pod CronJob for 1 shard', () => {
    const base = childrenInput();
    assert.equal(JSON.stringify(buildCronJob({ ...base, spec: { ...base.spec, shards: 1 } })), JSON.stringify(buildCronJob(base)));
  });

  it('runs an Indexed Job with one Pod per shard, all at once, for 3 shards', () => {
    const job = jobTemplate(3);
    assert.deepEqual([job.spec.completionMode, job.spec.completions, job.spec.parallelism, job.spec.backoffLimit], ['Indexed', 3, 3, 6]);
  });

  it("gives each shard the shard count and the Job's name as the run id", () => {
    const env = jobTemplate(3).spec.template.spec.containers[0].env;
    assert.deepEqual(env.find((e) => e.name === SHARD_ENV.shards), { name: SHARD_ENV.shards, value: '3' });
    assert.equal(env.find((e) => e.name === SHARD_ENV.runId)?.valueFrom?.fieldRef?.fieldPath, `metadata.labels['${JOB_NAME_LABEL}']`);
  });

  it('leaves the shard settings out of a single-Pod Job', () => {
    const job = jobTemplate();
    assert.equal(job.spec.completionMode, undefined);
    assert.equal(job.spec.template.spec.containers[0].env.some((e) => e.name === SHARD_ENV.shards || e.name === SHARD_ENV.runId), false);
  });
});

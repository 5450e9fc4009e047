import assert from 'node:assert/strict';
import type { ModelMonitor } from '../../../operator/src/api/types.js';
import { statusApplyBody, JOB_FIELD_MANAGER } from '../../../operator/src/k8s/job-status.js';
import { buildJobStatus } from '../../../operator/src/run/status.js';
import { AlertigerError } from '../../../operator/src/errors.js';

const monitor = {
  apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor',
  metadata: { name: 'm', namespace: 'ns', uid: 'u', resourceVersion: '7', generation: 3 },
  spec: { model: { name: 'm' }, source: { file: { path: '/x' } } },
  status: { observedGeneration: 3, cronJobName: 'm-alertiger', conditions: [{ type: 'Ready', status: 'True', reason: 'CronJobReady', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
} as ModelMonitor;

describe('statusApplyBody', () => {
  it('holds the identity and the job-owned status fields only, so the operator keeps its own', () => {
    const status = buildJobStatus({ previous: monitor.status, outcome: { ok: false, error: new AlertigerError('InfluxUnavailable', 'down') }, now: new Date('2026-03-01T02:15:00Z'), generation: 3 });
    const body = statusApplyBody(monitor, status) as { metadata: object; status: Record<string, unknown> };
    assert.deepEqual(body.metadata, { name: 'm', namespace: 'ns' });
    assert.deepEqual(Object.keys(body.status).sort(), ['anomalies', 'anomalyCount', 'conditions', 'health', 'lastRunTime']);
    assert.deepEqual((body.status.conditions as Array<{ type: string }>).map((c) => c.type), ['Healthy', 'LastRunSucceeded']);
    assert.equal(JOB_FIELD_MANAGER, 'alertiger-job');
  });
});

import assert from 'node:assert/strict';
import type { ModelMonitor } from '../../../operator/src/api/types.js';
import { buildEvent, eventName } from '../../../operator/src/controller/events.js';

const monitor: ModelMonitor = {
  apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor',
  metadata: { name: 'feed-ranker', namespace: 'ml', uid: 'u-1', resourceVersion: '7' },
  spec: { model: { name: 'feed-ranker' }, source: { influx: { database: 'd', measurement: 'm' } } },
};

describe('events', () => {
  it('names an occurrence the same every time, and different occurrences differently', () => {
    const spec = { type: 'Warning' as const, reason: 'RunFailed', message: 'x', key: '2026-11-20T09:00:00Z' };
    assert.equal(eventName(monitor, spec), eventName(monitor, { ...spec, message: 'other text' }));
    assert.notEqual(eventName(monitor, spec), eventName(monitor, { ...spec, key: '2026-11-21T09:00:00Z' }));
    assert.notEqual(eventName(monitor, spec), eventName({ ...monitor, metadata: { ...monitor.metadata, uid: 'u-2' } }, spec));
    assert.match(eventName(monitor, spec), /^feed-ranker\.[0-9a-f]{16}$/);
  });

  it('keeps a long monitor name within the object name limit', () => {
    const long = { ...monitor, metadata: { ...monitor.metadata, name: 'a'.repeat(253) } };
    assert.ok(eventName(long, { type: 'Normal', reason: 'R', message: '', key: '' }).length <= 253);
  });

  it('points the Event at the monitor', () => {
    const event = buildEvent(monitor, { type: 'Normal', reason: 'CronJobCreated', message: 'Created CronJob x', key: 'h' }, new Date('2026-11-20T10:00:00Z'), 'pod-1');
    assert.deepEqual(event.involvedObject, { apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', name: 'feed-ranker', namespace: 'ml', uid: 'u-1', resourceVersion: '7' });
    assert.equal(event.reason, 'CronJobCreated');
    assert.equal(event.reportingInstance, 'pod-1');
    assert.equal(event.firstTimestamp, '2026-11-20T10:00:00.000Z');
  });
});

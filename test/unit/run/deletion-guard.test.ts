import assert from 'node:assert/strict';
import { MonitorGoneError, goneReason, guardAgainstDeletion } from '../../../operator/src/run/deletion-guard.js';
import type { PostableAlert } from '../../../operator/src/alerting/payload.js';
import type { ModelMonitor } from '../../../operator/src/api/types.js';
import { silentLogger } from '../../../operator/src/log.js';
import type { JobStatus } from '../../../operator/src/run/status.js';

const NOW = new Date('2026-11-29T12:00:00Z');

function monitor(uid: string, extra: Partial<ModelMonitor['metadata']> = {}): ModelMonitor {
  return { apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', metadata: { name: 'churn', namespace: 'ml', uid, ...extra }, spec: { model: { name: 'churn' } } } as ModelMonitor;
}

function alert(subject: string): PostableAlert {
  return { labels: { alertname: 'ModelHealthAnomaly', monitor: 'churn', subject }, annotations: {}, startsAt: '2026-11-29T00:00:00Z', endsAt: '2026-12-01T13:00:00Z' };
}

/** A cluster of one monitor that a test can delete or replace, and the Alertmanager's posts. */
function world(read: ModelMonitor) {
  const state = { current: read as ModelMonitor | undefined, lookupFails: false };
  const posts: { url: string; alerts: PostableAlert[] }[] = [];
  const writes: JobStatus[] = [];
  const notFound = new Error('404');
  const ports = guardAgainstDeletion({
    monitor: read,
    lookup: async () => {
      if (state.lookupFails) throw new Error('connection refused');
      return state.current;
    },
    alerts: { post: async (url, alerts) => void posts.push({ url, alerts }) },
    status: {
      write: async (_m, status) => {
        if (state.current === undefined) throw notFound;
        writes.push(status);
      },
    },
    isNotFound: (err) => err === notFound,
    now: () => NOW,
    log: silentLogger,
  });
  return { state, posts, writes, ports };
}

const STATUS = { health: 'Anomalous' } as JobStatus;

describe('goneReason', () => {
  const table: [string, ModelMonitor | undefined, string | undefined][] = [
    ['is undefined for the same monitor', monitor('u1'), undefined],
    ['says deleted when there is none', undefined, 'was deleted'],
    ['says re-created when the uid differs', monitor('u2'), 'was deleted and created again (uid u1, now u2)'],
    ['says being deleted when a deletion is pending', monitor('u1', { deletionTimestamp: '2026-11-29T11:59:00Z' }), 'is being deleted'],
  ];
  for (const [what, current, expected] of table) it(what, () => assert.equal(goneReason(monitor('u1'), current), expected));
});

describe('guardAgainstDeletion', () => {
  it('passes alerts and status through while the monitor exists', async () => {
    const w = world(monitor('u1'));
    await w.ports.alerts.post('http://am', [alert('age')]);
    await w.ports.status.write(monitor('u1'), STATUS);
    assert.deepEqual(w.posts, [{ url: 'http://am', alerts: [alert('age')] }]);
    assert.deepEqual(w.writes, [STATUS]);
  });

  it('resolves the alerts it sent when the monitor is deleted before the status write', async () => {
    const w = world(monitor('u1'));
    await w.ports.alerts.post('http://am', [alert('age'), alert('income')]);
    w.state.current = undefined;
    await assert.rejects(w.ports.status.write(monitor('u1'), STATUS), (err: unknown) => {
      assert.ok(err instanceof MonitorGoneError);
      assert.equal(err.message, 'ModelMonitor ml/churn was deleted during the run: resolved the 2 alert(s) of this run; no status written');
      return true;
    });
    assert.equal(w.posts.length, 2);
    assert.deepEqual(w.posts[1].alerts.map((a) => [a.labels.subject, a.endsAt]), [['age', NOW.toISOString()], ['income', NOW.toISOString()]]);
    assert.deepEqual(w.writes, []);
  });

  it('sends the batch resolved when the monitor is already gone at the post', async () => {
    const w = world(monitor('u1'));
    w.state.current = undefined;
    await w.ports.alerts.post('http://am', [alert('age')]);
    assert.deepEqual(w.posts.map((p) => p.alerts.map((a) => a.endsAt)), [[NOW.toISOString()]]);
    await assert.rejects(w.ports.status.write(monitor('u1'), STATUS), /was deleted during the run: resolved the 1 alert\(s\) of this run/);
    assert.equal(w.posts.length, 1, 'nothing was left firing to resolve again');
  });

  it('writes no status onto a monitor re-created under the same name', async () => {
    const w = world(monitor('u1'));
    await w.ports.alerts.post('http://am', [alert('age')]);
    w.state.current = monitor('u2');
    await assert.rejects(w.ports.status.write(monitor('u1'), STATUS), /was deleted and created again \(uid u1, now u2\)/);
    assert.deepEqual(w.writes, []);
    assert.equal(w.posts[1].alerts[0].endsAt, NOW.toISOString());
  });

  it('treats a 404 on the status write as a deletion after the check', async () => {
    const w = world(monitor('u1'));
    await w.ports.alerts.post('http://am', [alert('age')]);
    // The look-up still sees it; the write does not (deleted in between).
    let lookups = 0;
    const read = monitor('u1');
    const ports = guardAgainstDeletion({
      monitor: read,
      lookup: async () => (lookups++ < 2 ? read : undefined),
      alerts: { post: async (url, alerts) => void w.posts.push({ url, alerts }) },
      status: { write: async () => { throw Object.assign(new Error('gone'), { status: 404 }); } },
      isNotFound: (err) => (err as { status?: number }).status === 404,
      now: () => NOW,
      log: silentLogger,
    });
    await ports.alerts.post('http://am', [alert('income')]);
    await assert.rejects(ports.status.write(read, STATUS), MonitorGoneError);
    assert.deepEqual(w.posts.at(-1)!.alerts.map((a) => [a.labels.subject, a.endsAt]), [['income', NOW.toISOString()]]);
  });

  it('does not take a failed look-up for a deletion, and passes other write errors on', async () => {
    const w = world(monitor('u1'));
    w.state.lookupFails = true;
    await w.ports.alerts.post('http://am', [alert('age')]);
    await w.ports.status.write(monitor('u1'), STATUS);
    assert.equal(w.posts[0].alerts[0].endsAt, alert('age').endsAt);
    assert.deepEqual(w.writes, [STATUS]);

    const read = monitor('u1');
    const failing = guardAgainstDeletion({
      monitor: read, lookup: async () => read, alerts: { post: async () => undefined },
      status: { write: async () => { throw new Error('403 forbidden'); } },
      isNotFound: () => false, now: () => NOW, log: silentLogger,
    });
    await assert.rejects(failing.status.write(read, STATUS), /403 forbidden/);
  });
});

/**
 * A 410 Gone seen through the real ListWatch (only the HTTP watch and the list are scripted): the
 * wrapper notices the relist it causes, and the relist's differences reach the handlers. The same
 * ListWatch re-watching after an ordinary end of a watch is no Gone.
 */
import assert from 'node:assert/strict';
import { KubeApiError } from '../../../operator/src/k8s/errors.js';
import { RestartingInformer } from '../../../operator/src/k8s/informer.js';
import { ListWatch, type WatchHandle } from '../../../operator/src/k8s/list-watch.js';
import type { KubeObject } from '../../../operator/src/k8s/types.js';
import { createLogger } from '../../../operator/src/log.js';
import { FakeClock } from '../controller/fakes.js';

type Ending = 'gone-event' | 'gone-status' | 'end' | 'open';

/** A Watch whose n-th call ends as scripted; it records the resourceVersion each resumed from. */
class ScriptedWatch {
  readonly from: string[] = [];

  constructor(private readonly endings: Ending[]) {}

  async watch(resourceVersion: string, cb: (phase: string, obj: KubeObject & { code?: number }) => void, done: (err?: unknown) => void): Promise<WatchHandle> {
    const ending = this.endings[this.from.length] ?? 'open';
    this.from.push(resourceVersion);
    setImmediate(() => {
      if (ending === 'gone-event') {
        // What the API server sends for a compacted version: a 200, an ERROR event, the end.
        cb('ERROR', { apiVersion: 'v1', kind: 'Status', code: 410, metadata: { name: '' } });
        done();
      } else if (ending === 'gone-status') {
        done(new KubeApiError(410, 'watch /apis/x/v1/namespaces/ns/xs: too old resource version'));
      } else if (ending === 'end') {
        done();
      }
    });
    return { abort: () => undefined };
  }
}

const monitor = (name: string, rv: string): KubeObject => ({ apiVersion: 'v1', kind: 'X', metadata: { namespace: 'ns', name, resourceVersion: rv } });

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

function setup(endings: Ending[]) {
  const lists = [
    { metadata: { resourceVersion: '10' }, items: [monitor('a', '5')] },
    // After the Gone: a was changed and b created while the watch was away.
    { metadata: { resourceVersion: '30' }, items: [monitor('a', '25'), monitor('b', '28')] },
  ];
  let listed = 0;
  const watch = new ScriptedWatch(endings);
  const raw = new ListWatch<KubeObject>(async () => {
    const list = lists[Math.min(listed++, lists.length - 1)]!;
    return { resourceVersion: list.metadata.resourceVersion, items: list.items };
  }, (rv, cb, done) => watch.watch(rv, cb, done));
  const events: string[] = [];
  const warnings: string[] = [];
  const log = createLogger({ write: (line) => {
    const entry = JSON.parse(line) as { level: string; msg: string };
    if (entry.level === 'warn') warnings.push(entry.msg);
  } });
  let gone = 0;
  const informer = new RestartingInformer([raw], {
    upsert: (o) => events.push(`upsert ${o.metadata.name}@${o.metadata.resourceVersion}`),
    delete: (o) => events.push(`delete ${o.metadata.name}`),
  }, { log, name: 'X', timers: new FakeClock(), onGone: () => gone++ });
  return { informer, watch, events, warnings, lists: () => listed, gone: () => gone };
}

describe('RestartingInformer over a 410 Gone', () => {
  for (const ending of ['gone-event', 'gone-status'] as const) {
    it(`relists, counts and logs it when the watch ends with ${ending === 'gone-event' ? 'an ERROR event' : 'an HTTP'} 410`, async () => {
      const t = setup([ending, 'open']);
      await t.informer.start();
      await settle();
      assert.deepEqual(t.watch.from, ['10', '30'], 'the second watch resumes from the new list');
      assert.equal(t.lists(), 2);
      assert.equal(t.informer.goneRelists(), 1);
      assert.equal(t.gone(), 1);
      assert.deepEqual(t.warnings, ['Watch expired (410 Gone: its resourceVersion was compacted); relisting']);
      assert.deepEqual(t.events, ['upsert a@5', 'upsert a@25', 'upsert b@28']);
      assert.equal(t.informer.synced(), true);
      await t.informer.stop();
    });
  }

  it('counts no Gone when a watch just ends and resumes from its version', async () => {
    const t = setup(['end', 'end', 'open']);
    await t.informer.start();
    await settle();
    assert.deepEqual(t.watch.from, ['10', '10', '10']);
    assert.equal(t.lists(), 1);
    assert.equal(t.informer.goneRelists(), 0);
    assert.deepEqual(t.warnings, []);
    await t.informer.stop();
  });
});

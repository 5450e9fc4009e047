/**
 * ListWatch on a scripted list and watch: what reaches the cache and the handlers, where each
 * watch resumes, and that a failure stops it (RestartingInformer restarts it; informer-gone.test
 * covers the 410 Gone path).
 */
import assert from 'node:assert/strict';
import { ListWatch, type WatchEventHandler, type WatchHandle } from '../../../operator/src/k8s/list-watch.js';
import type { KubeObject } from '../../../operator/src/k8s/types.js';

const obj = (name: string, rv: string, namespace = 'ns'): KubeObject => ({ apiVersion: 'v1', kind: 'X', metadata: { namespace, name, resourceVersion: rv } });

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

/** A watch the test drives: it records each resume version and hands out the event sink. */
class DrivenWatch {
  readonly from: string[] = [];
  send: WatchEventHandler = () => undefined;
  end: (err?: unknown) => void = () => undefined;
  aborted = 0;

  fn = (rv: string, onEvent: WatchEventHandler, done: (err?: unknown) => void): Promise<WatchHandle> => {
    this.from.push(rv);
    this.send = onEvent;
    this.end = done;
    return Promise.resolve({ abort: () => this.aborted++ });
  };
}

function setup(lists: { resourceVersion: string; items: KubeObject[] }[]) {
  const watch = new DrivenWatch();
  let listed = 0;
  const lw = new ListWatch<KubeObject>(async () => {
    const list = lists[Math.min(listed++, lists.length - 1)]!;
    if (list.resourceVersion === 'fail') throw new Error('list refused');
    return list;
  }, watch.fn);
  const events: string[] = [];
  lw.on('add', (o) => events.push(`add ${o.metadata.name}@${o.metadata.resourceVersion}`));
  lw.on('update', (o) => events.push(`update ${o.metadata.name}@${o.metadata.resourceVersion}`));
  lw.on('delete', (o) => events.push(`delete ${o.metadata.name}`));
  const errors: unknown[] = [];
  lw.on('error', (err) => errors.push(err));
  return { lw, watch, events, errors, listed: () => listed };
}

describe('k8s/list-watch', () => {
  it('lists, then applies watch events to the cache and the handlers, resuming from the last version seen', async () => {
    const t = setup([{ resourceVersion: '10', items: [obj('a', '5'), obj('b', '6', 'other')] }]);
    await t.lw.start();
    assert.deepEqual(t.watch.from, ['10']);
    t.watch.send('MODIFIED', obj('a', '11'));
    t.watch.send('MODIFIED', obj('a', '11')); // the same version again: no event
    t.watch.send('ADDED', obj('c', '12'));
    t.watch.send('DELETED', obj('b', '13', 'other'));
    t.watch.send('BOOKMARK', { apiVersion: 'v1', kind: 'X', metadata: { name: '', resourceVersion: '20' } });
    assert.deepEqual(t.events, ['add a@5', 'add b@6', 'update a@11', 'add c@12', 'delete b']);
    assert.equal(t.lw.get('a', 'ns')?.metadata.resourceVersion, '11');
    assert.equal(t.lw.get('b', 'other'), undefined);
    assert.deepEqual(t.lw.list().map((o) => o.metadata.name).sort(), ['a', 'c']);
    assert.equal(t.lw.latestResourceVersion(), '20');
    t.watch.end();
    await settle();
    assert.deepEqual(t.watch.from, ['10', '20'], 'an ordinary end re-watches from the bookmark, with no list');
    assert.equal(t.listed(), 1);
    await t.lw.stop();
    assert.equal(t.watch.aborted, 1);
  });

  it('after a 410 lists again and reports the differences: deleted, changed and new objects', async () => {
    const t = setup([
      { resourceVersion: '10', items: [obj('a', '5'), obj('b', '6')] },
      { resourceVersion: '40', items: [obj('a', '30'), obj('c', '31')] },
    ]);
    await t.lw.start();
    t.watch.end(Object.assign(new Error('Gone'), { status: 410 }));
    await settle();
    assert.deepEqual(t.events, ['add a@5', 'add b@6', 'delete b', 'update a@30', 'add c@31']);
    assert.deepEqual(t.watch.from, ['10', '40']);
    assert.deepEqual(t.errors, []);
    await t.lw.stop();
  });

  it('reports a failed watch or list on error and stops there', async () => {
    const t = setup([{ resourceVersion: '10', items: [] }]);
    await t.lw.start();
    t.watch.end(Object.assign(new Error('Forbidden'), { status: 403 }));
    await settle();
    assert.equal(t.errors.length, 1);
    assert.deepEqual(t.watch.from, ['10'], 'no new watch until restarted');

    const failing = setup([{ resourceVersion: 'fail', items: [] }]);
    await failing.lw.start();
    assert.match(String(failing.errors[0]), /list refused/);
    assert.deepEqual(failing.watch.from, []);
  });

  it('opens no watch once stopped while a list was under way', async () => {
    const t = setup([{ resourceVersion: '10', items: [obj('a', '1')] }]);
    const started = t.lw.start();
    await t.lw.stop();
    await started;
    await settle();
    assert.deepEqual(t.watch.from, []);
    assert.deepEqual(t.events, ['add a@1'], 'the list that was under way still fills the cache');
  });
});

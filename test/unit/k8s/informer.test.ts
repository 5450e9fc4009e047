import assert from 'node:assert/strict';
import { RestartingInformer, type RawInformer } from '../../../operator/src/k8s/informer.js';
import type { KubeObject } from '../../../operator/src/k8s/types.js';
import { silentLogger } from '../../../operator/src/log.js';
import { FakeClock, flush } from '../controller/fakes.js';

/** A stand-in for client-node's ListWatch: each start runs the next scripted outcome. */
class ScriptedRaw implements RawInformer<KubeObject> {
  starts = 0;
  stops = 0;
  readonly objects = new Map<string, KubeObject>();
  private callbacks: Record<string, ((x?: unknown) => void)[]> = { add: [], update: [], delete: [], error: [] };

  constructor(private readonly script: ('ok' | 'fail-list' | 'throw')[]) {}

  on(verb: 'add' | 'update' | 'delete', cb: (obj: KubeObject) => void): void;
  on(verb: 'error', cb: (err?: unknown) => void): void;
  on(verb: string, cb: ((obj: KubeObject) => void) | ((err?: unknown) => void)): void {
    this.callbacks[verb]!.push(cb as (x?: unknown) => void);
  }

  async start(): Promise<void> {
    const outcome = this.script[this.starts++] ?? 'ok';
    // ListWatch reports a failed list through its error callbacks and resolves.
    if (outcome === 'fail-list') this.emit('error', new Error('list failed: 503'));
    if (outcome === 'throw') throw new Error('connection refused');
  }

  async stop(): Promise<void> {
    this.stops++;
  }

  get(name: string, namespace?: string): KubeObject | undefined {
    return this.objects.get(`${namespace}/${name}`);
  }

  list(): readonly KubeObject[] {
    return [...this.objects.values()];
  }

  emit(verb: string, arg?: unknown): void {
    for (const cb of this.callbacks[verb]!) cb(arg);
  }
}

const obj = (ns: string, name: string): KubeObject => ({ apiVersion: 'v1', kind: 'X', metadata: { namespace: ns, name } });

describe('RestartingInformer', () => {
  it('is synced once the first start lists without error', async () => {
    const raw = new ScriptedRaw(['ok']);
    const informer = new RestartingInformer([raw], {}, { log: silentLogger, name: 'X', timers: new FakeClock() });
    assert.equal(informer.synced(), false);
    await informer.start();
    assert.equal(informer.synced(), true);
  });

  it('restarts after a failed list with exponential backoff, then syncs', async () => {
    const clock = new FakeClock();
    const raw = new ScriptedRaw(['fail-list', 'throw', 'ok']);
    const informer = new RestartingInformer([raw], {}, { log: silentLogger, name: 'X', timers: clock, initialDelayMs: 100, maxDelayMs: 1000 });
    await informer.start();
    assert.equal(informer.synced(), false);
    await clock.advance(99);
    assert.equal(raw.starts, 1, 'waits out the first delay');
    await clock.advance(1);
    assert.equal(raw.starts, 2);
    await clock.advance(199);
    assert.equal(raw.starts, 2, 'the second delay is twice the first');
    await clock.advance(1);
    assert.equal(raw.starts, 3);
    assert.equal(informer.synced(), true);
  });

  it('restarts a watch that broke after sync, keeping the cache synced', async () => {
    const clock = new FakeClock();
    const raw = new ScriptedRaw(['ok', 'ok']);
    const informer = new RestartingInformer([raw], {}, { log: silentLogger, name: 'X', timers: clock, initialDelayMs: 100 });
    await informer.start();
    raw.emit('error', Object.assign(new Error('Gone'), { statusCode: 410 }));
    assert.equal(informer.synced(), true);
    await clock.advance(100);
    assert.equal(raw.starts, 2);
  });

  it('schedules one restart for a burst of errors', async () => {
    const clock = new FakeClock();
    const raw = new ScriptedRaw(['ok']);
    const informer = new RestartingInformer([raw], {}, { log: silentLogger, name: 'X', timers: clock, initialDelayMs: 100 });
    await informer.start();
    raw.emit('error', new Error('a'));
    raw.emit('error', new Error('b'));
    await clock.advance(1000);
    assert.equal(raw.starts, 2);
  });

  it('does not restart after stop', async () => {
    const clock = new FakeClock();
    const raw = new ScriptedRaw(['ok']);
    const informer = new RestartingInformer([raw], {}, { log: silentLogger, name: 'X', timers: clock, initialDelayMs: 100 });
    await informer.start();
    raw.emit('error', new Error('x'));
    await informer.stop();
    await clock.advance(10_000);
    assert.equal(raw.starts, 1);
    assert.equal(raw.stops, 1);
  });

  it('joins one informer per namespace into one cache and forwards their events', async () => {
    const a = new ScriptedRaw([]);
    const b = new ScriptedRaw([]);
    a.objects.set('ns-a/x', obj('ns-a', 'x'));
    b.objects.set('ns-b/y', obj('ns-b', 'y'));
    const seen: string[] = [];
    const informer = new RestartingInformer([a, b], {
      upsert: (o) => seen.push(`upsert ${o.metadata.name}`),
      delete: (o) => seen.push(`delete ${o.metadata.name}`),
    }, { log: silentLogger, name: 'X', timers: new FakeClock() });
    await informer.start();
    assert.equal(informer.get('ns-b', 'y')?.metadata.name, 'y');
    assert.equal(informer.get('ns-a', 'y'), undefined);
    assert.deepEqual(informer.list().map((o) => o.metadata.name).sort(), ['x', 'y']);
    a.emit('add', obj('ns-a', 'n'));
    b.emit('update', obj('ns-b', 'y'));
    b.emit('delete', obj('ns-b', 'y'));
    await flush();
    assert.deepEqual(seen, ['upsert n', 'upsert y', 'delete y']);
  });

  it('is not synced while any namespace has not listed', async () => {
    const informer = new RestartingInformer([new ScriptedRaw(['ok']), new ScriptedRaw(['fail-list'])], {}, { log: silentLogger, name: 'X', timers: new FakeClock() });
    await informer.start();
    assert.equal(informer.synced(), false);
  });
});

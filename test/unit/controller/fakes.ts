/**
 * Test doubles for the controller: a fake clock driving the Timers interface, and an in-memory
 * KubePort whose informers, applies and status writes behave like the API server's for the few
 * calls the controller makes (resourceVersion bumps only when content changes, 409 on create of
 * an existing name, injected failures).
 */
import type { Timers } from '../../../operator/src/k8s/informer.js';
import { KubeApiError } from '../../../operator/src/k8s/errors.js';
import type { Informer, InformerHandlers, InformerOptions, KubePort, RequestStats } from '../../../operator/src/k8s/port.js';
import { emptyStats } from '../../../operator/src/k8s/port.js';
import { LEASE, type KubeObject, type ResourceType } from '../../../operator/src/k8s/types.js';

export class FakeClock implements Timers {
  time = Date.parse('2026-11-20T10:00:00Z');
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;

  now = (): number => this.time;

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ at: this.time + ms, fn, id });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  pending(): number {
    return this.timers.length;
  }

  /** Moves time forward, firing due timers in order (and those they schedule). */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.timers[0];
      if (next === undefined || next.at > end) break;
      this.timers.shift();
      this.time = Math.max(this.time, next.at);
      next.fn();
      await flush();
    }
    this.time = end;
    await flush();
  }
}

/** Lets pending promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

type Store = Map<string, KubeObject>;

class FakeInformer implements Informer {
  constructor(private readonly store: () => KubeObject[], private readonly find: (ns: string, name: string) => KubeObject | undefined, private readonly started: () => void) {}
  async start(): Promise<void> {
    this.started();
  }
  async stop(): Promise<void> {}
  synced(): boolean {
    return true;
  }
  get(namespace: string, name: string): KubeObject | undefined {
    return this.find(namespace, name);
  }
  list(): KubeObject[] {
    return this.store();
  }
}

export class FakePort implements KubePort {
  readonly objects = new Map<string, Store>();
  private readonly handlers = new Map<string, InformerHandlers[]>();
  private rv = 1;
  readonly counts: RequestStats = emptyStats();
  readonly writes: { verb: string; kind: string; name: string }[] = [];
  /** Make the next writes of a kind fail with this status. */
  failures = new Map<string, number>();

  private store(kind: string): Store {
    let s = this.objects.get(kind);
    if (s === undefined) this.objects.set(kind, (s = new Map()));
    return s;
  }

  informer<T extends KubeObject>(type: ResourceType, _options: InformerOptions, handlers: InformerHandlers<T>): Informer<T> {
    const list = this.handlers.get(type.kind) ?? [];
    list.push(handlers as InformerHandlers);
    this.handlers.set(type.kind, list);
    return new FakeInformer(
      () => [...this.store(type.kind).values()],
      (ns, name) => this.store(type.kind).get(`${ns}/${name}`),
      () => {
        for (const obj of this.store(type.kind).values()) handlers.upsert?.(obj as T);
      },
    ) as unknown as Informer<T>;
  }

  /** Puts an object in the "cluster" as another client would, firing watch events. */
  put(obj: KubeObject): KubeObject {
    const key = `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
    const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(this.rv++) } };
    this.store(obj.kind).set(key, stored);
    for (const h of this.handlers.get(obj.kind) ?? []) h.upsert?.(stored);
    return stored;
  }

  remove(kind: string, namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const obj = this.store(kind).get(key);
    if (obj === undefined) return;
    this.store(kind).delete(key);
    for (const h of this.handlers.get(kind) ?? []) h.delete?.(obj);
  }

  find(kind: string, namespace: string, name: string): KubeObject | undefined {
    return this.store(kind).get(`${namespace}/${name}`);
  }

  async get<T extends KubeObject>(type: ResourceType, namespace: string, name: string): Promise<T | undefined> {
    this.counts.reads++;
    this.maybeFail(type.kind);
    const obj = this.find(type.kind, namespace, name);
    return obj === undefined ? undefined : (structuredClone(obj) as T);
  }

  async applyStatus(type: ResourceType, obj: KubeObject): Promise<void> {
    this.write('applyStatus', `${type.kind}/status`, obj);
    const old = this.find(type.kind, obj.metadata.namespace ?? '', obj.metadata.name);
    if (old === undefined) throw new KubeApiError(404, 'not found');
    const status = { ...(old.status as Record<string, unknown> | undefined), ...(obj.status as Record<string, unknown>) };
    const oldConditions = ((old.status as { conditions?: { type: string }[] } | undefined)?.conditions ?? []);
    const newConditions = ((obj.status as { conditions?: { type: string }[] }).conditions ?? []);
    status.conditions = [...oldConditions.filter((c) => !newConditions.some((n) => n.type === c.type)), ...newConditions];
    this.put({ ...old, status });
  }

  async create(type: ResourceType, obj: KubeObject): Promise<KubeObject> {
    this.write('create', type.kind, obj);
    if (this.find(type.kind, obj.metadata.namespace ?? '', obj.metadata.name) !== undefined) throw new KubeApiError(409, 'already exists');
    return this.put(obj);
  }

  async createOrReplace(type: ResourceType, obj: KubeObject): Promise<void> {
    this.write('createOrReplace', type.kind, obj);
    this.put(obj);
  }

  async delete(type: ResourceType, namespace: string, name: string): Promise<void> {
    this.write('delete', type.kind, { apiVersion: type.apiVersion, kind: type.kind, metadata: { name, namespace } });
    this.remove(type.kind, namespace, name);
  }

  async replace(type: ResourceType, obj: KubeObject): Promise<KubeObject> {
    this.write('replace', type.kind, obj);
    const old = this.find(type.kind, obj.metadata.namespace ?? '', obj.metadata.name);
    if (old === undefined) throw new KubeApiError(404, 'not found');
    if (obj.metadata.resourceVersion !== undefined && obj.metadata.resourceVersion !== old.metadata.resourceVersion) throw new KubeApiError(409, 'conflict');
    return this.put(obj);
  }

  stats(): RequestStats {
    return { ...this.counts };
  }

  /** Writes of everything but Leases and Events. */
  objectWrites(): { verb: string; kind: string; name: string }[] {
    return this.writes.filter((w) => w.kind !== LEASE.kind && w.kind !== 'Event');
  }

  private write(verb: string, kind: string, obj: KubeObject): void {
    this.maybeFail(kind);
    if (kind === LEASE.kind) this.counts.leaseWrites++;
    else this.counts.writes++;
    this.writes.push({ verb, kind, name: obj.metadata.name });
  }

  private maybeFail(kind: string): void {
    const status = this.failures.get(kind);
    if (status !== undefined) throw new KubeApiError(status, `injected ${status} for ${kind}`);
  }
}

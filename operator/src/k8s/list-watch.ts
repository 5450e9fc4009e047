/**
 * One list-then-watch cache of a resource (a reflector, in client-go's words), with the list and
 * the watch given as functions so that the logic here is the whole of it: list, remember the
 * list's resourceVersion, watch from it, apply each event, and when the watch ends, watch again
 * from the last version seen. A 410 Gone (the version was compacted away) forgets the version, so
 * the next round lists again and the differences come out as add, update and delete events. Any
 * other failure is reported on 'error' and the cache stops; RestartingInformer restarts it.
 *
 * It behaves as client-node's ListWatch did (which it replaces because importing that module
 * loads all of client-node's generated models, see connection.ts).
 */
import type { RawInformer } from './informer.js';
import type { KubeObject } from './types.js';

export interface WatchHandle {
  abort(): void;
}

/** One watch event as the API server sends it; `object` is a Status for ERROR. */
export type WatchEventHandler = (type: string, object: KubeObject & { code?: number }) => void;

/**
 * Opens a watch from `resourceVersion`; resolves once the server has answered (so that start()
 * resolves only on a working watch). `done` is called exactly once when the watch ends: with no
 * error when the server closed it, with the error otherwise (an HTTP error carries `status`).
 */
export type WatchFn = (resourceVersion: string, onEvent: WatchEventHandler, done: (err?: unknown) => void) => Promise<WatchHandle>;

export type ListFn<T> = () => Promise<{ resourceVersion: string; items: T[] }>;

type Verb = 'add' | 'update' | 'delete' | 'error' | 'connect';

const keyOf = (obj: KubeObject): string => `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;

/** A 410 Gone: the watch's version was compacted away (client.ts reports HTTP errors as KubeApiErrors). */
function isGone(err: unknown): boolean {
  return (err as { status?: unknown } | undefined)?.status === 410;
}

export class ListWatch<T extends KubeObject> implements RawInformer<T> {
  private objects = new Map<string, T>();
  private version = '';
  private stopped = false;
  private current: WatchHandle | undefined;
  private readonly callbacks: Record<Verb, ((arg: never) => void)[]> = { add: [], update: [], delete: [], error: [], connect: [] };

  constructor(private readonly listFn: ListFn<T>, private readonly watchFn: WatchFn) {}

  on(verb: 'add' | 'update' | 'delete', cb: (obj: T) => void): void;
  on(verb: 'error' | 'connect', cb: (err?: unknown) => void): void;
  on(verb: Verb, cb: (arg: never) => void): void {
    this.callbacks[verb].push(cb);
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  stop(): Promise<void> {
    this.stopped = true;
    this.abort();
    return Promise.resolve();
  }

  get(name: string, namespace?: string): T | undefined {
    return this.objects.get(`${namespace ?? ''}/${name}`);
  }

  list(): readonly T[] {
    return [...this.objects.values()];
  }

  /** The version the next watch resumes from; '' before the first list and after a 410 Gone. */
  latestResourceVersion(): string {
    return this.version;
  }

  private emit(verb: Verb, arg?: unknown): void {
    for (const cb of this.callbacks[verb]) (cb as (a: unknown) => void)(arg);
  }

  private abort(): void {
    this.current?.abort();
    this.current = undefined;
  }

  /** Lists when there is no version to resume from, then watches. */
  private async connect(): Promise<void> {
    this.abort();
    if (this.stopped) return;
    this.emit('connect');
    if (this.version === '') {
      let list: { resourceVersion: string; items: T[] };
      try {
        list = await this.listFn();
      } catch (err) {
        this.emit('error', err);
        return;
      }
      this.replaceAll(list.items);
      this.version = list.resourceVersion;
      if (this.stopped) return;
    }
    let ended = false;
    const done = (err?: unknown): void => {
      if (ended) return;
      ended = true;
      this.current = undefined;
      if (err !== undefined && err !== null && !isGone(err)) {
        this.emit('error', err);
        return;
      }
      if (err !== undefined && err !== null) this.version = '';
      void this.connect();
    };
    const handle = await this.watchFn(this.version, (type, obj) => this.onEvent(type, obj), done);
    if (!ended && !this.stopped) this.current = handle;
    else if (!ended) handle.abort();
  }

  private onEvent(type: string, obj: KubeObject & { code?: number }): void {
    switch (type) {
      case 'ADDED':
      case 'MODIFIED':
        this.upsert(obj as T);
        break;
      case 'DELETED':
        if (this.objects.delete(keyOf(obj))) this.emit('delete', obj);
        break;
      case 'ERROR':
        // The server ends the watch after this; a 410 makes the next round list afresh.
        if (obj.code === 410) this.version = '';
        return;
      default:
        // BOOKMARK: only its version matters.
        break;
    }
    this.version = obj.metadata?.resourceVersion ?? this.version;
  }

  private upsert(obj: T): void {
    const key = keyOf(obj);
    const found = this.objects.get(key);
    if (found !== undefined && found.metadata.resourceVersion !== undefined && found.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    this.objects.set(key, obj);
    this.emit(found === undefined ? 'add' : 'update', obj);
  }

  /** A (re)list: objects no longer listed are deleted, the rest added or updated. */
  private replaceAll(items: T[]): void {
    const listed = new Set(items.map(keyOf));
    for (const [key, obj] of this.objects) {
      if (listed.has(key)) continue;
      this.objects.delete(key);
      this.emit('delete', obj);
    }
    for (const item of items) this.upsert(item);
  }
}

/**
 * An informer that keeps itself alive. client-node's ListWatch re-watches when a watch ends
 * normally and re-lists after 410 Gone, but after any other error (a failed list, a refused or
 * broken watch) it calls its error callbacks and stops for good. This wrapper restarts it with
 * exponential backoff, and joins one ListWatch per namespace into one cache.
 *
 * A 410 Gone (the watch resumed from a resourceVersion etcd has compacted away, e.g. after a
 * network partition) is ListWatch's own business: it forgets the version and lists again, and the
 * list's differences come out as add, update and delete events. It says nothing, though, so this
 * wrapper tells it apart and logs it: ListWatch clears its version only on a 410, so a (re)connect
 * with no version, after a list has already succeeded, is a relist after a Gone.
 */
import type { Logger } from '../log.js';
import { backoffDelay } from '../retry.js';
import type { Informer, InformerHandlers } from './port.js';
import type { KubeObject } from './types.js';

/** The slice of client-node's ListWatch this wrapper uses. */
export interface RawInformer<T> {
  on(verb: 'add' | 'update' | 'delete', cb: (obj: T) => void): void;
  on(verb: 'error', cb: (err?: unknown) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  get(name: string, namespace?: string): T | undefined;
  list(namespace?: string): readonly T[];
}

/** What client-node's ListWatch also has, and the Gone detection needs. */
interface Versioned {
  /** Before each list or watch. */
  on(verb: 'connect', cb: (err?: unknown) => void): void;
  /** The version the next watch resumes from; '' before the first list and after a 410 Gone. */
  latestResourceVersion(): string;
}

function versioned<T>(raw: RawInformer<T>): (RawInformer<T> & Versioned) | undefined {
  return typeof (raw as unknown as Partial<Versioned>).latestResourceVersion === 'function' ? raw as unknown as RawInformer<T> & Versioned : undefined;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface RestartOptions {
  log: Logger;
  /** What the log calls this informer, e.g. "ModelMonitor". */
  name: string;
  initialDelayMs?: number;
  maxDelayMs?: number;
  timers?: Timers;
  /** Called on each relist after a 410 Gone (for a metric). */
  onGone?(): void;
}

interface Member<T> {
  raw: RawInformer<T>;
  synced: boolean;
  /** Consecutive failed starts; 0 after a start that listed and watched. */
  failures: number;
  /** Errors seen since the current start began. */
  errorsThisStart: number;
  /** Relists after a 410 Gone since the informer was made. */
  goneRelists: number;
  timer?: unknown;
}

export class RestartingInformer<T extends KubeObject> implements Informer<T> {
  private readonly members: Member<T>[];
  private stopped = true;
  private readonly timers: Timers;

  constructor(raws: RawInformer<T>[], handlers: InformerHandlers<T>, private readonly options: RestartOptions) {
    this.timers = options.timers ?? realTimers;
    this.members = raws.map((raw) => ({ raw, synced: false, failures: 0, errorsThisStart: 0, goneRelists: 0 }));
    for (const member of this.members) {
      if (handlers.upsert) {
        member.raw.on('add', handlers.upsert);
        member.raw.on('update', handlers.upsert);
      }
      if (handlers.delete) member.raw.on('delete', handlers.delete);
      member.raw.on('error', (err) => this.onError(member, err));
      versioned(member.raw)?.on('connect', () => this.onConnect(member));
    }
  }

  /** Relists after a 410 Gone, over all namespaces: a test and a metric can tell one happened. */
  goneRelists(): number {
    return this.members.reduce((sum, m) => sum + m.goneRelists, 0);
  }

  async start(): Promise<void> {
    this.stopped = false;
    await Promise.all(this.members.map((m) => this.startMember(m)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const m of this.members) {
      if (m.timer !== undefined) this.timers.clearTimeout(m.timer);
      m.timer = undefined;
    }
    await Promise.all(this.members.map((m) => m.raw.stop()));
  }

  synced(): boolean {
    return this.members.every((m) => m.synced);
  }

  get(namespace: string, name: string): T | undefined {
    for (const m of this.members) {
      const obj = m.raw.get(name, namespace);
      if (obj !== undefined) return obj;
    }
    return undefined;
  }

  list(): T[] {
    return this.members.flatMap((m) => [...m.raw.list()]);
  }

  /** Starts one member; a failed start schedules the next try instead of throwing. */
  private async startMember(member: Member<T>): Promise<void> {
    if (this.stopped) return;
    member.errorsThisStart = 0;
    try {
      await member.raw.start();
    } catch (err) {
      this.onError(member, err);
      return;
    }
    if (member.errorsThisStart === 0 && !this.stopped) {
      member.synced = true;
      member.failures = 0;
    }
  }

  private onConnect(member: Member<T>): void {
    if (!member.synced || versioned(member.raw)?.latestResourceVersion() !== '') return;
    member.goneRelists++;
    this.options.log.warn('Watch expired (410 Gone: its resourceVersion was compacted); relisting', {
      informer: this.options.name, relists: member.goneRelists,
    });
    this.options.onGone?.();
  }

  private onError(member: Member<T>, err: unknown): void {
    member.errorsThisStart++;
    if (this.stopped || member.timer !== undefined) return;
    member.failures++;
    const delay = backoffDelay(member.failures, this.options.initialDelayMs ?? 500, this.options.maxDelayMs ?? 30_000);
    this.options.log.warn('Watch failed; restarting', {
      informer: this.options.name, attempt: member.failures, delayMs: delay, error: err instanceof Error ? err.message : String(err),
    });
    member.timer = this.timers.setTimeout(() => {
      member.timer = undefined;
      void this.startMember(member);
    }, delay);
  }
}

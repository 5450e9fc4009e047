/**
 * An informer that keeps itself alive. client-node's ListWatch re-watches when a watch ends
 * normally and re-lists after 410 Gone, but after any other error (a failed list, a refused or
 * broken watch) it calls its error callbacks and stops for good. This wrapper restarts it with
 * exponential backoff, and joins one ListWatch per namespace into one cache.
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
}

interface Member<T> {
  raw: RawInformer<T>;
  synced: boolean;
  /** Consecutive failed starts; 0 after a start that listed and watched. */
  failures: number;
  /** Errors seen since the current start began. */
  errorsThisStart: number;
  timer?: unknown;
}

export class RestartingInformer<T extends KubeObject> implements Informer<T> {
  private readonly members: Member<T>[];
  private stopped = true;
  private readonly timers: Timers;

  constructor(raws: RawInformer<T>[], handlers: InformerHandlers<T>, private readonly options: RestartOptions) {
    this.timers = options.timers ?? realTimers;
    this.members = raws.map((raw) => ({ raw, synced: false, failures: 0, errorsThisStart: 0 }));
    for (const member of this.members) {
      if (handlers.upsert) {
        member.raw.on('add', handlers.upsert);
        member.raw.on('update', handlers.upsert);
      }
      if (handlers.delete) member.raw.on('delete', handlers.delete);
      member.raw.on('error', (err) => this.onError(member, err));
    }
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

/**
 * The work queue of `namespace/name` keys (client-go's workqueue semantics): a key waiting in the
 * queue is held once however often it is added; a key being processed is never handed out again
 * until `done`, and if it was added meanwhile it is queued again then; failures back off per key
 * (exponential, capped) until `forget`.
 */
import type { Timers } from '../k8s/informer.js';
import { realTimers } from '../k8s/informer.js';
import { backoffDelay } from '../retry.js';

export interface QueueOptions {
  initialDelayMs?: number;
  maxDelayMs?: number;
  timers?: Timers;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  /** Keys that need processing (queued, or added while processing). */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, unknown>();
  private waiters: ((key: string | undefined) => void)[] = [];
  private closed = false;
  private readonly timers: Timers;

  constructor(private readonly options: QueueOptions = {}) {
    this.timers = options.timers ?? realTimers;
  }

  add(key: string): void {
    if (this.closed || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /** Adds the key after `ms`; an earlier pending delayed add of the same key is kept. */
  addAfter(key: string, ms: number): void {
    if (this.closed || this.delayed.has(key)) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    this.delayed.set(key, this.timers.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms));
  }

  /** Adds the key after its next backoff delay; returns the delay. */
  addRateLimited(key: string): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const delay = backoffDelay(n, this.options.initialDelayMs ?? 500, this.options.maxDelayMs ?? 300_000);
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears the key's failure count (call after a successful pass). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  failureCount(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key to process, or undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) return Promise.resolve(this.take(key));
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.closed) this.push(key);
  }

  /** Keys waiting (not counting those being processed or delayed). */
  len(): number {
    return this.queue.length;
  }

  shutdown(): void {
    this.closed = true;
    for (const timer of this.delayed.values()) this.timers.clearTimeout(timer);
    this.delayed.clear();
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w(undefined);
  }

  private push(key: string): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter(this.take(key));
    else this.queue.push(key);
  }

  private take(key: string): string {
    this.processing.add(key);
    this.dirty.delete(key);
    return key;
  }
}

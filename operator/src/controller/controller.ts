/**
 * The ModelMonitor controller's manager: informers feed `namespace/name` keys to a work queue;
 * workers take one key at a time and hand it to the reconciler (reconciler.ts: one pass of
 * observe -> decide -> act -> report). Keys are monitors, and namespaces whose job identity
 * changed or may have to go (an edit, a deletion, a monitor deleted). Only the leader's workers
 * act; every replica keeps warm caches and serves metrics. Timers: a periodic resync re-queues
 * every monitor and every namespace with a job identity, and a periodic re-send posts every
 * monitor's open anomalies to Alertmanager. Deleted monitors are kept as tombstones until their
 * alerts are resolved; the write memo (memo.ts) bridges the caches' lag behind our own writes.
 */
import type { ModelMonitor } from '../api/types.js';
import { describeError, errorCode } from '../errors.js';
import type { OperatorConfig } from '../config.js';
import { cacheView, fingerprint, hashOf, JOB_IDENTITY, MANAGED_SELECTOR, ownerMonitor, type JobTemplateConfig } from '../jobs/index.js';
import type { Informer, KubePort } from '../k8s/port.js';
import { realTimers, type Timers } from '../k8s/informer.js';
import { CRON_JOB, MODEL_MONITOR, ROLE, ROLE_BINDING, SERVICE_ACCOUNT, keyOf, type KubeObject, type ResourceType } from '../k8s/types.js';
import type { Logger } from '../log.js';
import type { OperatorMetrics } from '../server/metrics.js';
import type { AlertHooks } from './alerts.js';
import { childId, WriteMemo } from './memo.js';
import { WorkQueue } from './queue.js';
import { namespaceKey, Reconciler } from './reconciler.js';

/** Objects the operator writes and watches: the per-namespace job identity and the CronJobs. */
const WATCHED_CHILDREN: readonly ResourceType[] = [SERVICE_ACCOUNT, ROLE, ROLE_BINDING, CRON_JOB];
/** The kinds of the per-namespace job identity. */
const IDENTITY_KINDS: ReadonlySet<string> = new Set([SERVICE_ACCOUNT.kind, ROLE.kind, ROLE_BINDING.kind]);

export interface ControllerDeps {
  port: KubePort;
  config: OperatorConfig;
  job: JobTemplateConfig;
  log: Logger;
  metrics: OperatorMetrics;
  alerts: AlertHooks;
  identity: string;
  now?: () => number;
  timers?: Timers;
}

export class Controller {
  readonly monitors: Informer<ModelMonitor & KubeObject>;
  private readonly children = new Map<string, Informer>();
  private readonly queue: WorkQueue;
  private readonly memo: WriteMemo;
  /** The last version of each deleted monitor, until its alerts are resolved. */
  private readonly tombstones = new Map<string, ModelMonitor>();
  private readonly reconciler: Reconciler;
  private leading = false;
  private stopped = false;
  private workers: Promise<void>[] = [];
  private intervals: unknown[] = [];
  private readonly now: () => number;
  private readonly timers: Timers;

  constructor(private readonly deps: ControllerDeps) {
    this.now = deps.now ?? Date.now;
    this.timers = deps.timers ?? realTimers;
    this.queue = new WorkQueue({ timers: this.timers, initialDelayMs: 500, maxDelayMs: 300_000 });
    this.memo = new WriteMemo(this.now);
    const namespaces = deps.config.namespaces;
    this.monitors = deps.port.informer<ModelMonitor & KubeObject>(MODEL_MONITOR, { namespaces }, {
      upsert: (m) => {
        this.tombstones.delete(keyOf(m));
        this.deps.metrics.setMonitor(m.metadata.namespace ?? '', m.metadata.name, m.status?.health, m.status?.anomalyCount);
        this.enqueue(keyOf(m));
      },
      delete: (m) => {
        this.tombstones.set(keyOf(m), m);
        this.deps.metrics.removeMonitor(m.metadata.namespace ?? '', m.metadata.name);
        this.enqueue(keyOf(m));
        // Perhaps the namespace's last monitor: its job identity may have to go.
        this.enqueue(namespaceKey(m.metadata.namespace ?? ''));
      },
    });
    for (const type of WATCHED_CHILDREN) {
      // The CronJobs are many and only their hash, owner and fingerprint are read: cache no more.
      const transform = type === CRON_JOB ? cacheView : undefined;
      this.children.set(type.kind, deps.port.informer(type, { namespaces, labelSelector: MANAGED_SELECTOR, ...(transform ? { transform } : {}) }, {
        upsert: (obj) => {
          // The echo of our own CronJob write needs no pass (one pass fewer per new monitor).
          if (this.memo.isEcho(childId(type.kind, obj.metadata.namespace ?? '', obj.metadata.name), hashOf(obj), fingerprint(obj))) return;
          this.enqueueOwner(type, obj);
        },
        delete: (obj) => {
          this.memo.forget(childId(type.kind, obj.metadata.namespace ?? '', obj.metadata.name));
          this.enqueueOwner(type, obj);
        },
      }));
    }
    this.reconciler = new Reconciler({
      port: deps.port, job: deps.job, identity: deps.identity,
      log: deps.log, alerts: deps.alerts, now: this.now, memo: this.memo, monitors: this.monitors, children: this.children,
      tombstones: this.tombstones, failures: (key) => this.queue.failureCount(key),
    });
  }

  /** Starts the caches; resolves when every first list is in. */
  async start(): Promise<void> {
    await Promise.all([this.monitors.start(), ...[...this.children.values()].map((i) => i.start())]);
    for (let i = 0; i < this.deps.config.workers; i++) this.workers.push(this.work());
    this.every(this.deps.config.resyncInterval, () => {
      this.resync();
      return Promise.resolve();
    });
    this.every(this.deps.config.resendInterval, () => this.resend());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.leading = false;
    for (const t of this.intervals) this.timers.clearTimeout(t);
    this.queue.shutdown();
    await Promise.all(this.workers);
    await Promise.all([this.monitors.stop(), ...[...this.children.values()].map((i) => i.stop())]);
  }

  synced(): boolean {
    return this.monitors.synced() && [...this.children.values()].every((i) => i.synced());
  }

  /** Called by the leader elector; a new leader reconciles everything and re-sends alerts. */
  setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.deps.metrics.isLeader.set(leading ? 1 : 0);
    if (leading) {
      this.resync();
      void this.resend();
    }
  }

  /**
   * Re-queues every known monitor (and deleted ones still owed a resolve), and every namespace
   * holding a job identity (one left behind while no operator ran is removed).
   */
  resync(): void {
    if (!this.leading) return;
    for (const m of this.monitors.list()) this.enqueue(keyOf(m));
    for (const key of this.tombstones.keys()) this.enqueue(key);
    const accounts = this.children.get(SERVICE_ACCOUNT.kind)?.list() ?? [];
    for (const sa of accounts) if (sa.metadata.name === JOB_IDENTITY) this.enqueue(namespaceKey(sa.metadata.namespace ?? ''));
  }

  /** Posts every monitor's open anomalies again; errors are logged, the next interval retries. */
  async resend(): Promise<void> {
    if (!this.leading) return;
    try {
      await this.deps.alerts.resend(this.monitors.list(), new Date(this.now()));
    } catch (err) {
      this.deps.log.warn('Alert re-send failed', { error: describeError(err) });
    }
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      this.deps.metrics.queueDepth.set(this.queue.len());
      if (key === undefined) return;
      if (!this.leading) {
        // A follower drops keys; on becoming leader it re-queues everything.
        this.queue.done(key);
        continue;
      }
      await this.process(key);
    }
  }

  private async process(key: string): Promise<void> {
    const { metrics } = this.deps;
    const started = this.now();
    try {
      const outcome = await this.reconciler.reconcile(key);
      this.queue.forget(key);
      metrics.reconciles.inc({ result: outcome });
    } catch (err) {
      const delay = this.queue.addRateLimited(key);
      metrics.reconciles.inc({ result: 'error' });
      metrics.reconcileErrors.inc({ reason: errorCode(err) });
      this.deps.log.debug('Requeued after failure', { monitor: key, delayMs: delay, error: describeError(err) });
    } finally {
      metrics.reconcileDuration.observe((this.now() - started) / 1000);
      this.queue.done(key);
      metrics.queueDepth.set(this.queue.len());
    }
  }

  private enqueue(key: string): void {
    if (this.stopped) return;
    this.queue.add(key);
    this.deps.metrics.queueDepth.set(this.queue.len());
  }

  /** The key a child's change concerns: its monitor's, or its namespace's for the job identity. */
  private enqueueOwner(type: ResourceType, obj: KubeObject): void {
    if (IDENTITY_KINDS.has(type.kind) && obj.metadata.name === JOB_IDENTITY) {
      this.enqueue(namespaceKey(obj.metadata.namespace ?? ''));
      return;
    }
    const owner = ownerMonitor(obj);
    if (owner !== undefined) this.enqueue(owner);
  }

  /** Runs `fn` every interval (the next timer starts when `fn` is done, so runs never overlap). */
  private every(intervalMs: number, fn: () => Promise<void>): void {
    const tick = (): void => {
      if (this.stopped) return;
      const handle = this.timers.setTimeout(() => {
        this.intervals = this.intervals.filter((h) => h !== handle);
        if (this.stopped) return;
        fn().catch((err: unknown) => this.deps.log.warn('Periodic task failed', { error: describeError(err) })).finally(tick);
      }, intervalMs);
      this.intervals.push(handle);
    };
    tick();
  }
}

/**
 * The ModelMonitor controller: informers feed `namespace/name` keys to a work queue; workers
 * take one key at a time and run one pass of observe -> decide -> act -> report over what the
 * caches hold now (never what an event said). Only the leader's workers act; every replica keeps
 * warm caches and serves metrics. A periodic resync re-queues every monitor, and a periodic
 * re-send posts every monitor's open anomalies to Alertmanager.
 */
import type { ModelMonitor } from '../api/types.js';
import { AlertigerError, describeError, errorCode } from '../errors.js';
import { CREDENTIAL_KEYS, type OperatorConfig } from '../config.js';
import { childName, fingerprint, hashOf, MANAGED_SELECTOR, ownerMonitor, type JobTemplateConfig } from '../jobs/index.js';
import { isConflict } from '../k8s/errors.js';
import type { Informer, KubePort } from '../k8s/port.js';
import type { Timers } from '../k8s/informer.js';
import { realTimers } from '../k8s/informer.js';
import {
  CRON_JOB, EVENT, MODEL_MONITOR, ROLE, ROLE_BINDING, SECRET, SERVICE_ACCOUNT, keyOf, splitKey, type KubeObject, type ResourceType,
} from '../k8s/types.js';
import type { Logger } from '../log.js';
import type { OperatorMetrics } from '../server/metrics.js';
import type { AlertHooks } from './alerts.js';
import { decide, type Credentials, type LiveChild, type Observed, type Plan } from './decide.js';
import { buildEvent } from './events.js';
import { WriteMemo } from './memo.js';
import { WorkQueue } from './queue.js';
import {
  failedStatus, observedOperatorStatus, operatorStatusHash, statusApplyBody,
} from './status.js';

/** Children the operator watches (the mirrored Secret is written but cannot be watched). */
const WATCHED_CHILDREN: readonly ResourceType[] = [SERVICE_ACCOUNT, ROLE, ROLE_BINDING, CRON_JOB];
/** How long our own write outranks a cache that has not caught up with it. */
const CACHE_LAG_MS = 60_000;
/** Run events older than this are not raised; Events expire after an hour anyway. */
const EVENT_WINDOW_MS = 3_600_000;
/** A deleted monitor's alerts are resolved with retries, then left to expire (endsAt). */
const MAX_RESOLVE_ATTEMPTS = 5;

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
  private credentials: Credentials = { state: 'none' };
  private credentialsHash = '';
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
      },
    });
    for (const type of WATCHED_CHILDREN) {
      this.children.set(type.kind, deps.port.informer(type, { namespaces, labelSelector: MANAGED_SELECTOR }, {
        upsert: (obj) => this.enqueueOwner(obj),
        delete: (obj) => {
          this.memo.forget(childId(type.kind, obj.metadata.namespace ?? '', obj.metadata.name));
          this.enqueueOwner(obj);
        },
      }));
    }
  }

  /** Starts the caches; resolves when every first list is in. */
  async start(): Promise<void> {
    await this.refreshCredentials();
    await Promise.all([this.monitors.start(), ...[...this.children.values()].map((i) => i.start())]);
    for (let i = 0; i < this.deps.config.workers; i++) this.workers.push(this.work());
    this.every(this.deps.config.resyncInterval, async () => {
      await this.refreshCredentials();
      this.resync();
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

  /** Re-queues every known monitor (and deleted ones still owed a resolve). */
  resync(): void {
    if (!this.leading) return;
    for (const m of this.monitors.list()) this.enqueue(keyOf(m));
    for (const key of this.tombstones.keys()) this.enqueue(key);
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

  /** One pass over one key: observe, decide, act, report. Throws to make the queue back off. */
  async reconcile(key: string): Promise<Plan['outcome']> {
    const log = this.deps.log.child({ monitor: key });
    const observed = this.observe(key);
    const plan = decide(observed, { now: new Date(this.now()), job: this.deps.job, eventWindowMs: EVENT_WINDOW_MS });
    if (plan.outcome === 'deleted') {
      await this.forget(key, observed.lastKnown, log);
      return plan.outcome;
    }
    const monitor = observed.monitor!;
    try {
      await this.act(plan, monitor, log);
    } catch (err) {
      await this.reportFailure(monitor, err, log);
      throw err;
    }
    if (plan.outcome === 'blocked') {
      throw new AlertigerError('CredentialsUnavailable', plan.message ?? 'credentials unavailable');
    }
    if (plan.outcome === 'invalid' && plan.status !== undefined) log.warn('Invalid spec; nothing applied', { reason: plan.message });
    return plan.outcome;
  }

  observe(key: string): Observed {
    const { namespace, name } = splitKey(key);
    const monitor = this.monitors.get(namespace, name);
    const child = childName(name);
    const children: Record<string, LiveChild | undefined> = {};
    for (const [kind, informer] of this.children) {
      const live = informer.get(namespace, child);
      const hash = this.memo.effective(childId(kind, namespace, child), hashOf(live));
      // While the cache lags behind our own write, the write is the truth; otherwise the cached
      // object is, including any edit made behind our back.
      if (hash !== undefined) children[kind] = live !== undefined && hashOf(live) === hash ? { hash, fingerprint: fingerprint(live) } : { hash };
    }
    if (this.credentials.state === 'ok') {
      const hash = this.memo.effective(childId(SECRET.kind, namespace, child), undefined);
      if (hash !== undefined) children[SECRET.kind] = { hash };
    }
    const observed: Observed = { key, children, credentials: this.credentials };
    if (monitor !== undefined) {
      observed.monitor = monitor;
      observed.statusHash = this.memo.effective(statusId(key), operatorStatusHash(observedOperatorStatus(monitor.status)));
    }
    const lastKnown = this.tombstones.get(key);
    if (lastKnown !== undefined) observed.lastKnown = lastKnown;
    return observed;
  }

  /** Writes the plan: children in order, then the status, then Events (best effort). */
  private async act(plan: Plan, monitor: ModelMonitor, log: Logger): Promise<void> {
    const namespace = monitor.metadata.namespace ?? '';
    for (const obj of plan.applies) {
      // Secrets are created or replaced, never patched: a patch answers with the stored object,
      // so the right to patch every Secret would be the right to read every Secret.
      if (obj.kind === SECRET.kind) await this.deps.port.createOrReplace(SECRET, obj);
      else await this.deps.port.apply(obj);
      const ttl = obj.kind === SECRET.kind ? this.deps.config.secretRefreshInterval : CACHE_LAG_MS;
      this.memo.record(childId(obj.kind, namespace, obj.metadata.name), hashOf(obj) ?? '', ttl);
      log.info(`Applied ${obj.kind}`, { name: obj.metadata.name });
    }
    if (plan.status !== undefined && plan.desiredStatus !== undefined) {
      await this.deps.port.applyStatus(MODEL_MONITOR, plan.status);
      this.memo.record(statusId(keyOf(monitor)), operatorStatusHash(plan.desiredStatus) ?? '', CACHE_LAG_MS);
      log.info('Applied status', { ready: plan.desiredStatus.ready.status, reason: plan.desiredStatus.ready.reason });
    }
    for (const spec of plan.events) {
      try {
        await this.deps.port.create(EVENT, buildEvent(monitor, spec, new Date(this.now()), this.deps.identity));
      } catch (err) {
        // 409: this very occurrence was already recorded (by us before a restart, or a predecessor).
        if (!isConflict(err)) log.warn('Could not record Event', { reason: spec.reason, error: describeError(err) });
      }
    }
  }

  /** Ready=False naming the failure, so `kubectl get mm -o yaml` shows why nothing changed. */
  private async reportFailure(monitor: ModelMonitor, err: unknown, log: Logger): Promise<void> {
    const code = errorCode(err);
    log.warn('Reconcile failed', { reason: code, error: describeError(err) });
    const cronJob = this.children.get(CRON_JOB.kind)?.get(monitor.metadata.namespace ?? '', childName(monitor.metadata.name));
    const desired = failedStatus(monitor, cronJob?.metadata.name, code, `Could not apply the monitor's objects: ${describeError(err)}`);
    const key = keyOf(monitor);
    const live = this.memo.effective(statusId(key), operatorStatusHash(observedOperatorStatus(monitor.status)));
    if (live === operatorStatusHash(desired)) return;
    try {
      await this.deps.port.applyStatus(MODEL_MONITOR, statusApplyBody(monitor, desired, new Date(this.now())));
      this.memo.record(statusId(key), operatorStatusHash(desired) ?? '', CACHE_LAG_MS);
    } catch (statusErr) {
      log.warn('Could not write the failure to the status', { error: describeError(statusErr) });
    }
  }

  /** A monitor is gone: resolve its alerts, drop what we remember about it. */
  private async forget(key: string, lastKnown: ModelMonitor | undefined, log: Logger): Promise<void> {
    if (lastKnown !== undefined) {
      try {
        await this.deps.alerts.resolve(lastKnown, new Date(this.now()));
      } catch (err) {
        if (this.queue.failureCount(key) + 1 < MAX_RESOLVE_ATTEMPTS) throw err;
        log.warn('Giving up resolving the alerts of a deleted monitor; they expire at their endsAt', { error: describeError(err) });
      }
    }
    this.tombstones.delete(key);
    const { namespace, name } = splitKey(key);
    const child = childName(name);
    this.memo.forgetMatching((id) => id.endsWith(`/${namespace}/${child}`) || id === statusId(key));
    log.info('Monitor deleted; its objects are left to garbage collection');
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
      const started = this.now();
      try {
        const outcome = await this.reconcile(key);
        this.queue.forget(key);
        this.deps.metrics.reconciles.inc({ result: outcome });
      } catch (err) {
        const delay = this.queue.addRateLimited(key);
        this.deps.metrics.reconciles.inc({ result: 'error' });
        this.deps.metrics.reconcileErrors.inc({ reason: errorCode(err) });
        this.deps.log.debug('Requeued after failure', { monitor: key, delayMs: delay, error: describeError(err) });
      } finally {
        this.deps.metrics.reconcileDuration.observe((this.now() - started) / 1000);
        this.queue.done(key);
        this.deps.metrics.queueDepth.set(this.queue.len());
      }
    }
  }

  private enqueue(key: string): void {
    if (this.stopped) return;
    this.queue.add(key);
    this.deps.metrics.queueDepth.set(this.queue.len());
  }

  private enqueueOwner(obj: KubeObject): void {
    const owner = ownerMonitor(obj);
    if (owner !== undefined) this.enqueue(owner);
  }

  /**
   * Reads the operator's credentials Secret. A change (rotation) re-queues every monitor so the
   * mirrors follow; the Secret cannot be watched without cluster-wide Secret rights.
   */
  async refreshCredentials(): Promise<void> {
    const { influxSecret, operatorNamespace } = this.deps.config;
    if (influxSecret === undefined) return;
    let next: Credentials;
    try {
      const secret = await this.deps.port.get<KubeObject & { data?: Record<string, string> }>(SECRET, operatorNamespace, influxSecret);
      const data: Record<string, string> = {};
      for (const k of CREDENTIAL_KEYS) if (secret?.data?.[k] !== undefined) data[k] = secret.data[k]!;
      if (secret === undefined) {
        next = { state: 'unavailable', message: `Secret ${operatorNamespace}/${influxSecret} (ALERTIGER_INFLUX_SECRET) does not exist` };
      } else if (Object.keys(data).length === 0) {
        next = { state: 'unavailable', message: `Secret ${operatorNamespace}/${influxSecret} (ALERTIGER_INFLUX_SECRET) has none of the keys ${CREDENTIAL_KEYS.join(', ')}` };
      } else {
        next = { state: 'ok', data };
      }
    } catch (err) {
      // Keep mirroring the last good credentials through a passing API outage.
      if (this.credentials.state === 'ok') return;
      next = { state: 'unavailable', message: `cannot read Secret ${operatorNamespace}/${influxSecret}: ${describeError(err)}` };
    }
    const hash = JSON.stringify(next);
    if (hash !== this.credentialsHash) {
      const first = this.credentialsHash === '';
      this.credentialsHash = hash;
      this.credentials = next;
      if (!first) {
        this.deps.log.info('Credentials Secret changed; re-applying every mirror', { state: next.state });
        this.memo.forgetMatching((id) => id.startsWith(`${SECRET.kind}/`));
        this.resync();
      }
    }
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

function childId(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

function statusId(key: string): string {
  return `status/${key}`;
}

/**
 * One pass over one key: observe what the caches hold now (never what an event said), decide the
 * plan (decide.ts, pure), act on it (the namespace's job identity, the CronJob, then the status,
 * then Events), report a failure on the status. A key is a monitor's `namespace/name`, or a
 * namespace's key (`namespaceKey`) whose pass keeps the job identity of that namespace: present
 * while it has monitors, put back when edited or deleted, removed with its last monitor. The
 * manager (controller.ts) owns the caches, the queue and the timers; this file owns the pass.
 */
import type { ModelMonitor } from '../api/types.js';
import { describeError, errorCode } from '../errors.js';
import { childName, fingerprint, hashOf, JOB_IDENTITY, type JobTemplateConfig } from '../jobs/index.js';
import { isConflict } from '../k8s/errors.js';
import type { Informer, KubePort } from '../k8s/port.js';
import { CRON_JOB, EVENT, MODEL_MONITOR, ROLE, ROLE_BINDING, SERVICE_ACCOUNT, keyOf, splitKey, type KubeObject, type ResourceType } from '../k8s/types.js';
import type { Logger } from '../log.js';
import type { AlertHooks } from './alerts.js';
import { decide, decideIdentity, type LiveChild, type Observed, type Plan } from './decide.js';
import { buildEvent } from './events.js';
import { childId, statusId, type WriteMemo } from './memo.js';
import { failedStatus, observedOperatorStatus, operatorStatusHash, statusApplyBody } from './status.js';

/** How long our own write outranks a cache that has not caught up with it. */
const CACHE_LAG_MS = 60_000;
/** Run events older than this are not raised; Events expire after an hour anyway. */
const EVENT_WINDOW_MS = 3_600_000;
/** A deleted monitor's alerts are resolved with retries, then left to expire (endsAt). */
const MAX_RESOLVE_ATTEMPTS = 5;
/** The kinds of the per-namespace job identity, in apply order. */
const IDENTITY_TYPES: readonly ResourceType[] = [SERVICE_ACCOUNT, ROLE, ROLE_BINDING];

const NAMESPACE_KEY_PREFIX = 'namespace:';
/** The work-queue key of a namespace's job identity (a namespace name has no ':' or '/'). */
export function namespaceKey(namespace: string): string {
  return `${NAMESPACE_KEY_PREFIX}${namespace}`;
}

export interface ReconcilerDeps {
  port: KubePort;
  job: JobTemplateConfig;
  identity: string;
  log: Logger;
  alerts: AlertHooks;
  now: () => number;
  memo: WriteMemo;
  monitors: Informer<ModelMonitor & KubeObject>;
  /** The watched children's informers, by kind. */
  children: ReadonlyMap<string, Informer>;
  /** The last version of each deleted monitor, until its alerts are resolved. */
  tombstones: Map<string, ModelMonitor>;
  /** How many times this key has failed in a row (the queue's count). */
  failures: (key: string) => number;
}

export class Reconciler {
  /** The identity pass under way per namespace: passes of its monitors share it, never race it. */
  private readonly identityPasses = new Map<string, { hasMonitors: boolean; pass: Promise<void> }>();

  constructor(private readonly deps: ReconcilerDeps) {}

  /** One pass over one key: observe, decide, act, report. Throws to make the queue back off. */
  async reconcile(key: string): Promise<Plan['outcome']> {
    if (key.startsWith(NAMESPACE_KEY_PREFIX)) {
      const namespace = key.slice(NAMESPACE_KEY_PREFIX.length);
      const hasMonitors = this.deps.monitors.list().some((m) => m.metadata.namespace === namespace);
      await this.syncIdentity(namespace, hasMonitors);
      return 'synced';
    }
    const log = this.deps.log.child({ monitor: key });
    const observed = this.observe(key);
    const plan = decide(observed, { now: new Date(this.deps.now()), job: this.deps.job, eventWindowMs: EVENT_WINDOW_MS });
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
    if (plan.outcome === 'invalid' && plan.status !== undefined) log.warn('Invalid spec; nothing applied', { reason: plan.message });
    return plan.outcome;
  }

  observe(key: string): Observed {
    const { memo } = this.deps;
    const { namespace, name } = splitKey(key);
    const monitor = this.deps.monitors.get(namespace, name);
    const child = childName(name);
    const children: Record<string, LiveChild | undefined> = {};
    const cronJob = this.liveChild(CRON_JOB, namespace, child);
    if (cronJob !== undefined) children[CRON_JOB.kind] = cronJob;
    const observed: Observed = { key, children };
    if (monitor !== undefined) {
      observed.monitor = monitor;
      observed.statusHash = memo.effective(statusId(key), operatorStatusHash(observedOperatorStatus(monitor.status)));
    }
    const lastKnown = this.deps.tombstones.get(key);
    if (lastKnown !== undefined) observed.lastKnown = lastKnown;
    return observed;
  }

  /**
   * A live object as the decision needs it. While the cache lags behind our own write, the write
   * is the truth; otherwise the cached object is, including any edit made behind our back.
   */
  private liveChild(type: ResourceType, namespace: string, name: string): LiveChild | undefined {
    const live = this.deps.children.get(type.kind)?.get(namespace, name);
    const hash = this.deps.memo.effective(childId(type.kind, namespace, name), hashOf(live));
    if (hash === undefined) return undefined;
    return live !== undefined && hashOf(live) === hash ? { hash, fingerprint: fingerprint(live) } : { hash };
  }

  /**
   * Runs the identity pass of a namespace, or joins the one under way when it wants the same (a
   * removal under way is waited for, then undone).
   */
  private async syncIdentity(namespace: string, hasMonitors: boolean): Promise<void> {
    const running = this.identityPasses.get(namespace);
    if (running !== undefined) {
      if (running.hasMonitors === hasMonitors) return running.pass;
      await running.pass.catch(() => undefined);
      return this.syncIdentity(namespace, hasMonitors);
    }
    const pass = this.identityPass(namespace, hasMonitors).finally(() => this.identityPasses.delete(namespace));
    this.identityPasses.set(namespace, { hasMonitors, pass });
    return pass;
  }

  private async identityPass(namespace: string, hasMonitors: boolean): Promise<void> {
    const { port, memo } = this.deps;
    const live: Record<string, LiveChild | undefined> = {};
    for (const type of IDENTITY_TYPES) live[type.kind] = this.liveChild(type, namespace, JOB_IDENTITY);
    const plan = decideIdentity(namespace, live, hasMonitors);
    const log = this.deps.log.child({ namespace });
    for (const obj of plan.applies) {
      const type = IDENTITY_TYPES.find((t) => t.kind === obj.kind)!;
      await port.createOrReplace(type, obj, { exists: live[obj.kind] !== undefined });
      memo.record(childId(obj.kind, namespace, JOB_IDENTITY), hashOf(obj) ?? '', CACHE_LAG_MS);
      log.info(`Applied ${obj.kind}`, { name: JOB_IDENTITY });
    }
    for (const kind of plan.deletes) {
      await port.delete(IDENTITY_TYPES.find((t) => t.kind === kind)!, namespace, JOB_IDENTITY);
      memo.forget(childId(kind, namespace, JOB_IDENTITY));
      log.info(`Deleted ${kind}: the namespace has no monitors left`, { name: JOB_IDENTITY });
    }
  }

  /** Writes the plan: the namespace's job identity, the CronJob, the status, then Events (best effort). */
  private async act(plan: Plan, monitor: ModelMonitor, log: Logger): Promise<void> {
    const { port, memo } = this.deps;
    const namespace = monitor.metadata.namespace ?? '';
    // The identity before the CronJob, so a run never starts before its account can read the monitor.
    if (plan.outcome === 'synced') await this.syncIdentity(namespace, true);
    for (const obj of plan.applies) {
      // Created or replaced whole, never merged: a replace drops what someone else added.
      const exists = this.liveChild(CRON_JOB, namespace, obj.metadata.name) !== undefined;
      await port.createOrReplace(CRON_JOB, obj, { exists });
      memo.record(childId(obj.kind, namespace, obj.metadata.name), hashOf(obj) ?? '', CACHE_LAG_MS, fingerprint(obj));
      log.info(`Applied ${obj.kind}`, { name: obj.metadata.name });
    }
    if (plan.status !== undefined && plan.desiredStatus !== undefined) {
      await port.applyStatus(MODEL_MONITOR, plan.status);
      memo.record(statusId(keyOf(monitor)), operatorStatusHash(plan.desiredStatus) ?? '', CACHE_LAG_MS);
      log.info('Applied status', { ready: plan.desiredStatus.ready.status, reason: plan.desiredStatus.ready.reason });
    }
    for (const spec of plan.events) {
      try {
        await port.create(EVENT, buildEvent(monitor, spec, new Date(this.deps.now()), this.deps.identity));
      } catch (err) {
        // 409: this very occurrence was already recorded (by us before a restart, or a predecessor).
        if (!isConflict(err)) log.warn('Could not record Event', { reason: spec.reason, error: describeError(err) });
      }
    }
  }

  /** Ready=False naming the failure, so `kubectl get mm -o yaml` shows why nothing changed. */
  private async reportFailure(monitor: ModelMonitor, err: unknown, log: Logger): Promise<void> {
    const { memo } = this.deps;
    const code = errorCode(err);
    log.warn('Reconcile failed', { reason: code, error: describeError(err) });
    const cronJob = this.deps.children.get(CRON_JOB.kind)?.get(monitor.metadata.namespace ?? '', childName(monitor.metadata.name));
    const desired = failedStatus(monitor, cronJob?.metadata.name, code, `Could not apply the monitor's objects: ${describeError(err)}`);
    const key = keyOf(monitor);
    const live = memo.effective(statusId(key), operatorStatusHash(observedOperatorStatus(monitor.status)));
    if (live === operatorStatusHash(desired)) return;
    try {
      await this.deps.port.applyStatus(MODEL_MONITOR, statusApplyBody(monitor, desired, new Date(this.deps.now())));
      memo.record(statusId(key), operatorStatusHash(desired) ?? '', CACHE_LAG_MS);
    } catch (statusErr) {
      log.warn('Could not write the failure to the status', { error: describeError(statusErr) });
    }
  }

  /** A monitor is gone: resolve its alerts, drop what we remember about it. */
  private async forget(key: string, lastKnown: ModelMonitor | undefined, log: Logger): Promise<void> {
    if (lastKnown !== undefined) {
      try {
        await this.deps.alerts.resolve(lastKnown, new Date(this.deps.now()));
      } catch (err) {
        if (this.deps.failures(key) + 1 < MAX_RESOLVE_ATTEMPTS) throw err;
        log.warn('Giving up resolving the alerts of a deleted monitor; they expire at their endsAt', { error: describeError(err) });
      }
    }
    this.deps.tombstones.delete(key);
    const { namespace, name } = splitKey(key);
    const child = childName(name);
    this.deps.memo.forgetMatching((id) => id.endsWith(`/${namespace}/${child}`) || id === statusId(key));
    log.info('Monitor deleted; its objects are left to garbage collection');
  }
}

/**
 * One pass over one monitor key: observe what the caches hold now (never what an event said),
 * decide the plan (decide.ts, pure), act on it (children in order, then the status, then
 * Events), report a failure on the status. The manager (controller.ts) owns the caches, the
 * queue and the timers; this file owns nothing but the pass.
 */
import type { ModelMonitor } from '../api/types.js';
import { AlertigerError, describeError, errorCode } from '../errors.js';
import { childName, fingerprint, hashOf, type JobTemplateConfig } from '../jobs/index.js';
import { isConflict } from '../k8s/errors.js';
import type { Informer, KubePort } from '../k8s/port.js';
import { CRON_JOB, EVENT, MODEL_MONITOR, SECRET, keyOf, splitKey, type KubeObject } from '../k8s/types.js';
import type { Logger } from '../log.js';
import type { AlertHooks } from './alerts.js';
import { decide, type Credentials, type LiveChild, type Observed, type Plan } from './decide.js';
import { buildEvent } from './events.js';
import { childId, statusId, type WriteMemo } from './memo.js';
import { failedStatus, observedOperatorStatus, operatorStatusHash, statusApplyBody } from './status.js';

/** How long our own write outranks a cache that has not caught up with it. */
const CACHE_LAG_MS = 60_000;
/** Run events older than this are not raised; Events expire after an hour anyway. */
const EVENT_WINDOW_MS = 3_600_000;
/** A deleted monitor's alerts are resolved with retries, then left to expire (endsAt). */
const MAX_RESOLVE_ATTEMPTS = 5;

export interface ReconcilerDeps {
  port: KubePort;
  job: JobTemplateConfig;
  /** How long a mirrored Secret's write stands for it (it cannot be watched). */
  secretRefreshIntervalMs: number;
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
  credentials: () => Credentials;
  /** How many times this key has failed in a row (the queue's count). */
  failures: (key: string) => number;
}

export class Reconciler {
  constructor(private readonly deps: ReconcilerDeps) {}

  /** One pass over one key: observe, decide, act, report. Throws to make the queue back off. */
  async reconcile(key: string): Promise<Plan['outcome']> {
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
    if (plan.outcome === 'blocked') {
      throw new AlertigerError('CredentialsUnavailable', plan.message ?? 'credentials unavailable');
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
    for (const [kind, informer] of this.deps.children) {
      const live = informer.get(namespace, child);
      const hash = memo.effective(childId(kind, namespace, child), hashOf(live));
      // While the cache lags behind our own write, the write is the truth; otherwise the cached
      // object is, including any edit made behind our back.
      if (hash !== undefined) children[kind] = live !== undefined && hashOf(live) === hash ? { hash, fingerprint: fingerprint(live) } : { hash };
    }
    const credentials = this.deps.credentials();
    if (credentials.state === 'ok') {
      const hash = memo.effective(childId(SECRET.kind, namespace, child), undefined);
      if (hash !== undefined) children[SECRET.kind] = { hash };
    }
    const observed: Observed = { key, children, credentials };
    if (monitor !== undefined) {
      observed.monitor = monitor;
      observed.statusHash = memo.effective(statusId(key), operatorStatusHash(observedOperatorStatus(monitor.status)));
    }
    const lastKnown = this.deps.tombstones.get(key);
    if (lastKnown !== undefined) observed.lastKnown = lastKnown;
    return observed;
  }

  /** Writes the plan: children in order, then the status, then Events (best effort). */
  private async act(plan: Plan, monitor: ModelMonitor, log: Logger): Promise<void> {
    const { port, memo } = this.deps;
    const namespace = monitor.metadata.namespace ?? '';
    for (const obj of plan.applies) {
      // Secrets are created or replaced, never patched: a patch answers with the stored object,
      // so the right to patch every Secret would be the right to read every Secret.
      if (obj.kind === SECRET.kind) await port.createOrReplace(SECRET, obj);
      else await port.apply(obj);
      const ttl = obj.kind === SECRET.kind ? this.deps.secretRefreshIntervalMs : CACHE_LAG_MS;
      memo.record(childId(obj.kind, namespace, obj.metadata.name), hashOf(obj) ?? '', ttl);
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

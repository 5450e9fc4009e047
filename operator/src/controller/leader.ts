/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it: the
 * holder renews `renewTime` every retry period; another replica takes over only after it has
 * seen the same lease record unchanged for a whole lease duration (by its own clock, so clock
 * skew between nodes does not matter); a leader that could not renew within the renew deadline
 * stops acting before anyone else may start. Writes use the Lease's resourceVersion, so of two
 * replicas racing for the same record exactly one wins (the other gets 409).
 *
 * A Lease that cannot be read or written at all (its namespace missing, RBAC forbidding it, the
 * API unreachable) is not a race lost: the replica would never lead and nobody would say why. So
 * such a failure is kept as `problem()` (the operator's /readyz answers 503 with it), logged once
 * per distinct cause, counted, and cleared by the first attempt that works again.
 */
import type { Logger } from '../log.js';
import { describeError, errorCode } from '../errors.js';
import { isConflict } from '../k8s/errors.js';
import type { KubePort } from '../k8s/port.js';
import type { Timers } from '../k8s/informer.js';
import { realTimers } from '../k8s/informer.js';
import { LEASE, type KubeObject } from '../k8s/types.js';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export type LeaseAction = 'create' | 'renew' | 'acquire' | 'follow';

/**
 * What to do with the lease as read. `observedAt` is when this replica first saw the current
 * record (holder + renewTime + transitions) unchanged.
 */
export function leaseAction(spec: LeaseSpec | undefined, identity: string, now: number, observedAt: number, leaseDurationMs: number): LeaseAction {
  if (spec === undefined) return 'create';
  if (spec.holderIdentity === identity) return 'renew';
  if (spec.holderIdentity === undefined || spec.holderIdentity === '') return 'acquire';
  const duration = spec.leaseDurationSeconds !== undefined ? spec.leaseDurationSeconds * 1000 : leaseDurationMs;
  return now - observedAt >= duration ? 'acquire' : 'follow';
}

/** RFC 3339 with microseconds, the MicroTime format the API server requires. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export interface LeaderOptions {
  port: KubePort;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  log: Logger;
  now?: () => number;
  timers?: Timers;
  onStartedLeading(): void;
  onStoppedLeading(): void;
  /** Called on each failed attempt other than a lost race, with the error's stable code. */
  onError?(reason: string): void;
}

export class LeaderElector {
  private leading = false;
  private known = false;
  private lastRenew = 0;
  private observed: { record: string; at: number } | undefined;
  /**
   * The Lease as our own last write returned it, while we lead: a renewal writes from it with its
   * resourceVersion and needs no read first (a 409 says someone else wrote it; then we read).
   */
  private held: (KubeObject & { spec?: LeaseSpec }) | undefined;
  private timer: unknown;
  private running = false;
  private inFlight: Promise<void> | undefined;
  /** Why the last attempt could not use the Lease (a lost race is no problem), or undefined. */
  private failure: string | undefined;
  private readonly now: () => number;
  private readonly timers: Timers;

  constructor(private readonly options: LeaderOptions) {
    this.now = options.now ?? Date.now;
    this.timers = options.timers ?? realTimers;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** True once the first attempt has told whether this replica leads. */
  stateKnown(): boolean {
    return this.known;
  }

  /**
   * Why this replica cannot take part in the election, while it does not lead: the cause of the
   * last failed attempt. A follower waiting for a healthy leader has none.
   */
  problem(): string | undefined {
    if (this.leading || this.failure === undefined) return undefined;
    return `cannot take the leader Lease ${this.options.namespace}/${this.options.name}: ${this.failure}`;
  }

  start(): void {
    this.running = true;
    this.schedule(0);
  }

  /** Stops campaigning; a leader gives the lease up so a successor need not wait it out. */
  async stop(release = true): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    await this.inFlight;
    if (this.leading && release) await this.release();
    this.setLeading(false);
  }

  /** One attempt to acquire or renew; exposed for tests. */
  async tryOnce(): Promise<void> {
    const { port, namespace, name, identity } = this.options;
    const now = this.now();
    try {
      const lease = this.leading && this.held !== undefined ? this.held : await port.get<KubeObject & { spec?: LeaseSpec }>(LEASE, namespace, name);
      const spec = lease?.spec;
      if (spec !== undefined) {
        const record = JSON.stringify([spec.holderIdentity, spec.renewTime, spec.leaseTransitions]);
        if (this.observed?.record !== record) this.observed = { record, at: now };
      }
      const action = leaseAction(lease === undefined ? undefined : spec ?? {}, identity, now, this.observed?.at ?? now, this.options.leaseDurationMs);
      const durationSeconds = Math.ceil(this.options.leaseDurationMs / 1000);
      if (action === 'follow') {
        this.known = true;
        this.recovered();
        this.setLeading(false);
        return;
      }
      if (action === 'create') {
        this.held = await port.create(LEASE, {
          apiVersion: LEASE.apiVersion, kind: LEASE.kind, metadata: { name, namespace },
          spec: { holderIdentity: identity, leaseDurationSeconds: durationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
        });
      } else {
        const next: LeaseSpec = action === 'renew'
          ? { ...spec, leaseDurationSeconds: durationSeconds, renewTime: microTime(now) }
          : { holderIdentity: identity, leaseDurationSeconds: durationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: (spec?.leaseTransitions ?? 0) + 1 };
        this.held = await port.replace(LEASE, { ...lease!, spec: next });
      }
      this.lastRenew = now;
      this.known = true;
      this.recovered();
      if (action !== 'renew') this.options.log.info('Acquired leadership', { lease: `${namespace}/${name}`, identity });
      this.setLeading(true);
    } catch (err) {
      this.held = undefined;
      // A 409 means another replica wrote the lease first; anything else is an outage. Either
      // way a leader keeps acting only while its last renewal is within the renew deadline.
      if (!isConflict(err)) this.failed(err);
      if (this.leading && now - this.lastRenew >= this.options.renewDeadlineMs) {
        this.options.log.warn('Lost leadership: could not renew the lease', { error: describeError(err) });
        this.setLeading(false);
      } else if (!this.leading) {
        this.known = true;
      }
    }
  }

  /** Records a failed attempt; the warning is logged only when the cause differs from the last. */
  private failed(err: unknown): void {
    // The error's own message ("create Lease NS/NAME: namespaces "NS" not found"), not the
    // chain of causes: client-node's cause carries the whole HTTP response, headers and all.
    const cause = err instanceof Error ? err.message : String(err);
    this.options.onError?.(errorCode(err));
    if (cause === this.failure) return;
    this.failure = cause;
    // A leader keeps acting until its renew deadline; a follower cannot lead until this is fixed.
    this.options.log.warn('Cannot use the leader Lease', {
      lease: `${this.options.namespace}/${this.options.name}`, leading: this.leading, code: errorCode(err), error: cause,
    });
  }

  private recovered(): void {
    if (this.failure === undefined) return;
    this.failure = undefined;
    this.options.log.info('The leader Lease is usable again', { lease: `${this.options.namespace}/${this.options.name}` });
  }

  private schedule(delay: number): void {
    if (!this.running) return;
    this.timer = this.timers.setTimeout(() => {
      this.inFlight = this.tryOnce().finally(() => {
        this.inFlight = undefined;
        this.schedule(this.options.retryPeriodMs);
      });
    }, delay);
  }

  private async release(): Promise<void> {
    const { port, namespace, name } = this.options;
    try {
      const lease = this.leading && this.held !== undefined ? this.held : await port.get<KubeObject & { spec?: LeaseSpec }>(LEASE, namespace, name);
      if (lease?.spec?.holderIdentity !== this.options.identity) return;
      await port.replace(LEASE, { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 } });
      this.options.log.info('Released leadership', { lease: `${namespace}/${name}` });
    } catch (err) {
      this.options.log.warn('Could not release the lease', { error: describeError(err) });
    }
  }

  private setLeading(leading: boolean): void {
    if (!leading) this.held = undefined;
    if (leading === this.leading) return;
    this.leading = leading;
    if (leading) this.options.onStartedLeading();
    else this.options.onStoppedLeading();
  }
}

/**
 * A run's guard against its ModelMonitor vanishing mid-run. The operator resolves a deleted
 * monitor's alerts from the last status it saw; a job that was running then would post its
 * alerts afterwards, and they would fire until endsAt (two runs' worth, up to two days). So
 * around the two effects that outlive the run, the job checks that the monitor it read is still
 * there (same uid, not being deleted):
 * - before the alert post: gone, every alert of the batch is posted resolved instead;
 * - at the status write: gone (or the write finds it missing), the alerts this run posted are
 *   resolved, no status is written (a monitor re-created under the same name must not get the
 *   old one's status), and the run ends with a MonitorGoneError saying so.
 * The check at the write is what closes the window; the one before the post spares a page.
 */
import type { ModelMonitor } from '../api/types.js';
import { AlertigerError, describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { AlertPort, StatusPort } from './ports.js';
import type { PostableAlert } from '../alerting/payload.js';

/** The run's monitor is gone: deleted, being deleted, or replaced by another of the same name. */
export class MonitorGoneError extends AlertigerError {
  constructor(message: string) {
    super('NotFound', message);
    this.name = 'MonitorGoneError';
  }
}

/** Why `current` is not the monitor the run read, or undefined when it still is. */
export function goneReason(read: ModelMonitor, current: ModelMonitor | undefined): string | undefined {
  if (current === undefined) return 'was deleted';
  const [before, now] = [read.metadata.uid, current.metadata.uid];
  if (before !== undefined && now !== undefined && before !== now) return `was deleted and created again (uid ${before}, now ${now})`;
  if (current.metadata.deletionTimestamp !== undefined) return 'is being deleted';
  return undefined;
}

/** The same alerts, ended now: Alertmanager marks each resolved. */
export function endedNow(alerts: readonly PostableAlert[], now: Date): PostableAlert[] {
  return alerts.map((a) => ({ ...a, endsAt: now.toISOString() }));
}

export interface GuardOptions {
  /** The monitor as the run read it. */
  monitor: ModelMonitor;
  /** The monitor as it is now; undefined when the API server has none of that name. */
  lookup(): Promise<ModelMonitor | undefined>;
  alerts: AlertPort;
  status: StatusPort;
  /** Tells a write that failed because the monitor is missing (a 404) from other failures. */
  isNotFound(err: unknown): boolean;
  now(): Date;
  log: Logger;
}

export interface GuardedPorts {
  alerts: AlertPort;
  status: StatusPort;
}

export function guardAgainstDeletion(options: GuardOptions): GuardedPorts {
  const { monitor, log } = options;
  const who = `ModelMonitor ${monitor.metadata.namespace ?? 'default'}/${monitor.metadata.name}`;
  const posted: { url: string; alerts: PostableAlert[] }[] = [];
  let gone: string | undefined;
  /** Alerts this run sent resolved because the monitor was already gone at the post. */
  let withheld = 0;

  /** The reason the monitor is gone, or undefined; a failed look-up is no proof, so it is undefined. */
  const check = async (): Promise<string | undefined> => {
    try {
      return goneReason(monitor, await options.lookup());
    } catch (err) {
      log.warn(`Could not check that the ${who} still exists`, { error: describeError(err) });
      return undefined;
    }
  };

  const resolvePosted = async (): Promise<number> => {
    let count = 0;
    for (const { url, alerts } of posted) {
      await options.alerts.post(url, endedNow(alerts, options.now()));
      count += alerts.length;
    }
    return count;
  };

  return {
    alerts: {
      async post(url, alerts) {
        gone ??= await check();
        if (gone !== undefined) {
          log.warn(`The ${who} ${gone}; its alerts are sent resolved`, { alerts: alerts.length });
          await options.alerts.post(url, endedNow(alerts, options.now()));
          withheld += alerts.length;
          return;
        }
        await options.alerts.post(url, alerts);
        posted.push({ url, alerts: [...alerts] });
      },
    },
    status: {
      async write(read, status) {
        gone ??= await check();
        if (gone === undefined) {
          try {
            await options.status.write(read, status);
            return;
          } catch (err) {
            if (!options.isNotFound(err)) throw err;
            gone = 'was deleted';
          }
        }
        let resolved: number;
        try {
          resolved = await resolvePosted();
        } catch (err) {
          throw new MonitorGoneError(`${who} ${gone} during the run, and the alerts it had sent could not be resolved (they end at their endsAt): ${describeError(err)}`);
        }
        throw new MonitorGoneError(`${who} ${gone} during the run: resolved the ${resolved + withheld} alert(s) of this run; no status written`);
      },
    },
  };
}

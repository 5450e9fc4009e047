/**
 * What the rollout tests (Deployment, StatefulSet, KServe) share: a ModelMonitor of the real
 * public log that names a workload, with the unit fault from a given day, applied and waited for
 * until the operator has made its CronJob.
 */
import { join } from 'node:path';
import type { WorkloadRef } from '../../../operator/src/api/types.js';
import { buildRealLog, DAY_MS } from '../../fixtures/reallog/build.js';
import { applyMonitor, getJson, waitFor } from '../operator/helpers.js';

export async function applyWorkloadMonitor(options: {
  namespace: string;
  /** Where the log is written (a folder per monitor inside). */
  dir: string;
  name: string;
  /** The midnight (ms) that is day 40 of the log, the day of the rollout under test. */
  day: number;
  /** The fault starts at day 40 + faultDay. */
  faultDay: number;
  workloadRef: WorkloadRef;
}): Promise<void> {
  const { namespace, dir, name, day, faultDay, workloadRef } = options;
  const log = await buildRealLog({
    dir: join(dir, name), name, days: 40 + faultDay + 3, start: new Date(day - 40 * DAY_MS).toISOString(), fault: { kind: 'unit', fromDay: 40 + faultDay },
  });
  await applyMonitor(namespace, name, { ...log.monitor.spec, model: { name, workloadRef } });
  await waitFor(`the CronJob of ${name}`, async () => (await getJson<{ items: { metadata: { name: string } }[] }>(['-n', namespace, 'get', 'cronjobs']))
    .items.some((c) => c.metadata.name === `${name}-alertiger`) || undefined, 60_000);
}

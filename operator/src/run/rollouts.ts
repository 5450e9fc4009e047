/**
 * Rollout-aware anomalies (docs/rollouts.md): which rollout of the model's workload an anomaly
 * started shortly after, the sentence that says so, and the routing labels alerts inherit from
 * the workload. Pure but for observeWorkload: the job reads the workload (k8s/workload.ts), this decides.
 *
 * The rule. An anomaly's `start` is the start of its first anomalous window, so a rollout in the
 * middle of that window comes after `start` and still explains it. A rollout R is linked to an
 * anomaly that starts at S (window length W) when
 *   R.time < S + W         (the first anomalous window holds traffic served after R), and
 *   S - R.time <= AFTER    (the anomaly started at most AFTER past R: 1 day at 1d, 6 h at 1h);
 * of several, the newest. Nothing else is inferred: a rollout is a lead, not a cause.
 */
import { granularityMs, HOUR_MS } from '../api/granularity.js';
import type {
  AnomalyRollout, AnomalyStatus, ContainerImage, Granularity, ModelMonitor, ModelRef, Rollout, WorkloadRef, WorkloadStatus,
} from '../api/types.js';
import { describeError, errorCode } from '../errors.js';
import type { Logger } from '../log.js';

/** How long after a rollout an anomaly's start is still linked to it, by granularity. */
export const ROLLOUT_WINDOW_MS: Record<Granularity, number> = { '1d': 24 * HOUR_MS, '1h': 6 * HOUR_MS };

/** Alert labels inherited from the workload's labels unless spec.alerting.labels sets them. */
export const INHERITED_LABELS = ['team', 'owner'] as const;

/** The workload a spec names: workloadRef, else the older deploymentRef as a Deployment. */
export function workloadRefOf(model: ModelRef): WorkloadRef | undefined {
  if (model.workloadRef !== undefined) return model.workloadRef;
  return model.deploymentRef !== undefined ? { kind: 'Deployment', name: model.deploymentRef.name } : undefined;
}

/** The rollout an anomaly starting at `start` (ms) is linked to, by the rule above; `rollouts` in any order. */
export function rolloutBefore(rollouts: readonly Rollout[], start: number, granularity: Granularity): Rollout | undefined {
  const step = granularityMs(granularity);
  let best: Rollout | undefined;
  for (const r of rollouts) {
    const t = Date.parse(r.time);
    if (!(t < start + step && start - t <= ROLLOUT_WINDOW_MS[granularity])) continue;
    if (best === undefined || t > Date.parse(best.time) || (t === Date.parse(best.time) && r.revision > best.revision)) best = r;
  }
  return best;
}

/** The revision rolled out before `rollout`, whose images it replaced (the highest lower revision). */
export function previousRollout(rollouts: readonly Rollout[], rollout: Rollout): Rollout | undefined {
  let previous: Rollout | undefined;
  for (const r of rollouts) if (r.revision < rollout.revision && (previous === undefined || r.revision > previous.revision)) previous = r;
  return previous;
}

/**
 * "image x -> y" (one container changed), "images app: x -> y, sidecar: a -> b" (several),
 * "image y" (no earlier revision known), "same images" (a change of something else: env, resources).
 */
export function imageChange(before: readonly ContainerImage[] | undefined, after: readonly ContainerImage[]): string {
  if (before === undefined) return after.length === 1 ? `image ${after[0].image}` : `images ${after.map((c) => `${c.container}: ${c.image}`).join(', ')}`;
  const old = new Map(before.map((c) => [c.container, c.image]));
  const changed = after.filter((c) => old.get(c.container) !== c.image);
  if (changed.length === 0) return 'same images';
  const one = (c: ContainerImage): string => `${old.get(c.container) ?? '(new container)'} -> ${c.image}`;
  if (changed.length === 1 && after.length === 1) return `image ${one(changed[0])}`;
  return `${changed.length === 1 ? 'image' : 'images'} ${changed.map((c) => `${c.container}: ${one(c)}`).join(', ')}`;
}

/** The CRD's bound on status.anomalies[].rollout.message: a longer one would fail the whole status apply. */
const MAX_MESSAGE = 1024;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** "2 h", "45 min", "3 d": a pager-sized duration, rounded down. */
export function formatDelay(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.floor(hours / 24)} d`;
}

/** The anomaly's rollout field: revision, time and the sentence of status, alerts and report. */
export function describeRollout(rollouts: readonly Rollout[], rollout: Rollout, start: number): AnomalyRollout {
  const t = Date.parse(rollout.time);
  const change = imageChange(previousRollout(rollouts, rollout)?.images, rollout.images);
  // A rollout inside the first anomalous window comes after the window's start.
  const when = t <= start
    ? `started ${formatDelay(start - t)} after revision ${rollout.revision}`
    : `started in the window in which revision ${rollout.revision} rolled out (${rollout.time})`;
  return { revision: rollout.revision, time: rollout.time, message: clip(`${when}: ${change}`, MAX_MESSAGE) };
}

/** Each anomaly with its rollout (when one is linked), and without a stale one when none is. */
export function withRollouts(anomalies: readonly AnomalyStatus[], rollouts: readonly Rollout[], granularity: Granularity): AnomalyStatus[] {
  return anomalies.map((a) => {
    const { rollout: _stale, ...rest } = a;
    const start = Date.parse(a.start);
    const linked = rolloutBefore(rollouts, start, granularity);
    return linked === undefined ? rest : { ...rest, rollout: describeRollout(rollouts, linked, start) };
  });
}

/** The routing labels a workload's labels give alerts (only INHERITED_LABELS, non-empty). */
export function routingLabels(workloadLabels: Readonly<Record<string, string>> | undefined): Record<string, string> | undefined {
  const picked = INHERITED_LABELS.filter((n) => (workloadLabels?.[n] ?? '') !== '').map((n) => [n, workloadLabels![n]] as const);
  return picked.length > 0 ? Object.fromEntries(picked) : undefined;
}

/** What a run reads of the workload: the status to write and every rollout it found (the rule sees them all). */
export interface WorkloadObservation {
  status: WorkloadStatus;
  rollouts: Rollout[];
}

/** Reads the model's workload (the job's port, k8s/workload.ts). */
export type WorkloadPort = (ref: WorkloadRef) => Promise<WorkloadObservation>;

/**
 * The workload of the spec, read once per run; undefined without a reference or a port. Never
 * throws: a workload that cannot be read is said on the status and the run goes on without it.
 */
export async function observeWorkload(model: ModelRef, read: WorkloadPort | undefined, log: Logger): Promise<WorkloadObservation | undefined> {
  const ref = workloadRefOf(model);
  if (ref === undefined || read === undefined) return undefined;
  try {
    const seen = await read(ref);
    if (seen.status.reason !== undefined) log.warn('Workload not read; anomalies go without rollouts', { workload: `${ref.kind}/${ref.name}`, reason: seen.status.reason, error: seen.status.message });
    return seen;
  } catch (err) {
    log.warn('Workload not read; anomalies go without rollouts', { workload: `${ref.kind}/${ref.name}`, code: errorCode(err), error: describeError(err) });
    return { status: { kind: ref.kind, name: ref.name, reason: 'Unreadable', message: describeError(err).slice(0, 1000) }, rollouts: [] };
  }
}

/** The monitor as alerts should see it after a run: its status holding the workload just read. */
export function withWorkload(monitor: ModelMonitor, workload: WorkloadStatus | undefined): ModelMonitor {
  return workload === undefined ? monitor : { ...monitor, status: { ...monitor.status, workload } };
}

/**
 * One reconcile decision, pure: (observed state, now, config) -> plan. Small ordered checks, the
 * first that applies wins: gone, being deleted, invalid spec, in sync. Writes are planned only
 * where the live object's hash differs from the built one, so a pass over an unchanged monitor
 * plans nothing. `decideIdentity` is the same for a namespace's job identity.
 */
import { CONDITION_LAST_RUN } from '../api/conditions.js';
import type { ModelMonitor } from '../api/types.js';
import { validateSpec, withDefaults } from '../api/validate.js';
import { buildChildren, buildJobIdentity, childName, fingerprint, hashOf, type JobTemplateConfig } from '../jobs/index.js';
import type { KubeObject } from '../k8s/types.js';
import { EVENT_REASONS, type EventSpec } from './events.js';
import {
  REASONS, observedOperatorStatus, operatorStatusHash, statusApplyBody, type OperatorStatus,
} from './status.js';

export interface Observed {
  key: string;
  /** The monitor in the cache; undefined once it is deleted. */
  monitor?: ModelMonitor;
  /** The last version seen before deletion (to resolve its alerts). */
  lastKnown?: ModelMonitor;
  /** Per child kind, what the live object looks like (absent from the record: no object). */
  children: Readonly<Record<string, LiveChild | undefined>>;
  /** Hash of the operator's status facts as last written (see status.ts), if known. */
  statusHash?: string;
}

/**
 * A live child as the decision needs it: its hash annotation, and the fingerprint of its
 * significant fields (undefined when only our own recent write is known, not the object).
 */
export interface LiveChild {
  hash: string | undefined;
  fingerprint?: string;
}

/** True when the live child matches the built one: same input, and nobody edited it since. */
function childInSync(live: LiveChild | undefined, desired: KubeObject): boolean {
  if (live === undefined || live.hash !== hashOf(desired)) return false;
  return live.fingerprint === undefined || live.fingerprint === fingerprint(desired);
}

export interface DecideContext {
  now: Date;
  job: JobTemplateConfig;
  /** Run events older than this are not raised (a restarted operator does not replay history). */
  eventWindowMs: number;
}

export type Outcome = 'synced' | 'invalid' | 'deleting' | 'deleted';

export interface Plan {
  outcome: Outcome;
  /** Objects to apply, in order; only those that differ from the live ones. */
  applies: KubeObject[];
  /** The status apply body, when the operator's status facts change. */
  status?: KubeObject;
  /** The desired operator status (also when no write is needed). */
  desiredStatus?: OperatorStatus;
  /** Events to raise once the writes succeed. */
  events: EventSpec[];
  /** A message for the log. */
  message?: string;
}

/** What every check sees: the observation, the context, and what is derived from them once. */
interface Pass {
  observed: Observed;
  ctx: DecideContext;
  monitor: ModelMonitor;
  generation: number;
  /** Events the job's status calls for, raised whatever else happens. */
  runEvents: EventSpec[];
  /** The CronJob's name when one exists (a failing monitor's status still names it). */
  liveCronJob: string | undefined;
}

/** One check: a plan when it applies, undefined to hand over to the next. */
type Check = (pass: Pass) => Plan | undefined;

/** Garbage collection removes the children; a status write now would only race the deletion. */
const beingDeleted: Check = ({ monitor }) =>
  monitor.metadata.deletionTimestamp !== undefined ? { outcome: 'deleting', applies: [], events: [] } : undefined;

/** An invalid spec builds nothing; Ready=False says why, once per generation and message. */
const invalidSpec: Check = (pass) => {
  const errors = validateSpec(pass.monitor.spec);
  if (errors.length === 0) return undefined;
  const message = `Invalid spec: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`;
  const event: EventSpec = { type: 'Warning', reason: EVENT_REASONS.invalidSpec, message, key: `${pass.generation}:${message}` };
  return { outcome: 'invalid', applies: [], ...notReady(pass, REASONS.invalidSpec, message), events: [event, ...pass.runEvents], message };
};

/** The checks in order; the first that applies decides. A monitor that passes them all is synced. */
const CHECKS: readonly Check[] = [beingDeleted, invalidSpec];

export function decide(observed: Observed, ctx: DecideContext): Plan {
  const monitor = observed.monitor;
  if (monitor === undefined) return { outcome: 'deleted', applies: [], events: [] };
  const pass: Pass = {
    observed, ctx, monitor,
    generation: monitor.metadata.generation ?? 0,
    runEvents: statusEvents(monitor, ctx),
    liveCronJob: observed.children.CronJob !== undefined ? childName(monitor.metadata.name) : undefined,
  };
  for (const check of CHECKS) {
    const plan = check(pass);
    if (plan !== undefined) return plan;
  }
  return synced(pass);
}

/** Ready=False with this reason, keeping the CronJob's name when it exists. */
function notReady(pass: Pass, reason: string, message: string): Pick<Plan, 'status' | 'desiredStatus'> {
  const { generation } = pass;
  const desired = withCronJob({ observedGeneration: generation, ready: { status: 'False', reason, message, observedGeneration: generation } }, pass.liveCronJob);
  return statusWrite(pass.monitor, pass.observed, desired, pass.ctx.now);
}

/** Builds the children, plans the ones that differ from the live ones, and Ready=True. */
function synced({ observed, ctx, monitor, generation, runEvents }: Pass): Plan {
  const spec = withDefaults(monitor.spec);
  const children = buildChildren({
    monitor: { name: monitor.metadata.name, namespace: monitor.metadata.namespace ?? '', uid: monitor.metadata.uid ?? '' },
    spec: {
      schedule: spec.schedule,
      suspend: spec.suspend,
      granularity: spec.granularity,
      ...(spec.source.influx?.credentialsSecretRef ? { sourceCredentialsSecret: spec.source.influx.credentialsSecretRef.name } : {}),
      ...(spec.scale.shards > 1 ? { shards: spec.scale.shards } : {}),
      ...(spec.detection.model !== undefined ? { modelConfigMap: spec.detection.model.configMapRef.name } : {}),
    },
    job: ctx.job,
  });
  const applies = children.filter((child) => !childInSync(observed.children[child.kind], child));
  const cronJob = children[children.length - 1]!;
  const events: EventSpec[] = [];
  // A change or a repair is news; a creation is not (Ready=True says it, and an Event per new
  // monitor would be a third write for each).
  if (applies.includes(cronJob) && observed.children.CronJob !== undefined) {
    events.push({
      type: 'Normal',
      reason: EVENT_REASONS.cronJobUpdated,
      message: `Updated CronJob ${cronJob.metadata.name} (schedule "${spec.schedule}"${spec.suspend ? ', suspended' : ''})`,
      key: hashOf(cronJob) ?? '',
    });
  }
  const desired: OperatorStatus = {
    observedGeneration: generation,
    cronJobName: cronJob.metadata.name,
    ready: {
      status: 'True',
      reason: REASONS.reconciled,
      message: `CronJob ${cronJob.metadata.name} is up to date${spec.suspend ? ' (suspended)' : ''}`,
      observedGeneration: generation,
    },
  };
  return { outcome: 'synced', applies, ...statusWrite(monitor, observed, desired, ctx.now), events: [...events, ...runEvents] };
}

/**
 * The built job identity of a namespace, kept: every pass of every monitor checks it, and
 * building and hashing it anew each time was an eighth of the operator's CPU while 10,000 monitors
 * were created. It depends on the namespace alone; a few objects per namespace are kept.
 */
const identities = new Map<string, readonly KubeObject[]>();

function jobIdentity(namespace: string): readonly KubeObject[] {
  let built = identities.get(namespace);
  if (built === undefined) {
    built = buildJobIdentity(namespace);
    identities.set(namespace, built);
  }
  return built;
}

/** What to do about a namespace's job identity: put right what differs, or remove it all. */
export interface IdentityPlan {
  applies: KubeObject[];
  /** Kinds of the identity objects to delete (all named JOB_IDENTITY). */
  deletes: string[];
}

/**
 * The job identity of `namespace`: built and applied where the live objects differ while the
 * namespace has monitors; deleted, where it exists, once it has none.
 */
export function decideIdentity(namespace: string, live: Readonly<Record<string, LiveChild | undefined>>, hasMonitors: boolean): IdentityPlan {
  const desired = jobIdentity(namespace);
  if (!hasMonitors) return { applies: [], deletes: desired.map((o) => o.kind).filter((kind) => live[kind] !== undefined) };
  return { applies: desired.filter((o) => !childInSync(live[o.kind], o)), deletes: [] };
}

function withCronJob(status: OperatorStatus, cronJobName: string | undefined): OperatorStatus {
  return cronJobName === undefined ? status : { ...status, cronJobName };
}

/** The status write, planned only when the operator's facts differ from the live ones. */
function statusWrite(monitor: ModelMonitor, observed: Observed, desired: OperatorStatus, now: Date): Pick<Plan, 'status' | 'desiredStatus'> {
  const live = observed.statusHash ?? operatorStatusHash(observedOperatorStatus(monitor.status));
  if (live === operatorStatusHash(desired)) return { desiredStatus: desired };
  return { desiredStatus: desired, status: statusApplyBody(monitor, desired, now) };
}

/**
 * Events the job's status calls for: a failed run, anomalies found. Keyed by the run time (one
 * Event per failed run) and by the set of open anomalies (a new Event when the set changes).
 */
export function statusEvents(monitor: ModelMonitor, ctx: Pick<DecideContext, 'now' | 'eventWindowMs'>): EventSpec[] {
  const status = monitor.status;
  const lastRun = status?.lastRunTime;
  if (status === undefined || lastRun === undefined) return [];
  const age = ctx.now.getTime() - Date.parse(lastRun);
  if (!(age <= ctx.eventWindowMs)) return [];
  const events: EventSpec[] = [];
  const lastRunCondition = status.conditions?.find((c) => c.type === CONDITION_LAST_RUN);
  if (status.health === 'Failed' || lastRunCondition?.status === 'False') {
    events.push({
      type: 'Warning',
      reason: EVENT_REASONS.runFailed,
      message: lastRunCondition?.message ?? `The monitoring run at ${lastRun} failed`,
      key: lastRun,
    });
  }
  const anomalies = status.anomalies ?? [];
  if (status.health === 'Anomalous' && anomalies.length > 0) {
    const top = anomalies[0]!;
    const count = status.anomalyCount ?? anomalies.length;
    events.push({
      type: 'Warning',
      reason: EVENT_REASONS.anomalyFound,
      message: `${count} open anomal${count === 1 ? 'y' : 'ies'}; most severe: ${top.category} ${top.subject} ${top.statistic} ` +
        `= ${top.observed} (expected ${top.expected}, band [${top.lower}, ${top.upper}], severity ${top.severity})`,
      key: anomalies.map((a) => `${a.category}/${a.subject}/${a.statistic}@${a.start}`).sort().join(','),
    });
  }
  return events;
}

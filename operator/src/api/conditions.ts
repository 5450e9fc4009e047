/**
 * The condition types of a ModelMonitor's status and the one rule every writer follows. The
 * operator owns Ready; the job owns Healthy, LastRunSucceeded and DataQuality (see
 * docs/architecture.md for the split of status fields between the two field managers).
 */
import type { Condition } from './types.js';

export const CONDITION_READY = 'Ready';
export const CONDITION_HEALTHY = 'Healthy';
export const CONDITION_LAST_RUN = 'LastRunSucceeded';
export const CONDITION_DATA_QUALITY = 'DataQuality';

/**
 * The condition of `next.type` for a new status: lastTransitionTime is kept when the status
 * value did not change, so a condition that stays True does not look like it just flipped.
 */
export function setCondition(
  existing: readonly Condition[],
  next: Omit<Condition, 'lastTransitionTime'>,
  now: Date,
  generation?: number,
): Condition {
  const old = existing.find((c) => c.type === next.type);
  const lastTransitionTime = old !== undefined && old.status === next.status ? old.lastTransitionTime : now.toISOString();
  const condition: Condition = { ...next, lastTransitionTime };
  if (generation !== undefined) condition.observedGeneration = generation;
  return condition;
}

/**
 * A job Pod's shard settings, from the environment the sharded CronJob gives it (jobs/shards.ts):
 * the shard count, its index (JOB_COMPLETION_INDEX, set by Kubernetes) and the run id (the Job's
 * name). Pure: handed the environment. Undefined when the Pod is a single-Pod run.
 */
import type { Granularity } from '../api/types.js';
import { MAX_SHARDS } from '../api/defaults.js';
import { parseDuration } from '../config.js';
import { AlertigerError } from '../errors.js';
import { SHARD_ENV } from '../jobs/shards.js';
import type { ShardId } from './plan.js';

export const SHARD_WAIT_ENV = 'ALERTIGER_SHARD_WAIT';

export interface ShardSettings extends ShardId {
  runId: string;
  /** How long shard 0 waits for the others' summaries. */
  waitMs: number;
}

/**
 * Shard 0 waits until shortly before the Job's deadline (jobs/cronjob.ts: 60 min daily, 50 min
 * hourly), so a missing shard fails the run with a status that says so, not a killed Pod.
 */
const DEFAULT_WAIT_MS: Readonly<Record<Granularity, number>> = { '1d': 50 * 60_000, '1h': 40 * 60_000 };

export function shardSettings(env: Readonly<Record<string, string | undefined>>, granularity: Granularity): ShardSettings | undefined {
  const text = env[SHARD_ENV.shards]?.trim();
  if (text === undefined || text === '') return undefined;
  const shards = Number(text);
  if (!Number.isInteger(shards) || shards < 1 || shards > MAX_SHARDS) {
    throw new AlertigerError('InvalidConfig', `${SHARD_ENV.shards}: "${text}" is not a shard count from 1 to ${MAX_SHARDS}`);
  }
  if (shards === 1) return undefined;
  const indexText = env[SHARD_ENV.index]?.trim() ?? '';
  const index = Number(indexText);
  if (indexText === '' || !Number.isInteger(index) || index < 0 || index >= shards) {
    throw new AlertigerError('InvalidConfig', `${SHARD_ENV.index}: "${indexText}" is not a shard index from 0 to ${shards - 1} (Kubernetes sets it in an Indexed Job's Pods)`);
  }
  const runId = env[SHARD_ENV.runId]?.trim() ?? '';
  if (runId === '') throw new AlertigerError('InvalidConfig', `${SHARD_ENV.runId} is empty: the shards of a run need the Job's name to find each other`);
  const wait = env[SHARD_WAIT_ENV]?.trim();
  let waitMs = DEFAULT_WAIT_MS[granularity];
  if (wait !== undefined && wait !== '') {
    try {
      waitMs = parseDuration(wait);
    } catch (err) {
      throw new AlertigerError('InvalidConfig', `${SHARD_WAIT_ENV}: ${(err as Error).message}`, { cause: err });
    }
  }
  return { shards, index, runId, waitMs };
}

/**
 * The `alertiger job` side of a sharded run: the hooks commands/job.ts calls when the Pod is one
 * shard of an Indexed Job (shard/settings.ts). A worker shard (index > 0) summarises its share,
 * stores it and exits 0 without a status; shard 0 gets the statistics port that merges.
 */
import type { DefaultedSpec } from '../api/defaults.js';
import type { ModelMonitor } from '../api/types.js';
import type { InfluxConnection } from '../influx/connection.js';
import type { Logger } from '../log.js';
import type { StatisticsPort } from '../run/ports.js';
import type { ReferenceStore } from '../run/statistics.js';
import { ShardExchange } from '../store/shards.js';
import { describeError } from '../errors.js';
import { mergedStatistics, runWorkerShard } from './run.js';
import type { ShardSettings } from './settings.js';
import type { SourceOpener } from './source.js';
import { shardable } from './plan.js';

export interface ShardJobInput {
  monitor: ModelMonitor;
  spec: DefaultedSpec;
  settings: ShardSettings;
  /** The job's InfluxDB (where the statistics go): the reports are exchanged there. */
  influx: InfluxConnection;
  openInflux: SourceOpener;
  now: () => Date;
  logger: Logger;
}

function exchangeOf(input: ShardJobInput): ShardExchange {
  const { monitor, spec, settings } = input;
  return new ShardExchange({ namespace: monitor.metadata.namespace ?? 'default', monitor: monitor.metadata.name, modelVersion: spec.model.version, run: settings.runId }, input.influx);
}

/** A worker shard's whole job; returns the exit status (0: summary stored). */
export async function workerShardJob(input: ShardJobInput): Promise<number> {
  const { settings } = input;
  if (!shardable(input.spec)) {
    process.stdout.write(`${input.monitor.metadata.namespace}/${input.monitor.metadata.name}: shard ${settings.index} of ${settings.shards} has nothing to do: ` +
      'a monitor with schema.segments is read by shard 0 alone\n');
    return 0;
  }
  const started = Date.now();
  const report = await runWorkerShard({ ...input, id: settings }, exchangeOf(input));
  const rows = report.reads.reduce((n, r) => n + r.rowsRead, 0);
  process.stdout.write(`${input.monitor.metadata.namespace}/${input.monitor.metadata.name}: shard ${settings.index} of ${settings.shards} stored its summary ` +
    `(${rows} rows, run ${settings.runId}), ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return 0;
}

/** Shard 0's statistics port, and what to do once the run succeeded (drop the run's reports). */
export function mergeStepStatistics(input: ShardJobInput & { references: ReferenceStore; direct: StatisticsPort }): { statistics: StatisticsPort; succeeded(): Promise<void> } {
  if (!shardable(input.spec)) {
    input.logger.warn('schema.segments is set: this Pod reads the whole source, the other shards idle');
    return { statistics: input.direct, succeeded: async () => {} };
  }
  const port = mergedStatistics({ ...input, id: input.settings, exchange: exchangeOf(input), waitMs: input.settings.waitMs });
  return {
    statistics: port,
    async succeeded() {
      // Left behind, they only take space: a failure to delete them does not fail the run.
      await port.clear().catch((err: unknown) => input.logger.warn('Could not delete the shard summaries', { error: describeError(err) }));
    },
  };
}

/**
 * `alertiger job --monitor NS/NAME`: one monitoring run, as the monitor's CronJob calls it.
 * Configuration from flags or the environment (config.ts); Kubernetes credentials from
 * KUBECONFIG or the pod's service account. Reads its ModelMonitor, runs (run/run.ts) against
 * the monitor's source, InfluxDB and Alertmanager, and applies its part of the status as field
 * manager `alertiger-job`. Exits 2 when the run failed (or the spec is invalid), so the Job
 * shows it too, and 0 on success, healthy or anomalous: unlike the other commands, an anomalous
 * run does not exit 1, since Kubernetes would count it a failed Job and retry it (the anomaly is
 * on the status and in the alerts).
 *
 * A monitor deleted (or replaced) while the run is under way: the run resolves the alerts it
 * sent, writes no status and exits 0 saying so (run/deletion-guard.ts), since the operator has
 * already resolved what the monitor's last status held.
 */
import { withDefaults, type DefaultedSpec } from '../api/defaults.js';
import { validateSpec } from '../api/validate.js';
import { postAlerts } from '../alerting/client.js';
import { MonitorGoneError, guardAgainstDeletion } from '../run/deletion-guard.js';
import { helpFor, loadJobConfig, type Credentials, type JobConfig } from '../config.js';
import { AlertigerError, describeError, errorCode } from '../errors.js';
import { loadKubeConfig } from '../k8s/kubeconfig.js';
import { createLogger } from '../log.js';
import { openFileSource, openInfluxSource, type RowSource } from '../sources/index.js';
import { InfluxStatisticsStore } from '../store/influx.js';
import { isNotFound } from '../k8s/errors.js';
import { kubeMonitorClient } from '../k8s/job-status.js';
import { kubeWorkloadReader } from '../k8s/workload.js';
import { backtestMonitor } from '../local/backtest.js';
import { runMonitor } from '../run/run.js';
import { sourceStatistics } from '../run/statistics.js';
import { mergeStepStatistics, workerShardJob } from '../shard/job.js';
import { shardSettings } from '../shard/settings.js';
import { buildJobStatus } from '../run/status.js';
import { modelConfigMapError } from '../jobs/model.js';

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write('Usage: alertiger job --monitor NAMESPACE/NAME [--now ISO] [--detector DIR] [options]\n\n' +
      'One monitoring run of a ModelMonitor, as its CronJob calls it. Each option is a flag or the environment variable beside it:\n' +
      `${helpFor('job')}\n  --now ISO, ALERTIGER_NOW            run as at that time (replay a missed window)\n` +
      '  --detector DIR, ALERTIGER_DETECTOR  a detector directory from alertiger train (default: the pretrained one)\n' +
      '  ALERTIGER_INFLUX_USERNAME, _PASSWORD or _TOKEN (ALERTIGER_SOURCE_INFLUX_* for a source InfluxDB): credentials, set by the CronJob from Secrets\n\n' +
      'Exit status: 0 the run succeeded, healthy or anomalous; 2 the run failed, the spec is invalid or\n' +
      'bad arguments. Unlike `alertiger run`, an anomalous run exits 0: the CronJob would count a\n' +
      'non-zero exit as a failed Job and retry it; the anomalies are on the status and in the alerts.\n');
    return 0;
  }
  const config = loadJobConfig(args, process.env);
  const { namespace, name } = config.monitor;
  const logger = createLogger().child({ monitor: `${namespace}/${name}` });
  const kube = kubeMonitorClient(loadKubeConfig(config.kubeconfig));
  const monitor = await kube.get(namespace, name);

  const errors = validateSpec(monitor.spec);
  if (errors.length > 0) {
    // The operator reports this as Ready=False too; the job records why it did not run.
    const error = new AlertigerError('InvalidSpec', errors.map((e) => `${e.field}: ${e.message}`).join('; '));
    await kube.write(monitor, buildJobStatus({ previous: monitor.status, outcome: { ok: false, error }, now: clockFrom(config.now)(), generation: monitor.metadata.generation }));
    logger.error('Invalid spec; nothing run', { error: error.message });
    return 2;
  }

  const spec = withDefaults(monitor.spec);
  // One shard of an Indexed Job (spec.scale.shards > 1, docs/sharding.md): shards 1..N-1 only summarise their share.
  const sharding = shardSettings(process.env, spec.granularity);
  const shardInput = sharding === undefined ? undefined : {
    monitor, spec, settings: sharding, logger, now: clockFrom(config.now),
    influx: { url: config.influxUrl, database: config.influxDatabase, ...config.influxCredentials },
    openInflux: (from: number, to: number) => openSource(spec, config, from, to),
  };
  if (shardInput !== undefined && shardInput.settings.index > 0) return workerShardJob(shardInput);
  const { loadDetector } = await import('../detector/detector.js');
  const detector = await loadDetector(config.detectorPath, { logger }).catch(async (err: unknown) => {
    // A retrained model from a ConfigMap (jobs/model.ts): the status names the ConfigMap at fault.
    const model = spec.detection.model?.configMapRef.name;
    if (model === undefined) throw err;
    const error = modelConfigMapError(namespace, model, err);
    await kube.write(monitor, buildJobStatus({ previous: monitor.status, outcome: { ok: false, error }, now: clockFrom(config.now)(), generation: monitor.metadata.generation }));
    throw error;
  });
  const store = new InfluxStatisticsStore(
    { namespace, monitor: name, modelVersion: spec.model.version },
    { url: config.influxUrl, database: config.influxDatabase, ...config.influxCredentials },
  );
  const clock = clockFrom(config.now);
  const guarded = guardAgainstDeletion({
    monitor,
    lookup: () => kube.get(namespace, name).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    }),
    alerts: { post: (url, alerts) => postAlerts(url, alerts) },
    status: kube,
    isNotFound,
    now: () => new Date(),
    log: logger,
  });
  const direct = sourceStatistics({ spec, open: (from, to) => openSource(spec, config, from, to), references: store, now: clock });
  // Shard 0 of a sharded run merges every shard's summaries into what `direct` would have read.
  const merge = shardInput === undefined ? undefined : mergeStepStatistics({ ...shardInput, references: store, direct });
  const statistics = merge?.statistics ?? direct;
  try {
    const result = await runMonitor(monitor, {
      statistics,
      store,
      // Verdicts given by kubectl annotate are stored next to the statistics (docs/feedback.md).
      feedback: store,
      detector,
      alerts: guarded.alerts,
      status: guarded.status,
      clock,
      alertClock: () => new Date(),
      logger,
      alertmanagerUrl: config.alertmanagerUrl,
      reportUrl: config.reportUrl,
      // A first run replays the detector over the source's history: status.backtest.
      backtest: (latestEnd, computed) => backtestMonitor({ monitor, statistics, computed, detector, logger, to: latestEnd, now: clock() }),
      // spec.model.workloadRef: its rollouts and routing labels, read in the monitor's namespace.
      workload: kubeWorkloadReader(loadKubeConfig(config.kubeconfig), namespace),
    });
    const s = result.status;
    if (result.error === undefined) await merge?.succeeded();
    process.stdout.write(`${namespace}/${name}: ${s.health}, ${s.anomalyCount} open anomalies, ${result.stored.length} window(s) stored, ` +
      `${result.alerts.firing.length} alert(s) sent, ${result.alerts.resolved.length} resolved, ${(result.durationMs / 1000).toFixed(1)} s` +
      (result.error !== undefined ? `; failed [${errorCode(result.error)}]: ${describeError(result.error)}` : '') + '\n');
    return result.error === undefined ? 0 : 2;
  } catch (err) {
    // Nothing is left to monitor or retry: the Job succeeds, saying what happened.
    if (!(err instanceof MonitorGoneError)) throw err;
    logger.warn('Monitor gone during the run', { error: err.message });
    process.stdout.write(`${namespace}/${name}: ${err.message}\n`);
    return 0;
  } finally {
    detector.dispose();
  }
}

/** The wall clock, or one that starts at `now` and advances with it. */
function clockFrom(now: Date | undefined): () => Date {
  if (now === undefined) return () => new Date();
  const offset = now.getTime() - Date.now();
  return () => new Date(Date.now() + offset);
}

/** The monitor's inference log for [from, to): a file (path, glob, URL) or an InfluxDB measurement. */
function openSource(spec: DefaultedSpec, config: JobConfig, from: number, to: number): Promise<RowSource> {
  if (spec.source.file !== undefined) {
    // `ts` when the schema names none, as `alertiger run` and docs/design.md have it.
    return openFileSource(spec.source.file, { timestamp: spec.schema.timestamp ?? 'ts' });
  }
  const influx = spec.source.influx;
  // A source on another server uses its own Secret; on the operator's server, the operator's.
  const credentials: Credentials = influx.credentialsSecretRef !== undefined
    ? config.sourceCredentials
    : influx.url === undefined ? config.influxCredentials : {};
  return openInfluxSource({
    url: influx.url ?? config.influxUrl,
    database: influx.database,
    measurement: influx.measurement,
    where: influx.where,
    ...credentials,
  }, { from, to });
}

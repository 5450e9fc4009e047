/**
 * `alertiger operator`: the controller (docs/design.md §3). Configuration from flags or environment
 * (operator/src/config.ts); runs until SIGTERM or SIGINT, then gives up its Lease and exits.
 */
import { helpFor, identityOf, loadOperatorConfig } from '../config.js';
import { startOperator } from '../controller/start.js';
import { HttpKubePort } from '../k8s/client.js';
import { loadConnection } from '../k8s/connection.js';
import { createLogger } from '../log.js';
import { influxReportHandler } from '../server/report-page.js';

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`Usage: alertiger operator [options]\n\nEach option is a flag or the environment variable beside it:\n${helpFor('operator')}\n`);
    return 0;
  }
  const config = loadOperatorConfig(args, process.env);
  const log = createLogger({ context: { component: 'operator' } });
  const port = new HttpKubePort(await loadConnection(config.kubeconfig), { log });
  // The report page linked from every alert: status from the cache, series from InfluxDB.
  const reportHandler = influxReportHandler({ influxUrl: config.influxUrl, influxDatabase: config.influxDatabase, log });
  const operator = await startOperator(config, { port, log, identity: identityOf(config), reportHandler });
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string): void => {
      log.info('Shutting down', { signal });
      resolve();
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
  await operator.stop();
  return 0;
}

/**
 * `alertiger operator`: the controller (docs/design.md §3). Configuration from flags or environment
 * (operator/src/config.ts); runs until SIGTERM or SIGINT, then gives up its Lease and exits.
 */
import { setFlagsFromString } from 'node:v8';
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
  // The operator's garbage is mostly old: each watch event replaces a cached object that lived
  // long enough to be promoted, and by default V8 lets such garbage pile up: at 10,000 monitors
  // the heap grew to 2.7 times its live 50 MB without one major collection. Optimising for size
  // makes V8 collect sooner: peak RSS 226-258 -> 161 MB for about 10% more operator CPU
  // (bench:operator). Set at run time because a Deployment's command is the user's to choose.
  setFlagsFromString('--optimize-for-size');
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

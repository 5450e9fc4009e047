/**
 * `npm run dev:cluster`: the test harness's real servers, started by hand for a developer or a
 * user trying the operator without a cluster. Prints shell-style lines to `eval` or copy, then
 * runs until Ctrl-C or SIGTERM stops everything.
 */
import { realServers, stopRealServers } from './index.js';

const servers = await realServers();
process.stdout.write([
  `# ${servers.componentsLine}`,
  `KUBECONFIG=${servers.kube.kubeconfig}`,
  `KUBECTL=${servers.kube.kubectlPath}`,
  `INFLUX_URL=${servers.influx.url}`,
  `ALERTMANAGER_URL=${servers.alertmanager.url}`,
  '# running; Ctrl-C stops everything',
  '',
].join('\n'));

const keepAlive = setInterval(() => undefined, 60_000);
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.prependListener(signal, () => {
    if (stopping) return;
    stopping = true;
    clearInterval(keepAlive);
    process.stderr.write('stopping the dev cluster\n');
    stopRealServers().then(() => process.exit(0), (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    });
  });
}

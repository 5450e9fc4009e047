/**
 * A 410 Gone from a real API server: a dedicated kube-apiserver without a watch cache (so a watch
 * is served by etcd itself) that compacts etcd every 10 s. The operator reaches it through a TCP
 * proxy the test can cut, as a network partition would. While it is cut, a monitor is created and
 * another changed, and etcd is compacted past every version the operator saw; when the proxy is
 * back, the operator's watches resume from a compacted version, get 410 Gone, relist, and the
 * operator converges: the new monitor gets its CronJob and status, the changed one its change.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKube, type KubeControlPlane } from '../../harness/kube.js';
import { loadOperatorConfig } from '../../../operator/src/config.js';
import { startOperator, type RunningOperator } from '../../../operator/src/controller/start.js';
import { HttpKubePort } from '../../../operator/src/k8s/client.js';
import { loadConnection } from '../../../operator/src/k8s/connection.js';
import { createLogger } from '../../../operator/src/log.js';
import type { ModelMonitor } from '../../../operator/src/api/types.js';
import { JOB_IMAGE, crdFile, monitorYaml, readyOf, sleep } from './helpers.js';

const GONE_LOG = 'Watch expired (410 Gone: its resourceVersion was compacted); relisting';

/** A TCP proxy to `target` that can be cut (every connection dropped, new ones refused) and restored. */
class CuttableProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private cut = false;

  constructor(private readonly targetPort: number) {
    this.server = createServer((client) => {
      if (this.cut) {
        client.destroy();
        return;
      }
      const upstream = connect(this.targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => {
          this.sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    return (this.server.address() as AddressInfo).port;
  }

  sever(): void {
    this.cut = true;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.cut = false;
  }

  close(): Promise<void> {
    this.sever();
    return new Promise((done) => this.server.close(() => done()));
  }
}

describe('operator across a 410 Gone from a real API server', function () {
  this.timeout(300_000);
  let dir: string;
  let kube: KubeControlPlane;
  let proxy: CuttableProxy;
  let operator: RunningOperator | undefined;
  const lines: string[] = [];
  const ns = 'gone';

  async function kubectlOk(args: string[], input?: string): Promise<string> {
    const r = await kube.kubectl(args, input !== undefined ? { input } : {});
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 250): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check().catch(() => undefined);
      if (value !== undefined) return value;
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; operator log:\n${lines.slice(-40).join('\n')}\napiserver log: ${join(dir, 'kube-apiserver.log')}`);
      }
      await sleep(intervalMs);
    }
  }

  const monitorsPath = `/apis/alertiger.io/v1alpha1/namespaces/${ns}/modelmonitors`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'alertiger-gone-'));
    kube = await startKube(join(dir, 'kube'), { apiserverArgs: ['--watch-cache=false', '--etcd-compaction-interval=10s'] });
    await kubectlOk(['apply', '-f', crdFile]);
    await kubectlOk(['wait', '--for', 'condition=established', '--timeout=60s', 'crd/modelmonitors.alertiger.io']);
    await kubectlOk(['create', 'namespace', ns]);
    proxy = new CuttableProxy(Number(new URL(kube.url).port));
    const proxyUrl = `https://127.0.0.1:${await proxy.listen()}`;
    const kubeconfig = join(dir, 'kubeconfig-proxy');
    writeFileSync(kubeconfig, readFileSync(kube.kubeconfig, 'utf8').replace(kube.url, proxyUrl));
    const config = loadOperatorConfig([], {
      KUBECONFIG: kubeconfig,
      // The operator itself talks to neither here; the jobs would.
      ALERTIGER_INFLUX_URL: 'http://127.0.0.1:9',
      ALERTIGER_JOB_IMAGE: JOB_IMAGE,
      ALERTIGER_NAMESPACES: ns,
      ALERTIGER_LEADER_ELECT: 'false',
      ALERTIGER_LISTEN: '127.0.0.1:0',
    });
    const log = createLogger({ level: 'debug', write: (line) => lines.push(line) });
    operator = await startOperator(config, { port: new HttpKubePort(await loadConnection(kubeconfig), { log }), log, identity: 'gone-a' });
  });

  after(async () => {
    await operator?.stop();
    await proxy?.close();
    await kube?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const cronJob = async (name: string): Promise<{ spec: { suspend?: boolean } } | undefined> => {
    const r = await kube.kubectl(['-n', ns, 'get', 'cronjob', `${name}-alertiger`, '-o', 'json']);
    return r.code === 0 ? JSON.parse(r.stdout) as { spec: { suspend?: boolean } } : undefined;
  };
  const monitor = async (name: string): Promise<ModelMonitor> => JSON.parse(await kubectlOk(['-n', ns, 'get', 'modelmonitor', name, '-o', 'json'])) as ModelMonitor;

  it('relists after its watch resumes from a compacted version, and converges', async () => {
    await kubectlOk(['apply', '-f', '-'], monitorYaml(ns, 'before'));
    await waitFor('the CronJob of the first monitor', () => cronJob('before'), 60_000);

    // The partition. From now on nothing the operator saw is newer than this version.
    proxy.sever();
    const cutAt = (JSON.parse(await kubectlOk(['get', '--raw', monitorsPath])) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    await kubectlOk(['apply', '-f', '-'], monitorYaml(ns, 'during'));
    await kubectlOk(['-n', ns, 'patch', 'modelmonitor', 'before', '--type=merge', '-p', '{"spec":{"suspend":true}}']);
    // Writes keep the revision moving so each compaction passes the last; the proof that etcd
    // compacted past `cutAt` is the API server refusing an exact read at that version.
    let writes = 0;
    const compactedAfter = Date.now();
    await waitFor(`etcd compacted past resourceVersion ${cutAt}`, async () => {
      await kubectlOk(['-n', ns, 'create', 'configmap', `tick-${writes++}`]);
      const r = await kube.kubectl(['get', '--raw', `${monitorsPath}?resourceVersion=${cutAt}&resourceVersionMatch=Exact`]);
      return r.code !== 0 && /too old resource version|Expired|410/i.test(r.stderr) ? true : undefined;
    }, 90_000, 1000);
    const compactionS = (Date.now() - compactedAfter) / 1000;
    assert.equal(lines.filter((l) => l.includes(GONE_LOG)).length, 0, 'no Gone before the partition ends');
    assert.equal(await cronJob('during'), undefined, 'the operator cannot have acted during the partition');

    proxy.restore();
    const restoredAt = Date.now();
    await waitFor('a relist after 410 Gone of the ModelMonitor informer', async () =>
      (lines.some((l) => l.includes(GONE_LOG) && l.includes('"informer":"ModelMonitor"')) ? true : undefined), 90_000);
    await waitFor('the CronJob of the monitor created during the partition', () => cronJob('during'), 60_000);
    await waitFor('the change made during the partition', async () => ((await cronJob('before'))?.spec.suspend === true ? true : undefined), 60_000);
    await waitFor('Ready on the new monitor', async () => (readyOf(await monitor('during'))?.status === 'True' ? true : undefined), 60_000);
    const converged = (Date.now() - restoredAt) / 1000;
    process.stdout.write(`      compaction past the cut after ${compactionS.toFixed(1)} s (${writes} writes); converged ${converged.toFixed(1)} s after the partition\n`);
    assert.equal(operator?.notReadyReason(), undefined);
  });
});

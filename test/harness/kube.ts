/**
 * A real Kubernetes control plane for tests: etcd and kube-apiserver (RBAC on, token auth,
 * TLS with our own CA), kubectl driven as a user would, and kube-controller-manager on demand
 * (CronJob and Job controllers, garbage collection, namespace deletion).
 */
import { spawn } from 'node:child_process';
import { request } from 'node:https';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeApiserverCerts } from './certs.js';
import { goBinary, versionOf } from './binaries.js';
import { ServerProcess, answers, freePort } from './process.js';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  input?: string;
  /** Run as another user: a bearer token instead of the admin's. */
  token?: string;
}

export interface KubeControlPlane {
  url: string;
  kubeconfig: string;
  kubectlPath: string;
  caFile: string;
  adminToken: string;
  versions: { apiserver: string; etcd: string; kubectl: string };
  kubectl(args: string[], options?: KubectlOptions): Promise<KubectlResult>;
  /**
   * Starts kube-controller-manager (once); tests that need CronJobs, GC or namespace deletion.
   * `controllers` adds to the default ones (e.g. deployment-controller, replicaset-controller);
   * asked for one it does not run yet, it restarts with both lists.
   */
  startControllerManager(options?: { controllers?: string[] }): Promise<void>;
  stop(): Promise<void>;
}

export interface KubeOptions {
  /** Extra kube-apiserver flags, after the harness's own (a later flag wins), e.g. `--watch-cache=false`. */
  apiserverArgs?: string[];
}

export async function startKube(dir: string, options: KubeOptions = {}): Promise<KubeControlPlane> {
  mkdirSync(dir, { recursive: true });
  const etcdBin = goBinary('etcd');
  const apiserverBin = goBinary('kube-apiserver');
  const kubectlPath = goBinary('kubectl');
  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];

  const etcd = new ServerProcess({
    name: 'etcd',
    command: etcdBin,
    args: [
      `--data-dir=${join(dir, 'etcd-data')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ],
    logFile: join(dir, 'etcd.log'),
  });
  await etcd.waitReady(() => answers(`http://127.0.0.1:${etcdClient}/health`), 30_000);

  const certs = makeApiserverCerts(dir);
  const adminToken = `admin-${Math.random().toString(36).slice(2)}`;
  writeFileSync(join(dir, 'tokens.csv'), `${adminToken},admin,admin-uid,"system:masters"\n`);
  const url = `https://127.0.0.1:${apiPort}`;
  const apiserver = new ServerProcess({
    name: 'kube-apiserver',
    command: apiserverBin,
    args: [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      '--advertise-address=127.0.0.1',
      '--endpoint-reconciler-type=none',
      `--tls-cert-file=${certs.serverCert}`,
      `--tls-private-key-file=${certs.serverKey}`,
      `--client-ca-file=${certs.caCert}`,
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      '--service-cluster-ip-range=10.0.0.0/24',
      '--allow-privileged=true',
      '--disable-admission-plugins=ServiceAccount',
      `--service-account-issuer=${url}/`,
      `--service-account-key-file=${certs.saPublicKey}`,
      `--service-account-signing-key-file=${certs.saPrivateKey}`,
      `--cert-dir=${dir}`,
      '--v=1',
      ...(options.apiserverArgs ?? []),
    ],
    logFile: join(dir, 'kube-apiserver.log'),
  });
  const ca = readFileSync(certs.caCert);
  const get = (path: string): Promise<number> => httpsStatus(`${url}${path}`, ca, adminToken);
  try {
    await apiserver.waitReady(async () => (await get('/readyz')) === 200 && (await get('/api/v1/namespaces/default')) === 200, 90_000);
  } catch (err) {
    await etcd.stop();
    throw err;
  }

  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigYaml(url, certs.caCert, adminToken));

  let controllerManager: ServerProcess | undefined;
  let controllers = ['cronjob-controller', 'job-controller', 'garbage-collector-controller', 'namespace-controller'];
  const kubectl = (args: string[], options: KubectlOptions = {}): Promise<KubectlResult> =>
    runKubectl(kubectlPath, kubeconfig, args, options);

  return {
    url,
    kubeconfig,
    kubectlPath,
    caFile: certs.caCert,
    adminToken,
    versions: {
      apiserver: versionOf(apiserverBin, ['--version'], /Kubernetes (v\S+)/),
      etcd: versionOf(etcdBin, ['--version'], /etcd Version: (\S+)/),
      kubectl: versionOf(kubectlPath, ['version', '--client'], /Client Version: (v\S+)/),
    },
    kubectl,
    async startControllerManager(cmOptions = {}) {
      const wanted = [...new Set([...controllers, ...(cmOptions.controllers ?? [])])];
      if (controllerManager?.running && wanted.length === controllers.length) return;
      await controllerManager?.stop();
      controllers = wanted;
      const port = await freePort();
      controllerManager = new ServerProcess({
        name: 'kube-controller-manager',
        command: goBinary('kube-controller-manager'),
        args: [
          `--kubeconfig=${kubeconfig}`,
          `--controllers=${controllers.join(',')}`,
          '--leader-elect=false',
          `--secure-port=${port}`,
          '--bind-address=127.0.0.1',
          `--cert-dir=${join(dir, 'kcm')}`,
          '--v=1',
        ],
        logFile: join(dir, 'kube-controller-manager.log'),
      });
      await controllerManager.waitReady(async () => (await httpsStatus(`https://127.0.0.1:${port}/healthz`, undefined, undefined)) === 200, 60_000);
    },
    async stop() {
      await controllerManager?.stop();
      await apiserver.stop();
      await etcd.stop();
    },
  };
}

function kubeconfigYaml(url: string, caFile: string, token: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: alertiger-test\n  cluster:\n    server: ${url}\n    certificate-authority: ${caFile}`,
    'users:',
    `- name: admin\n  user:\n    token: ${token}`,
    'contexts:',
    '- name: alertiger-test\n  context:\n    cluster: alertiger-test\n    user: admin',
    'current-context: alertiger-test',
    '',
  ].join('\n');
}

/** Runs kubectl (`bin`) against `kubeconfig`; the node harness shares it. */
export function runKubectl(bin: string, kubeconfig: string, args: string[], options: KubectlOptions): Promise<KubectlResult> {
  const auth = options.token !== undefined ? [`--token=${options.token}`] : [];
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [`--kubeconfig=${kubeconfig}`, ...auth, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** The HTTP status of a GET over TLS (the CA verifies the server when given). */
export function httpsStatus(url: string, ca: Buffer | undefined, token: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'GET',
      ca,
      rejectUnauthorized: ca !== undefined,
      headers: token !== undefined ? { authorization: `Bearer ${token}` } : {},
      timeout: 2000,
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * A real one-node Kubernetes cluster for the node tier (test/e2e/node): its own etcd and
 * kube-apiserver (ServiceAccount admission on, a serving certificate that also names the
 * `kubernetes` Service's ClusterIP, so in-cluster clients verify it), kube-controller-manager
 * (CronJob, Job, ServiceAccount, root-CA publisher, GC), kube-scheduler, and a kubelet on
 * containerd + runc + the CNI bridge plugin (Debian packages), with the images it runs imported
 * by `ctr -n k8s.io images import` (no registry is reachable).
 *
 * Networking without kube-proxy: pods sit on a bridge of their own; every server of the tests
 * listens on 127.0.0.1, so the bridge's gateway address is DNAT-ed to 127.0.0.1 (same port;
 * `route_localnet` on the bridge), and the `kubernetes` Service's ClusterIP:443 to the API
 * server's port: a pod reaches the API server in-cluster and InfluxDB or Alertmanager at
 * `http://<gateway>:<port>` (see podUrl).
 *
 * Needs root, cgroups (v1 works with failCgroupV1: false), iptables and iproute2. Everything
 * it creates is named after this process (bridge, iptables chain, cgroups of its pods, state
 * under its directory) and removed by stop().
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { goBinary, systemBinary } from './binaries.js';
import { makeApiserverCerts } from './certs.js';
import { ServerProcess, answers, freePort, sleep } from './process.js';
import { httpsStatus, runKubectl, type KubectlOptions, type KubectlResult } from './kube.js';

export const SERVICE_CIDR = '10.0.0.0/24';
export const KUBERNETES_SERVICE_IP = '10.0.0.1';

export interface TestNode {
  nodeName: string;
  url: string;
  kubeconfig: string;
  caFile: string;
  adminToken: string;
  /** The address pods reach this host's loopback servers at. */
  gateway: string;
  /** A loopback URL (http://127.0.0.1:P/...) as a pod reaches it. */
  podUrl(url: string): string;
  kubectl(args: string[], options?: { input?: string; token?: string }): Promise<KubectlResult>;
  /** `ctr -n k8s.io images import` of a docker or OCI archive; returns the seconds it took. */
  importImage(archive: string): Promise<number>;
  /** Start-up times of the parts, in seconds. */
  timings: Record<string, number>;
  versions: Record<string, string>;
  stop(): Promise<void>;
}

/** Why a node cannot run here, or undefined when it can (root, the Debian packages, the Go binaries). */
export function nodeUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the node tier needs root (containerd, a bridge, iptables)';
  try {
    for (const [bin, pkg] of [['containerd', 'containerd'], ['runc', 'runc'], ['ctr', 'containerd'], ['iptables', 'iptables'], ['ip', 'iproute2']]) systemBinary(bin, pkg);
    if (!existsSync('/usr/lib/cni/bridge')) return '/usr/lib/cni/bridge is missing: apt-get install containernetworking-plugins';
    for (const bin of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'pause']) goBinary(bin);
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}

function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
}
function trySh(cmd: string, args: string[]): boolean {
  try {
    sh(cmd, args);
    return true;
  } catch {
    return false;
  }
}

export async function startNode(dir: string, options: { sandboxImage: { image: string; archive: string } }): Promise<TestNode> {
  mkdirSync(dir, { recursive: true });
  const timings: Record<string, number> = {};
  const t0 = Date.now();
  const lap = (what: string, since: number): void => void (timings[what] = (Date.now() - since) / 1000);
  const id = process.pid % 100_000;
  const bridge = `atg${id}`;
  const chain = `ALERTIGER-${id}`;
  const subnet = `10.${200 + (id % 50)}.${Math.floor(id / 50) % 250}`;
  const gateway = `${subnet}.1`;
  const nodeName = `alertiger-node-${id}`;
  const stops: Array<() => Promise<void> | void> = [];
  const kubeChainsBefore = kubeChains();
  // containerd puts pods without a cgroup parent under /k8s.io in every hierarchy.
  const cgroupDirs = readdirSync('/sys/fs/cgroup').map((h) => join('/sys/fs/cgroup', h, 'k8s.io')).filter((d) => !existsSync(d));
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        process.stderr.write(`node cleanup: ${(err as Error).message}\n`);
      }
    }
    stops.length = 0;
  };

  try {
    // --- network: bridge, DNAT of the gateway to loopback, ClusterIP of `kubernetes` ---
    const [etcdClient, etcdPeer, apiPort, kcmPort, schedPort, kubeletPort, kubeletHealthz] =
      [await freePort(), await freePort(), await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
    sh('ip', ['link', 'add', bridge, 'type', 'bridge']);
    stops.push(() => void trySh('ip', ['link', 'del', bridge]));
    sh('ip', ['addr', 'add', `${gateway}/24`, 'dev', bridge]);
    sh('ip', ['link', 'set', bridge, 'up']);
    writeFileSync(`/proc/sys/net/ipv4/conf/${bridge}/route_localnet`, '1');
    sh('iptables', ['-t', 'nat', '-N', chain]);
    stops.push(() => {
      trySh('iptables', ['-t', 'nat', '-D', 'PREROUTING', '-i', bridge, '-j', chain]);
      trySh('iptables', ['-t', 'nat', '-D', 'OUTPUT', '-d', `${gateway}/32`, '-j', chain]);
      trySh('iptables', ['-t', 'nat', '-F', chain]);
      trySh('iptables', ['-t', 'nat', '-X', chain]);
    });
    sh('iptables', ['-t', 'nat', '-A', chain, '-d', `${KUBERNETES_SERVICE_IP}/32`, '-p', 'tcp', '--dport', '443', '-j', 'DNAT', '--to-destination', `127.0.0.1:${apiPort}`]);
    // The kubelet itself listens on the gateway (the API server fetches logs there): not redirected.
    sh('iptables', ['-t', 'nat', '-A', chain, '-d', `${gateway}/32`, '-p', 'tcp', '--dport', String(kubeletPort), '-j', 'RETURN']);
    sh('iptables', ['-t', 'nat', '-A', chain, '-d', `${gateway}/32`, '-p', 'tcp', '-j', 'DNAT', '--to-destination', '127.0.0.1']);
    sh('iptables', ['-t', 'nat', '-A', 'PREROUTING', '-i', bridge, '-j', chain]);
    sh('iptables', ['-t', 'nat', '-A', 'OUTPUT', '-d', `${gateway}/32`, '-j', chain]);
    // The kubelet adds KUBE-* canary and firewall chains; remove the ones that were not there before.
    stops.push(() => removeKubeChains(kubeChainsBefore));
    stops.push(() => void cgroupDirs.forEach((d) => existsSync(d) && trySh('rmdir', [d])));
    // The kubelet makes /var/lib/kubelet/device-plugins whatever its --root-dir.
    if (!existsSync('/var/lib/kubelet')) stops.push(() => rmSync('/var/lib/kubelet', { recursive: true, force: true }));

    // --- control plane ---
    let t = Date.now();
    const etcd = new ServerProcess({
      name: 'etcd (node)', command: goBinary('etcd'), logFile: join(dir, 'etcd.log'),
      args: [`--data-dir=${join(dir, 'etcd-data')}`, `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdClient}`, `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`, `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
        '--unsafe-no-fsync=true', '--log-level=warn'],
    });
    stops.push(() => etcd.stop());
    await etcd.waitReady(() => answers(`http://127.0.0.1:${etcdClient}/health`), 30_000);

    const certs = makeApiserverCerts(dir);
    // Re-issue the serving certificate so it also names the Service IP and the gateway.
    writeFileSync(join(dir, 'server-node.ext'),
      `subjectAltName=IP:127.0.0.1,IP:${KUBERNETES_SERVICE_IP},IP:${gateway},DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\n` +
      'extendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n');
    execFileSync('openssl', ['x509', '-req', '-in', 'apiserver.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
      '-out', 'apiserver.crt', '-days', '2', '-extfile', 'server-node.ext'], { cwd: dir, stdio: 'ignore' });
    // The API server's client certificate towards the kubelet (logs, exec), signed by the same CA.
    execFileSync('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'kubelet-client.key', '-out', 'kubelet-client.csr',
      '-subj', '/O=system:masters/CN=kube-apiserver-kubelet-client'], { cwd: dir, stdio: 'ignore' });
    execFileSync('openssl', ['x509', '-req', '-in', 'kubelet-client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
      '-out', 'kubelet-client.crt', '-days', '2'], { cwd: dir, stdio: 'ignore' });
    const adminToken = `admin-${Math.random().toString(36).slice(2)}`;
    writeFileSync(join(dir, 'tokens.csv'), `${adminToken},admin,admin-uid,"system:masters"\n`);
    const url = `https://127.0.0.1:${apiPort}`;
    const apiserver = new ServerProcess({
      name: 'kube-apiserver (node)', command: goBinary('kube-apiserver'), logFile: join(dir, 'kube-apiserver.log'),
      args: [`--etcd-servers=http://127.0.0.1:${etcdClient}`, '--bind-address=127.0.0.1', `--secure-port=${apiPort}`,
        '--advertise-address=127.0.0.1', '--endpoint-reconciler-type=none',
        `--tls-cert-file=${certs.serverCert}`, `--tls-private-key-file=${certs.serverKey}`, `--client-ca-file=${certs.caCert}`,
        `--token-auth-file=${join(dir, 'tokens.csv')}`, '--authorization-mode=RBAC', `--service-cluster-ip-range=${SERVICE_CIDR}`,
        '--allow-privileged=true', `--service-account-issuer=${url}/`, `--service-account-key-file=${certs.saPublicKey}`,
        `--service-account-signing-key-file=${certs.saPrivateKey}`, `--cert-dir=${dir}`,
        '--kubelet-preferred-address-types=InternalIP', `--kubelet-client-certificate=${join(dir, 'kubelet-client.crt')}`,
        `--kubelet-client-key=${join(dir, 'kubelet-client.key')}`, '--v=1'],
    });
    stops.push(() => apiserver.stop());
    const ca = readFileSync(certs.caCert);
    const get = (path: string): Promise<number> => httpsStatus(`${url}${path}`, ca, adminToken);
    await apiserver.waitReady(async () => (await get('/readyz')) === 200 && (await get('/api/v1/namespaces/default')) === 200, 90_000);
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeconfigYaml(url, certs.caCert, adminToken));
    lap('control plane', t);

    t = Date.now();
    const kcm = new ServerProcess({
      name: 'kube-controller-manager (node)', command: goBinary('kube-controller-manager'), logFile: join(dir, 'kube-controller-manager.log'),
      args: [`--kubeconfig=${kubeconfig}`,
        '--controllers=deployment-controller,replicaset-controller,disruption-controller,cronjob-controller,job-controller,garbage-collector-controller,namespace-controller,serviceaccount-controller,root-ca-certificate-publisher-controller,ttl-after-finished-controller,pod-garbage-collector-controller,node-lifecycle-controller',
        `--root-ca-file=${certs.caCert}`, '--leader-elect=false', `--secure-port=${kcmPort}`, '--bind-address=127.0.0.1',
        `--cert-dir=${join(dir, 'kcm')}`, '--v=1'],
    });
    stops.push(() => kcm.stop());
    const scheduler = new ServerProcess({
      name: 'kube-scheduler (node)', command: goBinary('kube-scheduler'), logFile: join(dir, 'kube-scheduler.log'),
      args: [`--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`,
        '--leader-elect=false', `--secure-port=${schedPort}`, '--bind-address=127.0.0.1', `--cert-dir=${join(dir, 'scheduler')}`, '--v=1'],
    });
    stops.push(() => scheduler.stop());
    await kcm.waitReady(async () => (await httpsStatus(`https://127.0.0.1:${kcmPort}/healthz`, undefined, undefined)) === 200, 60_000);
    await scheduler.waitReady(async () => (await httpsStatus(`https://127.0.0.1:${schedPort}/healthz`, undefined, undefined)) === 200, 60_000);
    lap('controller-manager and scheduler', t);

    // --- containerd ---
    t = Date.now();
    const ctd = join(dir, 'containerd');
    const socket = join(ctd, 'containerd.sock');
    mkdirSync(join(ctd, 'cni'), { recursive: true });
    writeFileSync(join(ctd, 'cni', '10-alertiger.conflist'), JSON.stringify({
      cniVersion: '1.0.0', name: `alertiger-${id}`,
      plugins: [{
        type: 'bridge', bridge, isGateway: true, ipMasq: false, hairpinMode: true,
        ipam: { type: 'host-local', dataDir: join(ctd, 'ipam'), ranges: [[{ subnet: `${subnet}.0/24`, gateway }]], routes: [{ dst: '0.0.0.0/0' }] },
      }],
    }, null, 1));
    writeFileSync(join(ctd, 'config.toml'), containerdConfig(ctd, socket, options.sandboxImage));
    const containerd = new ServerProcess({
      name: 'containerd (node)', command: 'containerd', args: ['--config', join(ctd, 'config.toml')], logFile: join(dir, 'containerd.log'),
    });
    stops.push(async () => {
      await containerd.stop();
      killShims(socket);
      unmountUnder(dir);
    });
    await containerd.waitReady(async () => existsSync(socket) && trySh('ctr', ['--address', socket, 'version']), 30_000);
    lap('containerd', t);

    const importImage = async (archive: string): Promise<number> => {
      const started = Date.now();
      await run('ctr', ['--address', socket, '-n', 'k8s.io', 'images', 'import', archive]);
      return (Date.now() - started) / 1000;
    };
    timings['import sandbox image'] = await importImage(options.sandboxImage.archive);

    // --- kubelet ---
    t = Date.now();
    const kubeletDir = join(dir, 'kubelet');
    mkdirSync(kubeletDir, { recursive: true });
    writeFileSync(join(dir, 'kubelet.yaml'), [
      'apiVersion: kubelet.config.k8s.io/v1beta1', 'kind: KubeletConfiguration',
      'cgroupDriver: cgroupfs', 'failCgroupV1: false', 'failSwapOn: false',
      // No QoS cgroup tree (/kubepods would be shared by every kubelet on the machine): each pod's
      // cgroup is named after its UID, under the root of each hierarchy.
      'cgroupsPerQOS: false', 'enforceNodeAllocatable: []',
      `containerRuntimeEndpoint: unix://${socket}`,
      `authentication: {anonymous: {enabled: false}, webhook: {enabled: false}, x509: {clientCAFile: ${certs.caCert}}}`,
      'authorization: {mode: AlwaysAllow}',
      // On the gateway: the node's InternalIP, where the API server reaches it for logs.
      `address: ${gateway}`, `port: ${kubeletPort}`, 'readOnlyPort: 0', `healthzPort: ${kubeletHealthz}`, 'healthzBindAddress: 127.0.0.1',
      `podLogsDir: ${join(dir, 'pod-logs')}`, 'evictionHard: {}', 'imageGCHighThresholdPercent: 100', 'imageGCLowThresholdPercent: 99',
      'serializeImagePulls: false', 'registerNode: true', 'syncFrequency: 5s', 'fileCheckFrequency: 5s',
      '',
    ].join('\n'));
    const kubelet = new ServerProcess({
      name: 'kubelet', command: goBinary('kubelet'), logFile: join(dir, 'kubelet.log'),
      args: [`--config=${join(dir, 'kubelet.yaml')}`, `--kubeconfig=${kubeconfig}`, `--root-dir=${kubeletDir}`, `--cert-dir=${join(dir, 'kubelet-pki')}`,
        `--hostname-override=${nodeName}`, `--node-ip=${gateway}`, '--v=2'],
    });
    stops.push(() => kubelet.stop());
    await kubelet.waitReady(async () => {
      const r = await kubectlOn(kubeconfig, ['get', 'node', nodeName, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'], {});
      return r.code === 0 && r.stdout.trim() === 'True';
    }, 120_000);
    // The kubelet registers the node with the not-ready taint; node-lifecycle-controller lifts it.
    await kubelet.waitReady(async () => {
      const r = await kubectlOn(kubeconfig, ['get', 'node', nodeName, '-o', 'jsonpath={.spec.taints}'], {});
      return r.code === 0 && !r.stdout.includes('NoSchedule');
    }, 60_000);
    lap('kubelet (node Ready, untainted)', t);
    timings.total = (Date.now() - t0) / 1000;

    // Pods leave their containers behind if the kubelet stops first: delete them while it runs.
    stops.push(async () => {
      await kubectlOn(kubeconfig, ['delete', 'pods', '--all', '--all-namespaces', '--grace-period=1', '--timeout=60s'], {});
    });

    const version = (bin: string, args: string[]): string => {
      try {
        return sh(bin, args).trim().split('\n')[0];
      } catch {
        return 'unknown';
      }
    };
    return {
      nodeName, url, kubeconfig, caFile: certs.caCert, adminToken, gateway, timings,
      versions: {
        kubelet: version(goBinary('kubelet'), ['--version']),
        containerd: version('containerd', ['--version']),
        runc: version('runc', ['--version']),
      },
      podUrl: (loopbackUrl: string) => loopbackUrl.replace(/^(\w+:\/\/)(127\.0\.0\.1|localhost)(?=[:/]|$)/, `$1${gateway}`),
      kubectl: (args, opts = {}) => kubectlOn(kubeconfig, args, opts),
      importImage,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function containerdConfig(root: string, socket: string, sandbox: { image: string }): string {
  return `version = 2
root = "${join(root, 'root')}"
state = "${join(root, 'state')}"
[grpc]
  address = "${socket}"
[ttrpc]
  address = "${socket}.ttrpc"
[debug]
  level = "warn"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${sandbox.image}"
  netns_mounts_under_state_dir = true
  # Without CAP_SYS_RESOURCE (sandboxed CI machines) runc cannot lower oom_score_adj, and the
  # kubelet asks -998 for every sandbox: runc init dies ("can't get final child's PID from pipe").
  restrict_oom_score_adj = ${process.getuid?.() === 0 && !hasCapability(24) ? 'true' : 'false'}
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${join(root, 'cni')}"
`;
}

/** Whether this process holds a capability (24: CAP_SYS_RESOURCE). */
function hasCapability(bit: number): boolean {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m !== null && (BigInt(`0x${m[1]}`) & (1n << BigInt(bit))) !== 0n;
}

/** containerd's shims outlive it (they are their own session): end those of this containerd, by pid. */
function killShims(socket: string): void {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.startsWith('/usr/bin/containerd-shim') && cmdline.split('\0').includes(socket)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }
}

/** Lazily unmounts whatever is still mounted under `dir` (overlay rootfs, tmpfs volumes, netns), deepest first. */
function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n')
    .map((line) => line.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((m): m is string => m !== undefined && (m === dir || m.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) trySh('umount', ['-l', m]);
}

function kubeChains(): Set<string> {
  const out = new Set<string>();
  for (const tool of ['iptables', 'ip6tables']) {
    for (const table of ['filter', 'nat', 'mangle']) {
      try {
        for (const line of sh(tool, ['-t', table, '-S']).split('\n')) {
          const m = /^-N (KUBE-\S+)/.exec(line);
          if (m) out.add(`${tool} ${table} ${m[1]}`);
        }
      } catch {
        // no such table or tool
      }
    }
  }
  return out;
}

/** Removes KUBE-* chains (and the rules jumping to them) that were not there before the node started. */
function removeKubeChains(before: Set<string>): void {
  for (const entry of kubeChains()) {
    if (before.has(entry)) continue;
    const [tool, table, chain] = entry.split(' ');
    for (const line of sh(tool, ['-t', table, '-S']).split('\n')) {
      if (line.startsWith('-A ') && line.includes(`-j ${chain}`)) trySh(tool, ['-t', table, ...line.replace(/^-A/, '-D').split(' ')]);
    }
    trySh(tool, ['-t', table, '-F', chain]);
  }
  for (const entry of kubeChains()) {
    if (before.has(entry)) continue;
    const [tool, table, chain] = entry.split(' ');
    trySh(tool, ['-t', table, '-X', chain]);
  }
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}\n${out}`))));
  });
}

function kubeconfigYaml(url: string, caFile: string, token: string): string {
  return ['apiVersion: v1', 'kind: Config', 'clusters:',
    `- name: node\n  cluster:\n    server: ${url}\n    certificate-authority: ${caFile}`,
    'users:', `- name: admin\n  user:\n    token: ${token}`,
    'contexts:', '- name: node\n  context:\n    cluster: node\n    user: admin', 'current-context: node', ''].join('\n');
}

/** A kubeconfig for another identity (a ServiceAccount's token) on the same cluster. */
export function tokenKubeconfig(node: TestNode, file: string, token: string, namespace = 'default'): string {
  writeFileSync(file, ['apiVersion: v1', 'kind: Config', 'clusters:',
    `- name: node\n  cluster:\n    server: ${node.url}\n    certificate-authority: ${node.caFile}`,
    'users:', `- name: sa\n  user:\n    token: ${token}`,
    'contexts:', `- name: node\n  context:\n    cluster: node\n    user: sa\n    namespace: ${namespace}`, 'current-context: node', ''].join('\n'));
  return file;
}

function kubectlOn(kubeconfig: string, args: string[], options: KubectlOptions): Promise<KubectlResult> {
  return runKubectl(goBinary('kubectl'), kubeconfig, args, options);
}

export { sleep };

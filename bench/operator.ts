/**
 * `npm run bench:operator`: the operator at scale against the real API server (issue 5).
 *
 * Starts the test harness's control plane, installs the CRD, creates N ModelMonitors (2,000 by
 * default; --monitors or BENCH_MONITORS) spread over --namespaces namespaces, then starts the
 * operator as its own process (`alertiger operator`, watching all namespaces) and measures:
 *   converge_s            from operator start until every CronJob exists and every monitor's
 *                         status says Ready=True for its current generation;
 *   requests_per_monitor  API requests each monitor cost by then: the writes of its own objects
 *                         (its CronJob, its status, its Events), from the operator's
 *                         /metrics (alertiger_kube_writes_total{kind}), divided by N;
 *   shared_requests       the requests no one monitor causes, made once per operator start
 *                         (list pages, watches, the Lease read) or once per namespace (the
 *                         job identity's three objects); they do not grow with N;
 *   requests_total        both together (all reads, lists, watches and writes; Lease renewals
 *                         apart), so requests_total / N is the cost including the shared part;
 *   peak_rss_mb           the operator process's peak resident memory (VmHWM);
 *   steady_writes         writes during a steady period after convergence (--steady-seconds,
 *                         default 120), with the resync interval at 30 s so the period holds
 *                         several full passes over every monitor; target 0.
 * The operator keeps its default worker count and no API rate limit. The last line is JSON:
 * {"monitors","converge_s","requests_per_monitor","shared_requests","requests_total","peak_rss_mb","steady_writes"}.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:https';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { realServers, stopRealServers } from '../test/harness/index.js';
import { freePort, mapLimit } from '../test/harness/process.js';
import { packageRoot } from '../operator/src/paths.js';
import { apiClient, apiserverPid, cpuSeconds } from './kube-api.js';

const { values } = parseArgs({
  options: {
    monitors: { type: 'string' },
    namespaces: { type: 'string' },
    'steady-seconds': { type: 'string' },
    workers: { type: 'string' },
    crd: { type: 'string' },
  },
});
const N = Number(values.monitors ?? process.env.BENCH_MONITORS ?? 2000);
const NAMESPACES = Number(values.namespaces ?? 10);
const STEADY_S = Number(values['steady-seconds'] ?? process.env.BENCH_STEADY_SECONDS ?? 120);
const cli = fileURLToPath(new URL('../operator/src/cli.js', import.meta.url));

// --crd: another CRD file (e.g. an earlier revision) to measure the operator alone.
const crd = values.crd ?? join(packageRoot(), 'crds', 'modelmonitors.alertiger.io.yaml');

const log = (msg: string): void => {
  process.stderr.write(`[bench:operator ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
};

/** Peak resident set of a process, in MB (Linux VmHWM). */
function peakRssMb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** The operator's request counters from its /metrics: by type, and its writes by object kind. */
async function requestCounts(metricsPort: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^alertiger_kube_requests_total\{type="(\w+)"\} (\d+)/gm)) counts[m[1]!] = Number(m[2]);
  for (const m of text.matchAll(/^alertiger_kube_writes_total\{kind="([\w/]+)"\} (\d+)/gm)) counts[`write:${m[1]!}`] = Number(m[2]);
  return counts;
}

/** The kinds a monitor's own writes are of; the rest (the job identity) is per namespace. */
const PER_MONITOR_KINDS = ['CronJob', 'ModelMonitor/status', 'Event'];

interface Progress {
  cronJobs: number;
  ready: number;
}

interface WatchedObject {
  metadata: { namespace?: string; name: string; generation?: number };
  status?: { observedGeneration?: number; conditions?: { type: string; status: string }[] };
}

/**
 * A live count of the objects at `path` that pass `ok`, kept from one watch (resourceVersion=0:
 * every existing object arrives as ADDED first, then each change). Re-listing 10,000 monitors
 * every second would make the measurement the API server's largest load.
 */
function watchCount(url: string, ca: Buffer, token: string, path: string, accept: string, ok: (obj: WatchedObject) => boolean): { count(): number; stop(): void } {
  const state = new Map<string, boolean>();
  let passing = 0;
  let stopped = false;
  let current: ReturnType<typeof request> | undefined;
  const apply = (type: string, obj: WatchedObject): void => {
    const key = `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
    if (state.get(key) === true) passing--;
    if (type === 'DELETED') state.delete(key);
    else {
      const good = ok(obj);
      state.set(key, good);
      if (good) passing++;
    }
  };
  const connect = (): void => {
    if (stopped) return;
    const sep = path.includes('?') ? '&' : '?';
    current = request(`${url}${path}${sep}watch=1&resourceVersion=0&timeoutSeconds=3600`, { ca, headers: { authorization: `Bearer ${token}`, accept } }, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.trim() === '') continue;
          const event = JSON.parse(line) as { type: string; object: WatchedObject };
          if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED') apply(event.type, event.object);
        }
      });
      res.on('end', () => setTimeout(connect, 100));
      res.on('error', () => setTimeout(connect, 1000));
    });
    current.on('error', () => setTimeout(connect, 1000));
    current.end();
  };
  connect();
  return { count: () => passing, stop: () => { stopped = true; current?.destroy(); } };
}

function progressWatch(url: string, ca: Buffer, token: string): { progress(): Progress; stop(): void } {
  const cronJobs = watchCount(url, ca, token, '/apis/batch/v1/cronjobs?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dalertiger-operator',
    'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1', () => true);
  const ready = watchCount(url, ca, token, '/apis/alertiger.io/v1alpha1/modelmonitors', 'application/json',
    (m) => m.status?.observedGeneration === m.metadata.generation && (m.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false));
  return {
    progress: () => ({ cronJobs: cronJobs.count(), ready: ready.count() }),
    stop: () => { cronJobs.stop(); ready.stop(); },
  };
}

async function main(): Promise<void> {
  const env = await realServers();
  log(env.componentsLine);
  const kube = env.kube;
  const api = apiClient(kube.url, readFileSync(kube.caFile), kube.adminToken);
  for (const args of [['apply', '-f', crd], ['wait', '--for', 'condition=established', '--timeout=60s', 'crd/modelmonitors.alertiger.io'], ['create', 'namespace', 'alertiger-system']]) {
    const r = await kube.kubectl(args);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  }
  const namespaces = Array.from({ length: NAMESPACES }, (_, i) => `bench-${String(i).padStart(2, '0')}`);
  for (const ns of namespaces) await api.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });

  const created = Date.now();
  const indexes = Array.from({ length: N }, (_, i) => i);
  await mapLimit(indexes, 16, async (i) => {
    const ns = namespaces[i % NAMESPACES]!;
    const name = `model-${String(i).padStart(5, '0')}`;
    const res = await api.call('POST', `/apis/alertiger.io/v1alpha1/namespaces/${ns}/modelmonitors`, {
      apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', metadata: { name, namespace: ns },
      spec: { model: { name }, source: { influx: { database: 'models', measurement: 'inference_log', where: { model: name } } }, granularity: i % 5 === 0 ? '1h' : '1d' },
    });
    if (res.status !== 201) throw new Error(`create ${ns}/${name}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
  });
  log(`created ${N} ModelMonitors in ${NAMESPACES} namespaces in ${((Date.now() - created) / 1000).toFixed(1)} s`);

  const metricsPort = await freePort();
  const operatorEnv: Record<string, string> = {
    KUBECONFIG: kube.kubeconfig,
    ALERTIGER_INFLUX_URL: env.influx.url,
    ALERTIGER_JOB_IMAGE: 'ghcr.io/alertiger/alertiger:bench',
    ALERTIGER_OPERATOR_NAMESPACE: 'alertiger-system',
    ALERTIGER_LISTEN: `127.0.0.1:${metricsPort}`,
    ALERTIGER_RESYNC_INTERVAL: '30s',
    ALERTIGER_POD_NAME: 'bench-operator',
    ALERTIGER_LOG_LEVEL: 'warn',
    ...(values.workers ? { ALERTIGER_WORKERS: values.workers } : {}),
  };
  const watch = progressWatch(kube.url, readFileSync(kube.caFile), kube.adminToken);
  const apiserver = apiserverPid(kube.url);
  const apiserverCpuAtStart = apiserver === undefined ? NaN : cpuSeconds(apiserver);
  const started = Date.now();
  const operator: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e',
    `const { main } = await import(${JSON.stringify(cli)}); process.exit(await main(['operator']));`], {
    env: { ...process.env, ...operatorEnv }, stdio: ['ignore', 'inherit', 'inherit'],
  });
  let convergeS = NaN;
  try {
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      if (operator.exitCode !== null) throw new Error(`the operator exited with code ${operator.exitCode}`);
      const p = watch.progress();
      if (p.cronJobs >= N && p.ready >= N) break;
      if (Date.now() - started > 30 * 60_000) throw new Error(`not converged after 30 min: ${JSON.stringify(p)}`);
      if ((Date.now() - started) % 10_000 < 1000) log(`t=${((Date.now() - started) / 1000).toFixed(0)} s: ${p.cronJobs} CronJobs, ${p.ready} Ready`);
    }
    convergeS = (Date.now() - started) / 1000;
    watch.stop();
    const atConverge = await requestCounts(metricsPort);
    const requests = (atConverge.read ?? 0) + (atConverge.list ?? 0) + (atConverge.watch ?? 0) + (atConverge.write ?? 0);
    const perMonitor = PER_MONITOR_KINDS.reduce((sum, kind) => sum + (atConverge[`write:${kind}`] ?? 0), 0);
    const apiserverCpu = apiserver === undefined ? NaN : cpuSeconds(apiserver) - apiserverCpuAtStart;
    log(`converged in ${convergeS.toFixed(1)} s; CPU: operator ${cpuSeconds(operator.pid!).toFixed(1)} s, API server ${apiserverCpu.toFixed(1)} s; requests ${JSON.stringify(atConverge)}`);

    log(`steady state for ${STEADY_S} s (resync every 30 s)`);
    await new Promise((r) => setTimeout(r, STEADY_S * 1000));
    const afterSteady = await requestCounts(metricsPort);
    const steadyWrites = (afterSteady.write ?? 0) - (atConverge.write ?? 0);
    const leaseWrites = (afterSteady.lease_write ?? 0) - (atConverge.lease_write ?? 0);
    const peak = peakRssMb(operator.pid!);
    log(`steady: ${steadyWrites} writes, ${leaseWrites} Lease renewals; peak RSS ${peak.toFixed(0)} MB`);
    operator.kill('SIGTERM');
    await new Promise((r) => operator.once('exit', r));
    process.stdout.write(JSON.stringify({
      monitors: N,
      converge_s: Number(convergeS.toFixed(1)),
      requests_per_monitor: Number((perMonitor / N).toFixed(3)),
      shared_requests: requests - perMonitor,
      requests_total: requests,
      peak_rss_mb: Number(peak.toFixed(0)),
      steady_writes: steadyWrites,
    }) + '\n');
  } finally {
    watch.stop();
    if (operator.exitCode === null) operator.kill('SIGKILL');
    await stopRealServers();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:operator failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
  void stopRealServers();
});

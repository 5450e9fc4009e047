/**
 * `npm run bench:apiserver`: what the real API server's CPU pays for each write a new monitor
 * costs, which bounds bench:operator's converge time on a small machine. Against the test
 * harness's kube-apiserver, in rounds of ROUND writes (16 at a time), alternating the variants
 * so that a noisy machine hits them alike, it measures the API server's CPU (from /proc) per:
 *   - CronJob create, answer as JSON (what the operator sends) and as PartialObjectMetadata;
 *   - ModelMonitor status write by server-side apply (what the operator sends) and by merge patch,
 *     each with the default field validation and with fieldValidation=Ignore;
 *   - the status apply once more on a copy of the CRD without its CEL rules (another group).
 * Prints per-round figures and the medians; the last line is JSON of the medians (ms per write).
 *
 *   npx tsc -p tsconfig.json && node dist/bench/apiserver-writes.js
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { packageRoot } from '../operator/src/paths.js';
import { realServers, stopRealServers } from '../test/harness/index.js';
import { mapLimit } from '../test/harness/process.js';
import { apiClient, apiserverPid, cpuSeconds } from './kube-api.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND = Number(process.env.BENCH_ROUND_WRITES ?? 600);
const POM = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1, application/json';

const log = (msg: string): void => {
  process.stderr.write(`[bench:apiserver ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
};

/** The CRD with every x-kubernetes-validations removed and its group renamed, to install beside the real one. */
function crdWithoutCel(): string {
  const crd = yaml.load(readFileSync(join(packageRoot(), 'crds', 'modelmonitors.alertiger.io.yaml'), 'utf8')) as Record<string, unknown>;
  const strip = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(strip);
    else if (node !== null && typeof node === 'object') {
      delete (node as Record<string, unknown>)['x-kubernetes-validations'];
      Object.values(node).forEach(strip);
    }
  };
  strip(crd);
  const spec = crd.spec as { group: string };
  spec.group = 'nocel.alertiger.io';
  (crd.metadata as { name: string }).name = `modelmonitors.${spec.group}`;
  const path = join(tmpdir(), `alertiger-crd-nocel-${process.pid}.yaml`);
  writeFileSync(path, yaml.dump(crd));
  return path;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const env = await realServers();
  log(env.componentsLine);
  const kube = env.kube;
  const noCel = crdWithoutCel();
  for (const args of [['apply', '-f', join(packageRoot(), 'crds', 'modelmonitors.alertiger.io.yaml')], ['apply', '-f', noCel],
    ['wait', '--for', 'condition=established', '--timeout=60s', 'crd/modelmonitors.alertiger.io', 'crd/modelmonitors.nocel.alertiger.io']]) {
    const r = await kube.kubectl(args);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  }
  const api = apiClient(kube.url, readFileSync(kube.caFile), kube.adminToken);
  const pid = apiserverPid(kube.url);
  if (pid === undefined) throw new Error(`no kube-apiserver process serves ${kube.url}`);
  const cpu = (): number => cpuSeconds(pid);
  const expect = (want: number) => (res: { status: number; body: string }): void => {
    if (res.status !== want) throw new Error(`HTTP ${res.status}, expected ${want}: ${res.body.slice(0, 200)}`);
  };

  /** API server CPU ms per call of `fn` over `names`. */
  const measure = async (names: string[], fn: (name: string) => Promise<void>): Promise<number> => {
    const before = cpu();
    await mapLimit(names, 16, fn);
    return ((cpu() - before) * 1000) / names.length;
  };

  const cronJob = (name: string): unknown => ({
    apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name, namespace: 'default' },
    spec: { schedule: '0 1 * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'job', image: 'alertiger:bench', args: ['job', '--monitor', `default/${name}`] }] } } } } },
  });
  const monitor = (group: string, name: string): unknown => ({
    apiVersion: `${group}/v1alpha1`, kind: 'ModelMonitor', metadata: { name, namespace: 'default' },
    spec: { model: { name }, source: { influx: { database: 'models', measurement: 'inference_log', where: { model: name } } }, granularity: '1d' },
  });
  const status = (group: string, name: string): unknown => ({
    apiVersion: `${group}/v1alpha1`, kind: 'ModelMonitor', metadata: { name, namespace: 'default' },
    status: { observedGeneration: 1, cronJobName: `${name}-alertiger`, conditions: [{ type: 'Ready', status: 'True', reason: 'Reconciled', message: `CronJob ${name}-alertiger is up to date`, observedGeneration: 1, lastTransitionTime: '2026-11-30T05:00:00Z' }] },
  });
  const monitors = (group: string): string => `/apis/${group}/v1alpha1/namespaces/default/modelmonitors`;

  /** A round of status writes on fresh monitors of `group` (the creates are not measured). */
  const statusWrites = (group: string, write: (name: string) => Promise<{ status: number; body: string }>) => async (round: number): Promise<number> => {
    const list = names(`${group.split('.')[0]}-${round}-${Math.random().toString(36).slice(2, 7)}`);
    await mapLimit(list, 16, async (n) => expect(201)(await api.call('POST', monitors(group), monitor(group, n))));
    return measure(list, async (n) => expect(200)(await write(n)));
  };
  const apply = (group: string, extra = '') => (n: string): Promise<{ status: number; body: string }> =>
    api.call('PATCH', `${monitors(group)}/${n}/status?fieldManager=alertiger-operator&force=true${extra}`, status(group, n), { contentType: 'application/apply-patch+yaml' });

  const variants: Record<string, (round: number) => Promise<number>> = {
    cronjob_create_json: (r) => measure(names(`cj-json-${r}`), async (n) =>
      expect(201)(await api.call('POST', '/apis/batch/v1/namespaces/default/cronjobs?fieldManager=bench', cronJob(n)))),
    cronjob_create_metadata_answer: (r) => measure(names(`cj-pom-${r}`), async (n) =>
      expect(201)(await api.call('POST', '/apis/batch/v1/namespaces/default/cronjobs?fieldManager=bench', cronJob(n), { accept: POM }))),
    status_apply: statusWrites('alertiger.io', apply('alertiger.io')),
    status_apply_field_validation_ignore: statusWrites('alertiger.io', apply('alertiger.io', '&fieldValidation=Ignore')),
    status_apply_crd_without_cel: statusWrites('nocel.alertiger.io', apply('nocel.alertiger.io')),
    status_merge_patch: statusWrites('alertiger.io', (n) =>
      api.call('PATCH', `${monitors('alertiger.io')}/${n}/status`, { status: (status('alertiger.io', n) as { status: unknown }).status }, { contentType: 'application/merge-patch+json' })),
  };
  function names(prefix: string): string[] {
    return Array.from({ length: ROUND }, (_, i) => `${prefix}-${i}`);
  }

  const figures: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const line: string[] = [];
      for (const [key, run] of Object.entries(variants)) {
        const ms = await run(round);
        figures[key]!.push(ms);
        line.push(`${key} ${ms.toFixed(2)}`);
      }
      log(`round ${round + 1}/${ROUNDS}, API server CPU ms per write: ${line.join(', ')}`);
    }
    const medians = Object.fromEntries(Object.entries(figures).map(([k, xs]) => [k, Number(median(xs).toFixed(2))]));
    log(`medians over ${ROUNDS} rounds of ${ROUND} writes: ${JSON.stringify(medians)}`);
    process.stdout.write(JSON.stringify(medians) + '\n');
  } finally {
    await stopRealServers();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:apiserver failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
  void stopRealServers();
});

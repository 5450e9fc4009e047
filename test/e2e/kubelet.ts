/**
 * What a kubelet does with a monitor's CronJob, done by hand so the end-to-end test needs no
 * node: take the pod template of the CronJob the operator wrote, resolve its environment
 * (values and Secret references, as the kubelet would), mint a token for its ServiceAccount
 * (the projected token an in-cluster pod gets), and run the image's entrypoint (`alertiger`)
 * with the container's arguments as a separate process, from the code built with this test.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RealServers } from '../harness/index.js';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}

export interface PodTemplate {
  serviceAccountName: string;
  containers: Array<{ name: string; image: string; command?: string[]; args?: string[]; env?: EnvVar[] }>;
}

export interface JobRun {
  code: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  args: string[];
}

const work = mkdtempSync(join(tmpdir(), 'alertiger-kubelet-'));
/** `alertiger`, the image's entrypoint: the CLI compiled next to this test. */
const entry = join(work, 'alertiger.mjs');
const cli = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'operator', 'src', 'cli.js');
writeFileSync(entry, `import { main } from ${JSON.stringify(pathToFileURL(cli).href)};\nprocess.exitCode = await main(process.argv.slice(2));\n`);

export async function podTemplate(env: RealServers, namespace: string, cronJob: string): Promise<PodTemplate> {
  const result = await env.kube.kubectl(['-n', namespace, 'get', 'cronjob', cronJob, '-o', 'json']);
  if (result.code !== 0) throw new Error(`cannot read CronJob ${namespace}/${cronJob}: ${result.stderr}`);
  return (JSON.parse(result.stdout) as { spec: { jobTemplate: { spec: { template: { spec: PodTemplate } } } } }).spec.jobTemplate.spec.template.spec;
}

/** Resolves env values and Secret keys (an optional key that is absent is left out, as the kubelet does). */
async function resolveEnv(env: RealServers, namespace: string, vars: readonly EnvVar[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const v of vars) {
    if (v.value !== undefined) out[v.name] = v.value;
    const ref = v.valueFrom?.secretKeyRef;
    if (ref === undefined) continue;
    const secret = await env.kube.kubectl(['-n', namespace, 'get', 'secret', ref.name, '-o', 'json']);
    const data = secret.code === 0 ? (JSON.parse(secret.stdout) as { data?: Record<string, string> }).data ?? {} : {};
    if (data[ref.key] !== undefined) out[v.name] = Buffer.from(data[ref.key], 'base64').toString('utf8');
    else if (ref.optional !== true) throw new Error(`secret ${ref.name} has no key ${ref.key} (kubelet would not start the pod)`);
  }
  return out;
}

/** A kubeconfig holding the ServiceAccount's token: what an in-cluster pod authenticates with. */
async function serviceAccountKubeconfig(env: RealServers, namespace: string, serviceAccount: string): Promise<string> {
  const token = await env.kube.kubectl(['-n', namespace, 'create', 'token', serviceAccount, '--duration=1h']);
  if (token.code !== 0) throw new Error(`cannot create a token for ${namespace}/${serviceAccount}: ${token.stderr}`);
  const file = join(work, `kubeconfig-${namespace}-${serviceAccount}`);
  writeFileSync(file, [
    'apiVersion: v1', 'kind: Config',
    `clusters:\n- name: c\n  cluster:\n    server: ${env.kube.url}\n    certificate-authority: ${env.kube.caFile}`,
    `users:\n- name: sa\n  user:\n    token: ${token.stdout.trim()}`,
    'contexts:\n- name: c\n  context:\n    cluster: c\n    user: sa\n    namespace: ' + namespace,
    'current-context: c', '',
  ].join('\n'));
  return file;
}

/**
 * Runs the CronJob's container once. `extraEnv` adds variables a test needs on top of the pod's
 * (e.g. ALERTIGER_NOW to run as the CronJob would on a later day).
 */
export async function runCronJobOnce(
  env: RealServers,
  namespace: string,
  cronJob: string,
  extraEnv: Record<string, string> = {},
  /** Sees the job's log (stderr) as it is written, e.g. to break something mid-run. */
  onLog?: (text: string) => void,
): Promise<JobRun> {
  const pod = await podTemplate(env, namespace, cronJob);
  const container = pod.containers[0];
  const vars = await resolveEnv(env, namespace, container.env ?? []);
  const kubeconfig = await serviceAccountKubeconfig(env, namespace, pod.serviceAccountName);
  const args = [...(container.command ?? []), ...(container.args ?? [])];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, TMPDIR: work, ...vars, KUBECONFIG: kubeconfig, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      onLog?.(stderr);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, durationMs: Date.now() - started, args }));
  });
}

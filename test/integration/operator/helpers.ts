/**
 * Shared set-up of the operator's integration tests: the real API server with the CRD installed,
 * a namespace per test, and the operator started in-process (startOperator with the client-node
 * adapter), as a user's Deployment would run it, watching only the test's namespace.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { realServers, type KubectlResult, type RealServers } from '../../harness/index.js';
import { loadOperatorConfig, type OperatorConfig } from '../../../operator/src/config.js';
import { startOperator, type RunningOperator } from '../../../operator/src/controller/start.js';
import type { AlertHooks } from '../../../operator/src/controller/alerts.js';
import { HttpKubePort } from '../../../operator/src/k8s/client.js';
import { loadConnection } from '../../../operator/src/k8s/connection.js';
import { createLogger } from '../../../operator/src/log.js';
import type { ModelMonitor } from '../../../operator/src/api/types.js';
import { repoRoot } from '../../harness/golden.js';

export const crdFile = join(repoRoot(), 'crds', 'modelmonitors.alertiger.io.yaml');
export const OPERATOR_NAMESPACE = 'alertiger-system';
export const JOB_IMAGE = 'ghcr.io/alertiger/alertiger:test';

let env: RealServers | undefined;
let crdInstalled = false;
/** Operator logs of this test process, printed when a test fails. */
export const logFile = join(mkdtempSync(join(tmpdir(), 'alertiger-operator-it-')), 'operator.log');

export async function servers(): Promise<RealServers> {
  env ??= await realServers();
  if (!crdInstalled) {
    // ALERTIGER_TEST_CRD: another revision of the CRD (the operator's tests alone, while the CRD changes).
    await kubectlOk(['apply', '-f', process.env.ALERTIGER_TEST_CRD ?? crdFile]);
    await kubectlOk(['wait', '--for', 'condition=established', '--timeout=60s', 'crd/modelmonitors.alertiger.io']);
    const ns = await kubectl(['get', 'namespace', OPERATOR_NAMESPACE]);
    if (ns.code !== 0) await kubectlOk(['create', 'namespace', OPERATOR_NAMESPACE]);
    crdInstalled = true;
  }
  return env;
}

export async function kubectl(args: string[], options: { input?: string; token?: string } = {}): Promise<KubectlResult> {
  env ??= await realServers();
  return env.kube.kubectl(args, options);
}

export async function kubectlOk(args: string[], options: { input?: string; token?: string } = {}): Promise<string> {
  const result = await kubectl(args, options);
  assert.equal(result.code, 0, `kubectl ${args.join(' ')}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return result.stdout;
}

export async function getJson<T>(args: string[]): Promise<T> {
  return JSON.parse(await kubectlOk([...args, '-o', 'json'])) as T;
}

/** A fresh namespace with a readable, unique name. */
export async function newNamespace(prefix: string): Promise<string> {
  const ns = `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
  await kubectlOk(['create', 'namespace', ns]);
  return ns;
}

export function monitorYaml(namespace: string, name: string, spec: Record<string, unknown> = {}): string {
  return yaml.dump({
    apiVersion: 'alertiger.io/v1alpha1',
    kind: 'ModelMonitor',
    metadata: { name, namespace },
    spec: { model: { name }, source: { influx: { database: 'models', measurement: 'inference_log' } }, ...spec },
  });
}

export async function applyMonitor(namespace: string, name: string, spec: Record<string, unknown> = {}): Promise<void> {
  await kubectlOk(['apply', '-f', '-'], { input: monitorYaml(namespace, name, spec) });
}

export interface TestOperator {
  running: RunningOperator;
  port: HttpKubePort;
  identity: string;
}

/** The operator's configuration for a test: short leases, the test's namespaces only. */
export function testConfig(namespaces: string[], overrides: Record<string, string> = {}): OperatorConfig {
  if (env === undefined) throw new Error('call servers() first');
  return loadOperatorConfig([], {
    KUBECONFIG: env.kube.kubeconfig,
    ALERTIGER_INFLUX_URL: env.influx.url,
    ALERTIGER_ALERTMANAGER_URL: env.alertmanager.url,
    ALERTIGER_JOB_IMAGE: JOB_IMAGE,
    ALERTIGER_REPORT_URL: 'http://alertiger.example:8080',
    ALERTIGER_NAMESPACES: namespaces.join(','),
    ALERTIGER_OPERATOR_NAMESPACE: OPERATOR_NAMESPACE,
    ALERTIGER_LISTEN: '127.0.0.1:0',
    ALERTIGER_LEASE_NAME: `lease-${namespaces.join('-')}`.slice(0, 60),
    ALERTIGER_LEASE_DURATION: '3s',
    ALERTIGER_RENEW_DEADLINE: '2s',
    ALERTIGER_RETRY_PERIOD: '500ms',
    ...overrides,
  });
}

export async function startTestOperator(config: OperatorConfig, identity: string, alerts?: AlertHooks): Promise<TestOperator> {
  const log = createLogger({ level: 'debug', context: { identity }, write: (line) => appendFileSync(logFile, line + '\n') });
  const port = new HttpKubePort(await loadConnection(config.kubeconfig), { log });
  const running = await startOperator(config, { port, log, identity, ...(alerts ? { alerts } : {}) });
  return { running, port, identity };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''} (operator log: ${logFile})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export async function getMonitor(namespace: string, name: string): Promise<ModelMonitor> {
  return getJson<ModelMonitor>(['-n', namespace, 'get', 'modelmonitor', name]);
}

export function readyOf(monitor: ModelMonitor): { status: string; reason: string; message: string } | undefined {
  return monitor.status?.conditions?.find((c) => c.type === 'Ready');
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const securityDoc = join(repoRoot(), 'docs', 'security.md');

/** `kubectl auth can-i --list` output as sorted lines, columns joined by one space. */
export function canIList(output: string): string[] {
  return output.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' ')).filter((l) => l !== '').sort();
}

/**
 * Asserts that an identity's `kubectl auth can-i --list` is the one docs/security.md shows under
 * `<!-- can-i ID -->`, so the documented rights are the real ones (UPDATE_GOLDEN=1 rewrites the
 * block from the API server's answer).
 */
export function assertDocumentedRights(id: string, output: string): void {
  const text = readFileSync(securityDoc, 'utf8');
  const block = new RegExp(`(<!-- can-i ${id} -->\\n\`\`\`text\\n)([\\s\\S]*?)(\`\`\`)`);
  const match = block.exec(text);
  if (process.env.UPDATE_GOLDEN === '1' && match !== null) {
    writeFileSync(securityDoc, text.replace(block, (_all, head: string, _body: string, tail: string) => `${head}${output.trim()}\n${tail}`));
    return;
  }
  assert.ok(match !== null, `docs/security.md has no block <!-- can-i ${id} -->`);
  assert.deepEqual(canIList(output), canIList(match[2]!), `the rights of ${id} differ from docs/security.md (UPDATE_GOLDEN=1 rewrites it)`);
}

/**
 * The operator killed (SIGKILL, no Lease release, writes in flight) while it converges 30
 * monitors, then started again: it converges with exactly one CronJob per monitor, one job
 * identity for the namespace, and no Event (a creation raises none, and the successor finds
 * nothing to update). It runs as the real command, `alertiger operator`, in a child process.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  OPERATOR_NAMESPACE, JOB_IMAGE, getJson, kubectlOk, logFile, monitorYaml, newNamespace, servers, waitFor,
} from './helpers.js';
import type { ModelMonitor } from '../../../operator/src/api/types.js';

const cli = fileURLToPath(new URL('../../../operator/src/cli.js', import.meta.url));

function startCommand(env: Record<string, string>): ChildProcess {
  const out = openSync(logFile, 'a');
  return spawn(process.execPath, ['--input-type=module', '-e',
    `const { main } = await import(${JSON.stringify(cli)}); process.exit(await main(['operator']));`], {
    env: { ...process.env, ...env }, stdio: ['ignore', out, out],
  });
}

const exited = (child: ChildProcess): Promise<void> => new Promise((resolve) => {
  if (child.exitCode !== null || child.signalCode !== null) resolve();
  else child.once('exit', () => resolve());
});

describe('operator killed and restarted on a real API server', function () {
  this.timeout(240_000);
  let child: ChildProcess | undefined;

  after(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await exited(child);
    }
  });

  it('converges after SIGKILL mid-reconcile with no duplicate objects', async () => {
    const env = await servers();
    const ns = await newNamespace('op-restart');
    const operatorEnv = {
      KUBECONFIG: env.kube.kubeconfig,
      ALERTIGER_INFLUX_URL: env.influx.url,
      ALERTIGER_JOB_IMAGE: JOB_IMAGE,
      ALERTIGER_NAMESPACES: ns,
      ALERTIGER_OPERATOR_NAMESPACE: OPERATOR_NAMESPACE,
      ALERTIGER_LISTEN: '127.0.0.1:0',
      ALERTIGER_LEASE_NAME: `lease-${ns}`,
      ALERTIGER_LEASE_DURATION: '3s',
      ALERTIGER_RENEW_DEADLINE: '2s',
      ALERTIGER_RETRY_PERIOD: '500ms',
      ALERTIGER_WORKERS: '2',
      ALERTIGER_POD_NAME: 'restart-1',
    };
    const names = Array.from({ length: 30 }, (_, i) => `model-${String(i).padStart(2, '0')}`);
    await kubectlOk(['apply', '-f', '-'], { input: names.map((n) => monitorYaml(ns, n)).join('---\n') });
    child = startCommand(operatorEnv);
    // Kill once some, not all, CronJobs exist: writes are in flight.
    await waitFor('the first CronJobs', async () => {
      const list = await getJson<{ items: unknown[] }>(['-n', ns, 'get', 'cronjobs']);
      return list.items.length >= 3 ? true : undefined;
    }, 60_000, 50);
    child.kill('SIGKILL');
    await exited(child);
    const partial = (await getJson<{ items: unknown[] }>(['-n', ns, 'get', 'cronjobs'])).items.length;

    // A new pod (another identity) waits out the dead one's lease, then converges.
    child = startCommand({ ...operatorEnv, ALERTIGER_POD_NAME: 'restart-2' });
    await waitFor('every monitor Ready', async () => {
      const list = await getJson<{ items: ModelMonitor[] }>(['-n', ns, 'get', 'modelmonitors']);
      const ready = list.items.filter((m) => m.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return ready.length === names.length ? true : undefined;
    }, 120_000, 500);
    const managed = (kind: string): Promise<{ items: { metadata: { name: string; ownerReferences?: unknown[] } }[] }> =>
      getJson(['-n', ns, 'get', kind, '-l', 'app.kubernetes.io/managed-by=alertiger-operator']);
    const cronJobs = await managed('cronjobs');
    assert.deepEqual(cronJobs.items.map((i) => i.metadata.name).sort(), names.map((n) => `${n}-alertiger`), `CronJobs (killed with ${partial})`);
    for (const item of cronJobs.items) assert.equal(item.metadata.ownerReferences?.length, 1, `CronJob ${item.metadata.name} has one owner`);
    for (const kind of ['serviceaccounts', 'roles', 'rolebindings']) {
      assert.deepEqual((await managed(kind)).items.map((i) => i.metadata.name), ['alertiger-job'], `one job identity: ${kind}`);
    }
    const events = await getJson<{ items: { reason: string; involvedObject: { name: string } }[] }>(['-n', ns, 'get', 'events']);
    const cronJobEvents = events.items.filter((e) => e.reason.startsWith('CronJob')).map((e) => `${e.reason} ${e.involvedObject.name}`);
    assert.deepEqual(cronJobEvents, [], 'the successor rewrote no CronJob of its predecessor');
    child.kill('SIGTERM');
    await exited(child);
    assert.equal(child.exitCode, 0, 'SIGTERM stops the command cleanly');
  });
});

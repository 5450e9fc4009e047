/**
 * Deleting a ModelMonitor: garbage collection (the real kube-controller-manager) removes every
 * child through the owner references, and the operator resolves the monitor's open alerts in
 * the real Alertmanager. Also: the operator re-sends open anomalies on its interval. And a job
 * (`alertiger job`, a separate process) whose monitor is deleted mid-run leaves nothing firing:
 * the windows are made deterministic by holding the job's source read, or its alert post, until
 * the test has deleted the monitor.
 */
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_START, generateInferenceLog } from '../../../operator/src/synthetic/index.js';
import { alertiger, type CliResult } from '../../harness/cli.js';
import {
  applyMonitor, getJson, getMonitor, kubectl, kubectlOk, newNamespace, readyOf, servers, startTestOperator, testConfig, waitFor, type TestOperator,
} from './helpers.js';

interface AmAlert {
  labels: Record<string, string>;
  endsAt: string;
  status: { state: string };
}

describe('operator on monitor deletion, with the real Alertmanager', function () {
  this.timeout(180_000);
  let ns: string;
  let op: TestOperator;
  let alertmanager: string;
  let kubeconfig: string;
  let influx: string;

  before(async () => {
    const env = await servers();
    alertmanager = env.alertmanager.url;
    kubeconfig = env.kube.kubeconfig;
    influx = env.influx.url;
    await env.kube.startControllerManager();
    ns = await newNamespace('op-delete');
    op = await startTestOperator(testConfig([ns], { ALERTIGER_RESEND_INTERVAL: '1s' }), 'delete-a');
  });

  after(async () => {
    await op?.running.stop();
  });

  async function alertsOf(monitor: string): Promise<AmAlert[]> {
    const res = await fetch(`${alertmanager}/api/v2/alerts?filter=${encodeURIComponent(`monitor="${monitor}"`)}&filter=${encodeURIComponent(`namespace="${ns}"`)}`);
    return (await res.json()) as AmAlert[];
  }

  it('re-sends open anomalies, and on deletion removes the children and resolves the alerts', async () => {
    await applyMonitor(ns, 'churn');
    await waitFor('Ready', async () => (readyOf(await getMonitor(ns, 'churn'))?.status === 'True' ? true : undefined));
    // What a run writes (field manager alertiger-job): one open anomaly.
    const now = new Date().toISOString();
    const status = {
      apiVersion: 'alertiger.io/v1alpha1', kind: 'ModelMonitor', metadata: { name: 'churn', namespace: ns },
      status: {
        health: 'Anomalous', anomalyCount: 1, lastRunTime: now,
        anomalies: [{ category: 'feature', subject: 'age', statistic: 'mean', start: now, severity: 2.5, score: 0.9, observed: 51, expected: 38, lower: 35, upper: 41 }],
      },
    };
    await kubectlOk(['apply', '--server-side', '--field-manager=alertiger-job', '--subresource=status', '-f', '-'], { input: JSON.stringify(status) });
    const firing = await waitFor('the re-sent alert in Alertmanager', async () => {
      const alerts = (await alertsOf('churn')).filter((a) => a.status.state === 'active');
      return alerts.length === 1 ? alerts[0] : undefined;
    });
    assert.equal(firing.labels.alertname, 'ModelHealthAnomaly');
    assert.equal(firing.labels.subject, 'age');
    // The operator saw the status change: an AnomalyFound event, and its own fields intact.
    await waitFor('an AnomalyFound event', async () => {
      const events = await getJson<{ items: { reason: string }[] }>(['-n', ns, 'get', 'events']);
      return events.items.some((e) => e.reason === 'AnomalyFound') ? true : undefined;
    });
    const monitor = await getMonitor(ns, 'churn');
    assert.equal(readyOf(monitor)?.status, 'True');
    assert.equal(monitor.status?.health, 'Anomalous');

    await kubectlOk(['-n', ns, 'delete', 'modelmonitor', 'churn', '--wait=false']);
    await waitFor('the alert resolved', async () => {
      const alerts = await alertsOf('churn');
      return alerts.every((a) => a.status.state !== 'active' || Date.parse(a.endsAt) <= Date.now()) ? true : undefined;
    });
    await waitFor('garbage collection of every child', async () => {
      for (const kind of ['cronjobs', 'serviceaccounts', 'roles', 'rolebindings']) {
        const list = await getJson<{ items: unknown[] }>(['-n', ns, 'get', kind, '-l', 'app.kubernetes.io/managed-by=alertiger-operator']);
        if (list.items.length > 0) return undefined;
      }
      return true;
    }, 60_000, 500);
  });

  describe('a job whose monitor is deleted mid-run', () => {
    const DAY = 86_400_000;
    const start = Date.parse(DEFAULT_START);
    // 40 days of log with an incident from day 36: a first run at day 38 finds anomalies.
    const log = [...generateInferenceLog({
      seed: 3, days: 40, rowsPerDay: 400, asOf: new Date(start + 80 * DAY),
      incidents: [{ kind: 'missing', feature: 'purchase_amount', rate: 0.45, fromDay: 36 }],
    })].map((row) => JSON.stringify(row)).join('\n') + '\n';
    const runAt = new Date(start + 38 * DAY + 2 * 3600_000).toISOString();
    const httpServers: Server[] = [];

    after(async () => {
      for (const server of httpServers) await new Promise((done) => server.close(done));
    });

    /** An HTTP server on a free loopback port; its URL. */
    async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
      const server = createServer(handler);
      httpServers.push(server);
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }

    /** A gate: `reached` resolves when the held request arrives, `open()` lets it through. */
    function gate(): { reached: Promise<void>; arrive(): void; open(): void; opened: Promise<void> } {
      let arrive!: () => void;
      let open!: () => void;
      const reached = new Promise<void>((r) => (arrive = r));
      const opened = new Promise<void>((r) => (open = r));
      return { reached, arrive, open, opened };
    }

    async function applySick(ns: string, name: string, sourceUrl: string): Promise<void> {
      await applyMonitor(ns, name, {
        model: { name: 'propensity' },
        source: { file: { path: `${sourceUrl}/log.jsonl` } },
        schema: { categorical: ['country', 'device', 'channel'] },
      });
    }

    function runJob(ns: string, name: string, alertmanagerUrl: string): Promise<CliResult> {
      const detector = process.env.ALERTIGER_TEST_DETECTOR;
      return alertiger(['job', '--monitor', `${ns}/${name}`, '--now', runAt, '--kubeconfig', kubeconfig, '--influx-url', influx,
        '--alertmanager-url', alertmanagerUrl, ...(detector !== undefined ? ['--detector', detector] : [])]);
    }

    async function activeAlerts(ns: string, name: string): Promise<AmAlert[]> {
      const res = await fetch(`${alertmanager}/api/v2/alerts?filter=${encodeURIComponent(`monitor="${name}"`)}&filter=${encodeURIComponent(`namespace="${ns}"`)}`);
      return ((await res.json()) as AmAlert[]).filter((a) => a.status.state === 'active' && Date.parse(a.endsAt) > Date.now());
    }

    async function deleteMonitor(ns: string, name: string): Promise<void> {
      await kubectlOk(['-n', ns, 'delete', 'modelmonitor', name, '--wait=true']);
      assert.notEqual((await kubectl(['-n', ns, 'get', 'modelmonitor', name])).code, 0, 'the monitor is gone before the job goes on');
    }

    it('sends nothing firing when the monitor is deleted between the read and the alert send', async () => {
      const ns = await newNamespace('op-del-read');
      const held = gate();
      let requests = 0;
      const source = await serve((_req, res) => {
        const first = requests++ === 0;
        if (first) held.arrive();
        void (first ? held.opened : Promise.resolve()).then(() => res.writeHead(200, { 'content-type': 'application/x-ndjson' }).end(log));
      });
      await applySick(ns, 'sick', source);
      const job = runJob(ns, 'sick', alertmanager);
      await held.reached;
      await deleteMonitor(ns, 'sick');
      held.open();
      const result = await job;
      assert.deepEqual(await activeAlerts(ns, 'sick'), [], `nothing of the deleted monitor fires; job output: ${result.stdout}${result.stderr}`);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      const resolved = /was deleted during the run: resolved the (\d+) alert\(s\) of this run; no status written/.exec(result.stdout);
      assert.ok(resolved !== null, result.stdout + result.stderr);
      assert.ok(Number(resolved[1]) >= 1, `the run had anomalies to alert on: ${result.stdout}${result.stderr}`);
    });

    it('resolves what it sent when the monitor is deleted while the alerts are in flight', async () => {
      const ns = await newNamespace('op-del-send');
      const source = await serve((_req, res) => void res.writeHead(200).end(log));
      // A pass-through proxy to the real Alertmanager that holds the first alert post.
      const held = gate();
      let posts = 0;
      const firstPost: { alerts: { endsAt: string }[] } = { alerts: [] };
      const proxy = await serve((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks);
          const first = req.method === 'POST' && posts++ === 0;
          if (first) {
            firstPost.alerts = JSON.parse(body.toString()) as { endsAt: string }[];
            held.arrive();
          }
          void (first ? held.opened : Promise.resolve()).then(() => {
            const upstream = new URL(req.url ?? '/', alertmanager);
            const forward = httpRequest(upstream, { method: req.method, headers: { 'content-type': 'application/json' } }, (answer) => {
              res.writeHead(answer.statusCode ?? 502);
              answer.pipe(res);
            });
            forward.end(body);
          });
        });
      });
      await applySick(ns, 'sick', source);
      const job = runJob(ns, 'sick', proxy);
      await held.reached;
      assert.ok(firstPost.alerts.some((a) => Date.parse(a.endsAt) > Date.now()), 'the held post is firing alerts');
      await deleteMonitor(ns, 'sick');
      held.open();
      const result = await job;
      assert.deepEqual(await activeAlerts(ns, 'sick'), [], `nothing of the deleted monitor fires; job output: ${result.stdout}${result.stderr}`);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.match(result.stdout, /was deleted during the run: resolved the [1-9]\d* alert\(s\) of this run; no status written/);
      assert.equal(posts, 2, 'the firing post, then its resolve');
    });
  });
});

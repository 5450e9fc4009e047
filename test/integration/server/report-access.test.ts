/**
 * The report pages' access rule on the real operator HTTP server (startOperator against the real
 * API server, the report page reading the real InfluxDB), reached over loopback and over a
 * non-loopback interface address of this machine: loopback only by default, a bearer token when
 * one is configured. Also the per-monitor gauges the chart's PrometheusRule alerts on.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OperatorConfig } from '../../../operator/src/config.js';
import { startOperator, type RunningOperator } from '../../../operator/src/controller/start.js';
import { HttpKubePort } from '../../../operator/src/k8s/client.js';
import { loadConnection } from '../../../operator/src/k8s/connection.js';
import { createLogger } from '../../../operator/src/log.js';
import { influxReportHandler } from '../../../operator/src/server/report-page.js';
import type { RealServers } from '../../harness/index.js';
import { applyMonitor, getMonitor, logFile, newNamespace, readyOf, servers, testConfig, waitFor } from '../operator/helpers.js';

interface Answer { status: number; body: string; authenticate: string | undefined }

/** A GET sent from `host` to `host:port`, so the server's peer is that address. */
function get(host: string, port: number, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, headers, localAddress: host }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, authenticate: res.headers['www-authenticate'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The first IPv4 address of this machine that is not loopback. */
function externalAddress(): string | undefined {
  return Object.values(networkInterfaces()).flat().find((a) => a !== undefined && !a.internal && a.family === 'IPv4')?.address;
}

describe('report pages on the real operator HTTP server', function () {
  this.timeout(180_000);
  let env: RealServers;
  let ns: string;
  let external: string;
  let running: RunningOperator | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'alertiger-report-access-'));

  async function start(config: OperatorConfig, identity: string): Promise<RunningOperator> {
    const log = createLogger({ level: 'debug', context: { identity }, write: (line) => appendFileSync(logFile, line + '\n') });
    const port = new HttpKubePort(await loadConnection(config.kubeconfig), { log });
    const reportHandler = influxReportHandler({ influxUrl: env.influx.url, influxDatabase: config.influxDatabase, log });
    return startOperator(config, { port, log, identity, reportHandler });
  }

  before(async function () {
    const address = externalAddress();
    if (address === undefined) throw new Error('this machine has no non-loopback IPv4 address to connect from');
    external = address;
    env = await servers();
    ns = await newNamespace('report-access');
    await applyMonitor(ns, 'scorer', { granularity: '1h' });
  });

  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('serves reports to loopback clients only when no token is configured; probes and metrics answer everyone', async () => {
    running = await start(testConfig([ns], { ALERTIGER_LISTEN: ':0' }), 'report-open');
    const port = running.httpPort;
    await waitFor('Ready=True', async () => (readyOf(await getMonitor(ns, 'scorer'))?.status === 'True' ? true : undefined));
    const local = await get('127.0.0.1', port, `/monitors/${ns}/scorer`);
    assert.equal(local.status, 200, local.body);
    assert.match(local.body, /<html/i);
    const remote = await get(external, port, `/monitors/${ns}/scorer`);
    assert.equal(remote.status, 403);
    assert.match(remote.body, /loopback clients only/);
    assert.equal((await get(external, port, `/monitors/${ns}/scorer/report`)).status, 403);
    for (const path of ['/healthz', '/readyz']) assert.equal((await get(external, port, path)).status, 200, path);
    const metrics = await get(external, port, '/metrics');
    assert.equal(metrics.status, 200);
    // The gauges of the chart's PrometheusRule, from the operator's cache of the real monitor.
    const series = `{namespace="${ns}",monitor="scorer"}`;
    assert.ok(metrics.body.includes(`alertiger_monitor_ready${series} 1\n`), metrics.body);
    assert.ok(metrics.body.includes(`alertiger_monitor_schedule_interval_seconds${series} 3600\n`));
    const created = Date.parse((await getMonitor(ns, 'scorer')).metadata.creationTimestamp!) / 1000;
    assert.ok(metrics.body.includes(`alertiger_monitor_created_timestamp_seconds${series} ${created}\n`));
    assert.ok(!metrics.body.includes(`alertiger_monitor_last_success_timestamp_seconds${series}`), 'no success yet, no series');
  });

  it('asks every client for the bearer token from the token file: 401 without or with a wrong one, 200 with it, a rotated one at once', async () => {
    const file = join(dir, 'token');
    const token = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';
    writeFileSync(file, `${token}\n`);
    running = await start(testConfig([ns], { ALERTIGER_LISTEN: ':0', ALERTIGER_REPORT_TOKEN_FILE: file }), 'report-token');
    const port = running.httpPort;
    const path = `/monitors/${ns}/scorer`;
    for (const host of [external, '127.0.0.1']) {
      const none = await get(host, port, path);
      assert.equal(none.status, 401, host);
      assert.equal(none.authenticate, 'Bearer realm="alertiger-reports"');
      assert.equal((await get(host, port, path, { authorization: `Bearer ${token.slice(0, -1)}0` })).status, 401, host);
      assert.equal((await get(host, port, path, { authorization: `Basic ${token}` })).status, 401, host);
      const ok = await get(host, port, path, { authorization: `Bearer ${token}` });
      assert.equal(ok.status, 200, `${host}: ${ok.body}`);
      assert.match(ok.body, /<html/i);
    }
    const rotated = 'f'.repeat(32);
    writeFileSync(file, rotated);
    assert.equal((await get(external, port, path, { authorization: `Bearer ${token}` })).status, 401, 'the old token after rotation');
    assert.equal((await get(external, port, path, { authorization: `Bearer ${rotated}` })).status, 200, 'the new token after rotation');
    assert.equal((await get(external, port, '/readyz')).status, 200, 'probes need no token');
  });

  it('does not start with a token file it cannot read, and says which', async () => {
    const missing = join(dir, 'absent');
    await assert.rejects(start(testConfig([ns], { ALERTIGER_LISTEN: '127.0.0.1:0', ALERTIGER_REPORT_TOKEN_FILE: missing }), 'report-missing'),
      new RegExp(`ALERTIGER_REPORT_TOKEN_FILE: cannot read ${missing}: ENOENT`));
  });
});

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { Registry } from 'prom-client';
import type { ModelMonitor } from '../../../operator/src/api/types.js';
import { createApp, listen, type RunningServer, type ServerOptions } from '../../../operator/src/server/app.js';
import { OperatorMetrics } from '../../../operator/src/server/metrics.js';

const open: RunningServer[] = [];

async function serve(options: Partial<ServerOptions>): Promise<RunningServer & { url: string }> {
  const registry = new Registry();
  new OperatorMetrics(registry).queueDepth.set(2);
  const app = createApp({ registry, notReadyReason: () => undefined, lookupMonitor: () => undefined, ...options });
  const server = await listen(app, '127.0.0.1', 0);
  open.push(server);
  return { ...server, url: `http://127.0.0.1:${server.port}` };
}

describe('operator HTTP server', () => {
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  it('answers /healthz while the process serves', async () => {
    const s = await serve({ notReadyReason: () => 'caches not synced' });
    const res = await fetch(`${s.url}/healthz`);
    assert.equal(res.status, 200);
  });

  it('answers /readyz 503 with the reason until ready, then 200', async () => {
    let reason: string | undefined = 'caches not synced';
    const s = await serve({ notReadyReason: () => reason });
    const notReady = await fetch(`${s.url}/readyz`);
    assert.equal(notReady.status, 503);
    assert.match(await notReady.text(), /caches not synced/);
    reason = undefined;
    assert.equal((await fetch(`${s.url}/readyz`)).status, 200);
  });

  it('serves its registry as Prometheus text on /metrics', async () => {
    const s = await serve({});
    const res = await fetch(`${s.url}/metrics`);
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    assert.match(await res.text(), /^alertiger_queue_depth 2$/m);
  });

  it('answers 404 for report pages when no handler is plugged in', async () => {
    const s = await serve({});
    assert.equal((await fetch(`${s.url}/monitors/ml/a/report`)).status, 404);
  });

  it('hands report requests to the injected handler with the cached monitor', async () => {
    const monitor = { metadata: { name: 'a', namespace: 'ml' } } as ModelMonitor;
    const seen: string[] = [];
    const s = await serve({
      lookupMonitor: (ns, name) => (ns === 'ml' && name === 'a' ? monitor : undefined),
      reportHandler: (ctx, _req, res) => {
        seen.push(`${ctx.namespace}/${ctx.name}:${ctx.monitor ? 'found' : 'missing'}`);
        res.type('text/html').send('<h1>report</h1>');
      },
    });
    const res = await fetch(`${s.url}/monitors/ml/a/report`);
    assert.equal(await res.text(), '<h1>report</h1>');
    await fetch(`${s.url}/monitors/ml/b`);
    assert.deepEqual(seen, ['ml/a:found', 'ml/b:missing']);
  });

  describe('report page access', () => {
    const TOKEN = 'f'.repeat(40);
    const page = (ctx: { namespace: string; name: string }, _req: unknown, res: { type(t: string): { send(b: string): void } }): void => {
      res.type('text/html').send(`<h1>${ctx.namespace}/${ctx.name}</h1>`);
    };
    /** A GET from a chosen local address, so the server sees a loopback or a non-loopback peer. */
    const get = (host: string, port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; auth?: string }> =>
      new Promise((resolve, reject) => {
        const req = request({ host, port, path, headers, localAddress: host }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => { body += c.toString(); });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ...(res.headers['www-authenticate'] ? { auth: res.headers['www-authenticate'] } : {}) }));
        });
        req.on('error', reject);
        req.end();
      });
    const external = Object.values(networkInterfaces()).flat().find((a) => a !== undefined && !a.internal && a.family === 'IPv4')?.address;

    async function serveAll(options: Partial<ServerOptions>): Promise<RunningServer> {
      const registry = new Registry();
      const server = await listen(createApp({ registry, notReadyReason: () => undefined, lookupMonitor: () => undefined, reportHandler: page, ...options }), '', 0);
      open.push(server);
      return server;
    }

    it('serves report pages to loopback clients when no token is configured', async () => {
      const s = await serveAll({});
      const res = await get('127.0.0.1', s.port, '/monitors/ml/a');
      assert.equal(res.status, 200);
      assert.equal(res.body, '<h1>ml/a</h1>');
    });

    it('refuses report pages to a non-loopback client when no token is configured, and still serves it health and metrics', async function () {
      if (external === undefined) this.skip();
      const s = await serveAll({});
      const res = await get(external!, s.port, '/monitors/ml/a/report');
      assert.equal(res.status, 403);
      assert.match(res.body, /loopback clients only/);
      for (const path of ['/healthz', '/readyz', '/metrics']) assert.equal((await get(external!, s.port, path)).status, 200, path);
    });

    it('asks every client for the bearer token when one is configured: 401 without or with a wrong one, 200 with it', async () => {
      const s = await serveAll({ reportToken: () => TOKEN });
      for (const host of ['127.0.0.1', ...(external ? [external] : [])]) {
        const none = await get(host, s.port, '/monitors/ml/a');
        assert.equal(none.status, 401, host);
        assert.equal(none.auth, 'Bearer realm="alertiger-reports"');
        assert.equal((await get(host, s.port, '/monitors/ml/a', { authorization: `Bearer ${TOKEN}x` })).status, 401, host);
        const ok = await get(host, s.port, '/monitors/ml/a', { authorization: `Bearer ${TOKEN}` });
        assert.equal(ok.status, 200, host);
        assert.equal(ok.body, '<h1>ml/a</h1>');
      }
    });

    it('refuses report pages with 503 when the token cannot be read, without calling the handler', async () => {
      let called = false;
      const s = await serveAll({
        reportToken: () => { throw new Error('cannot read /t: ENOENT'); },
        reportHandler: (_ctx, _req, res) => { called = true; res.send('x'); },
      });
      const res = await get('127.0.0.1', s.port, '/monitors/ml/a', { authorization: `Bearer ${TOKEN}` });
      assert.equal(res.status, 503);
      assert.match(res.body, /cannot read \/t/);
      assert.equal(called, false);
    });
  });
});

import assert from 'node:assert/strict';
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
});

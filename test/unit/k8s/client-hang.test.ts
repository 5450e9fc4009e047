/**
 * A server that takes the connection and never answers (a hung API server or a black-holing
 * proxy): a request fails with its timeout, and an informer's start ends and retries rather than
 * waiting forever, whether its list or its watch hangs. The first server is a bare TCP socket, so
 * the TLS handshake never completes; the second answers lists and holds watches unanswered.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpKubePort } from '../../../operator/src/k8s/client.js';
import { KubeApiError } from '../../../operator/src/k8s/errors.js';
import type { ApiConnection } from '../../../operator/src/k8s/connection.js';
import { MODEL_MONITOR, type KubeObject } from '../../../operator/src/k8s/types.js';
import { createLogger } from '../../../operator/src/log.js';
import { makeApiserverCerts } from '../../harness/certs.js';

function warningsLog(): { log: ReturnType<typeof createLogger>; warnings: string[] } {
  const warnings: string[] = [];
  const log = createLogger({ write: (line) => {
    const entry = JSON.parse(line) as { level: string; msg: string; error?: string };
    if (entry.level === 'warn') warnings.push(`${entry.msg}: ${entry.error}`);
  } });
  return { log, warnings };
}

describe('HttpKubePort against a server that never answers', () => {
  let server: Server;
  const sockets: Socket[] = [];
  let connection: ApiConnection;

  before(async () => {
    server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    connection = { server: `https://127.0.0.1:${port}`, tls: () => Promise.resolve({}), headers: () => Promise.resolve({}) };
  });

  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('fails a request after its timeout, naming it', async () => {
    const port = new HttpKubePort(connection, { log: createLogger({ write: () => undefined }), timeoutMs: 200 });
    await assert.rejects(port.get(MODEL_MONITOR, 'ns', 'm'), (err: unknown) => err instanceof KubeApiError && err.status === 0 && /get ModelMonitor ns\/m: no answer within 200 ms/.test(err.message));
  });

  it('ends an informer\'s start, saying why, when its list never answers', async () => {
    const { log, warnings } = warningsLog();
    const port = new HttpKubePort(connection, { log, timeoutMs: 200 });
    const informer = port.informer<KubeObject>(MODEL_MONITOR, { namespaces: ['ns'] }, {});
    const started = Date.now();
    await informer.start();
    await informer.stop();
    assert.ok(Date.now() - started < 5_000);
    assert.equal(informer.synced(), false);
    assert.match(warnings[0] ?? '', /^Watch failed; restarting: list ModelMonitor: no answer within 200 ms/);
  });

  it('gives up on a watch whose response never begins, after a list that answered', async () => {
    const certs = makeApiserverCerts(mkdtempSync(join(tmpdir(), 'alertiger-hang-')));
    const held: import('node:http').ServerResponse[] = [];
    const https = createHttpsServer({ cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey) }, (req, res) => {
      if (req.url?.includes('watch=true')) {
        held.push(res); // never answered
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ metadata: { resourceVersion: '5' }, items: [] }));
    });
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    try {
      const { port: tcpPort } = https.address() as { port: number };
      const { log, warnings } = warningsLog();
      const ca = readFileSync(certs.caCert);
      const port = new HttpKubePort({ server: `https://127.0.0.1:${tcpPort}`, tls: () => Promise.resolve({ ca }), headers: () => Promise.resolve({}) }, { log, timeoutMs: 300 });
      const informer = port.informer<KubeObject>(MODEL_MONITOR, { namespaces: ['ns'] }, {});
      await informer.start();
      await informer.stop();
      assert.equal(port.stats().lists, 1);
      assert.equal(port.stats().watches, 1);
      assert.match(warnings[0] ?? '', /^Watch failed; restarting: watch \/apis\/alertiger\.io\/v1alpha1\/namespaces\/ns\/modelmonitors: no answer within 300 ms/);
    } finally {
      for (const res of held) res.destroy();
      https.closeAllConnections();
      await new Promise((resolve) => https.close(resolve));
    }
  });
});

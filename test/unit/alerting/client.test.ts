import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { postAlerts } from '../../../operator/src/alerting/client.js';
import type { PostableAlert } from '../../../operator/src/alerting/payload.js';
import { AlertigerError } from '../../../operator/src/errors.js';

const alert: PostableAlert = {
  labels: { alertname: 'ModelHealthAnomaly', monitor: 'm' },
  annotations: { summary: 's' },
  startsAt: '2026-11-19T00:00:00Z',
  endsAt: '2026-11-22T00:00:00Z',
};
const noWait = async (): Promise<void> => undefined;

/** A loopback HTTP server answering each request with the next status of `statuses`. */
async function serve(statuses: number[]): Promise<{ url: string; bodies: string[]; paths: string[]; server: Server }> {
  const bodies: string[] = [];
  const paths: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      bodies.push(body);
      paths.push(`${req.method} ${req.url}`);
      const status = statuses.shift() ?? 200;
      res.writeHead(status).end(status === 400 ? 'invalid label set' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies, paths, server };
}

describe('postAlerts', () => {
  const servers: Server[] = [];
  after(() => servers.forEach((s) => s.close()));

  it('posts the alerts as JSON to /api/v2/alerts', async () => {
    const s = await serve([200]);
    servers.push(s.server);
    await postAlerts(s.url + '/', [alert]);
    assert.deepEqual(s.paths, ['POST /api/v2/alerts']);
    assert.deepEqual(JSON.parse(s.bodies[0]), [alert]);
  });

  it('retries a 503 and succeeds on the next attempt', async () => {
    const s = await serve([503, 200]);
    servers.push(s.server);
    const retries: number[] = [];
    await postAlerts(s.url, [alert], { sleep: noWait, onRetry: (_e, n) => retries.push(n) });
    assert.equal(s.bodies.length, 2);
    assert.deepEqual(retries, [1]);
  });

  it('fails at once with AlertmanagerRejected on a 400', async () => {
    const s = await serve([400, 200]);
    servers.push(s.server);
    await assert.rejects(postAlerts(s.url, [alert], { sleep: noWait }), (err: unknown) =>
      err instanceof AlertigerError && err.code === 'AlertmanagerRejected' && /invalid label set/.test(err.message));
    assert.equal(s.bodies.length, 1);
  });

  it('fails with AlertmanagerUnavailable naming the URL when nothing listens', async () => {
    const s = await serve([]);
    const url = s.url;
    await new Promise<void>((resolve) => s.server.close(() => resolve()));
    let attempts = 0;
    await assert.rejects(postAlerts(url, [alert], { retries: 2, sleep: noWait, onRetry: () => attempts++ }), (err: unknown) =>
      err instanceof AlertigerError && err.code === 'AlertmanagerUnavailable' && err.message.includes(`${url}/api/v2/alerts`));
    assert.equal(attempts, 2);
  });

  it('sends no request for an empty list', async () => {
    const s = await serve([]);
    servers.push(s.server);
    await postAlerts(s.url, []);
    assert.equal(s.bodies.length, 0);
  });
});

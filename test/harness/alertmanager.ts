/**
 * Alertmanager (Debian's `prometheus-alertmanager`) on a free loopback port, clustering off,
 * routing every alert, grouped by namespace and monitor, to a webhook receiver that this
 * process runs, so tests see what a team's pager would receive.
 */
import { createServer, type Server } from 'node:http';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemBinary, versionOf } from './binaries.js';
import { ServerProcess, answers, freePort, sleep } from './process.js';

/** What Alertmanager POSTs to a webhook receiver (the fields tests read). */
export interface WebhookNotification {
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  alerts: Array<{
    status: 'firing' | 'resolved';
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
    fingerprint: string;
  }>;
}

export interface AlertmanagerServer {
  url: string;
  version: string;
  webhook: {
    url: string;
    received: WebhookNotification[];
    /** Waits for a notification matching `predicate`; fails after `timeoutMs`. */
    waitFor(predicate: (n: WebhookNotification) => boolean, timeoutMs?: number): Promise<WebhookNotification>;
    clear(): void;
  };
  /** Restarts Alertmanager; with `wipe` its storage is deleted, as a fresh pod would start. */
  restart(options?: { wipe?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

export async function startAlertmanager(dir: string): Promise<AlertmanagerServer> {
  mkdirSync(dir, { recursive: true });
  const bin = systemBinary('prometheus-alertmanager', 'prometheus-alertmanager');
  const received: WebhookNotification[] = [];
  const receiver = await startWebhookReceiver(received);
  const port = await freePort();
  const config = join(dir, 'alertmanager.yml');
  writeFileSync(config, [
    'route:',
    '  receiver: webhook',
    '  group_by: [namespace, monitor]',
    '  group_wait: 1s',
    '  group_interval: 2s',
    '  repeat_interval: 4h',
    'receivers:',
    '- name: webhook',
    '  webhook_configs:',
    `  - url: ${receiver.url}`,
    '    send_resolved: true',
    '',
  ].join('\n'));
  const storage = join(dir, 'data');
  const url = `http://127.0.0.1:${port}`;
  let server: ServerProcess | undefined;
  const start = async (): Promise<void> => {
    server = new ServerProcess({
      name: 'alertmanager',
      command: bin,
      args: [
        `--config.file=${config}`,
        `--storage.path=${storage}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
        '--log.level=warn',
      ],
      logFile: join(dir, 'alertmanager.log'),
    });
    await server.waitReady(() => answers(`${url}/-/ready`), 30_000);
  };
  await start();
  return {
    url,
    version: versionOf(bin, ['--version'], /version (\S+)/),
    webhook: {
      url: receiver.url,
      received,
      async waitFor(predicate, timeoutMs = 30_000) {
        const deadline = Date.now() + timeoutMs;
        while (Date.now() < deadline) {
          const found = received.find(predicate);
          if (found !== undefined) return found;
          await sleep(200);
        }
        throw new Error(`no matching Alertmanager notification within ${timeoutMs / 1000}s; received: ${JSON.stringify(received, null, 1).slice(0, 4000)}`);
      },
      clear: () => void received.splice(0),
    },
    async restart(options = {}) {
      await server?.stop();
      if (options.wipe === true) rmSync(storage, { recursive: true, force: true });
      await start();
    },
    async stop() {
      await server?.stop();
      await new Promise<void>((resolve) => receiver.server.close(() => resolve()));
    },
  };
}

async function startWebhookReceiver(received: WebhookNotification[]): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      try {
        received.push(JSON.parse(body) as WebhookNotification);
        res.writeHead(200).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  // Our own server: let the OS pick the port at bind time, so there is no race at all.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  server.unref();
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/alerts`, server };
}
